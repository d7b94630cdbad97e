#!/usr/bin/env bash
# Installs what the one-node cluster's node runs from Debian: containerd (CRI), runc, the CNI
# plugins (bridge, host-local, portmap, loopback in /usr/lib/cni), iptables for kube-proxy,
# conntrack and nft, and gcc with libc6-dev for the pause image. Safe to run repeatedly. On
# hosts with systemd the containerd package starts its own service; cluster-up.sh runs
# containerd itself with its own configuration, so that service is stopped and disabled when
# this script installed it.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

KAPI_SCRIPT=install-node-deps
# shellcheck source=../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

packages=()
command -v containerd >/dev/null 2>&1 || packages+=(containerd)
command -v runc >/dev/null 2>&1 || packages+=(runc)
[ -x /usr/lib/cni/bridge ] || packages+=(containernetworking-plugins)
command -v iptables >/dev/null 2>&1 || packages+=(iptables)
command -v conntrack >/dev/null 2>&1 || packages+=(conntrack)
# A C compiler and static libc for the pause image (deploy/images/pause/pause.c).
command -v gcc >/dev/null 2>&1 || packages+=(gcc)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || packages+=(libc6-dev)
# nft, so that cluster-down.sh can remove the nf_tables tables iptables-nft created for the cluster.
command -v nft >/dev/null 2>&1 || packages+=(nftables)
if [ "${#packages[@]}" -gt 0 ]; then
  apt_install "${packages[@]}"
  if [[ " ${packages[*]} " == *" containerd "* ]]; then
    disable_package_service containerd "the cluster runs its own"
  fi
fi
for tool in containerd ctr runc iptables conntrack nft gcc; do
  command -v "${tool}" >/dev/null 2>&1 || die "${tool} is still missing after installation"
done
for plugin in bridge host-local portmap loopback; do
  [ -x "/usr/lib/cni/${plugin}" ] || die "CNI plugin /usr/lib/cni/${plugin} is missing"
done
log "ready: $(containerd --version | cut -d' ' -f1-3), $(runc --version | head -n1), $(iptables --version)"
