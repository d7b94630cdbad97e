#!/usr/bin/env bash
# Stops the one-node cluster cluster-up.sh started and restores the host: every container and
# its shim, the cluster's processes, their mounts, the pods' network namespaces and bridge, the
# iptables rules, the sysctls and the node address on loopback as they were before. Keeps the
# state directory's PKI, kubeconfigs and logs unless KAPI_CLUSTER_WIPE=1; the cluster's objects
# and volumes go (the next up starts an empty cluster). Built programs and images stay in the cache. Safe to run when nothing is running.
set -euo pipefail
KAPI_SCRIPT=cluster-down
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "${here}/common.sh"

[ "$(id -u)" -eq 0 ] || die "run as root"
state="${CLUSTER_DIR}/host-state"

stop_process() { # NAME: SIGTERM, then SIGKILL after 20 s
  local name="$1" pid i
  pid="$(pid_of "${name}" || true)"
  if [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null; then
    kill -TERM "${pid}" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${pid}" 2>/dev/null || true
  fi
  rm -f "${CLUSTER_RUN}/pids/${name}.pid"
}

# The kubelet first, so that it restarts nothing; then every container, through containerd.
stop_process kubelet
if running containerd; then
  log "stopping the containers"
  for task in $(ctr_k8s tasks list -q 2>/dev/null); do
    ctr_k8s tasks kill --signal SIGKILL "${task}" >/dev/null 2>&1 || true
  done
  sleep 2
  for task in $(ctr_k8s tasks list -q 2>/dev/null); do ctr_k8s tasks delete --force "${task}" >/dev/null 2>&1 || true; done
  for container in $(ctr_k8s containers list -q 2>/dev/null); do ctr_k8s containers delete "${container}" >/dev/null 2>&1 || true; done
fi
for ((i = ${#CLUSTER_PROCESSES[@]} - 1; i >= 0; i--)); do stop_process "${CLUSTER_PROCESSES[i]}"; done
# The shims outlive containerd by design; ours are the ones serving our containerd's address.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address ${CONTAINERD_SOCK}( |$)" || true); do
  kill -KILL "${pid}" 2>/dev/null || true
done

# Mounts under the cluster's directories (secrets, overlay snapshots, sandbox /dev/shm), deepest first.
for mount in $(awk -v a="${CLUSTER_DIR}/" -v b="${CLUSTER_RUN}/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
  umount "${mount}" 2>/dev/null || umount -l "${mount}" 2>/dev/null || true
done
# The pods' network namespaces containerd made, and the CNI bridge.
for ns in $(ls /run/netns 2>/dev/null); do
  if [ ! -f "${state}/netns" ] || ! grep -qxF "${ns}" "${state}/netns"; then
    case "${ns}" in cni-*) ip netns delete "${ns}" 2>/dev/null || true ;; esac
  fi
done
ip link show "${CNI_BRIDGE}" >/dev/null 2>&1 && ip link delete "${CNI_BRIDGE}"
rm -rf "${CLUSTER_DIR}/cni-ipam"
# The pods' cgroups the kubelet made (cgroupfs driver), deepest first.
for controller in /sys/fs/cgroup/*/; do
  [ -d "${controller}kubepods" ] || continue
  find "${controller}kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

if [ -d "${state}" ]; then
  log "restoring iptables, sysctls and the node address"
  for tool in iptables ip6tables; do
    for table in filter nat mangle raw; do
      "${tool}" -t "${table}" -F 2>/dev/null || true
      "${tool}" -t "${table}" -X 2>/dev/null || true
    done
    if [ -s "${state}/${tool}" ]; then "${tool}-restore" <"${state}/${tool}"; fi
  done
  # iptables-nft leaves the (now empty) tables it created; remove those that were not there before.
  if [ -f "${state}/nft-tables" ]; then
    nft list tables 2>/dev/null | while read -r _ family name; do
      grep -qxF "table ${family} ${name}" "${state}/nft-tables" || nft delete table "${family}" "${name}" 2>/dev/null || true
    done
  fi
  while IFS='=' read -r key value; do
    [ -n "${key}" ] && sysctl -q -w "${key}=${value}" >/dev/null 2>&1 || true
  done <"${state}/sysctl"
  if [ -f "${state}/absent-dirs" ]; then
    while read -r dir; do
      case " ${HOST_DIRS[*]} " in *" ${dir} "*) rm -rf "${dir}" ;; esac
    done <"${state}/absent-dirs"
  fi
  if [ ! -f "${state}/node-ip-existed" ]; then
    ip addr del "${NODE_IP}/32" dev lo 2>/dev/null || true
  fi
  rm -rf "${state}"
fi
conntrack -D -s "${POD_CIDR}" >/dev/null 2>&1 || true
rm -rf "${CLUSTER_RUN}"
if [ "${KAPI_CLUSTER_WIPE:-}" = 1 ]; then
  rm -rf "${CLUSTER_DIR}"
else
  rm -rf "${CLUSTER_DIR}/kubelet" "${CLUSTER_DIR}/containerd" "${CLUSTER_DIR}/etcd" "${CLUSTER_DIR}/volumes" "${CLUSTER_DIR}/pod-logs"
fi
log "stopped; host restored"
