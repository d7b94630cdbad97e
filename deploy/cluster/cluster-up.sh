#!/usr/bin/env bash
# Starts a one-node Kubernetes cluster with real containers on this machine, to install kapi's
# chart into (npm run cluster:up; npm run cluster:down stops it and restores the host):
#   containerd + runc (Debian), CNI bridge/host-local/portmap on 10.244.0.0/24, etcd, and
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy (iptables) and
#   CoreDNS built from the Go module proxy (build-programs.sh), all as host processes on the
#   node address 10.10.0.1 (on loopback); kapi's images (build-images.sh) imported into
#   containerd; a default StorageClass with hostPath PersistentVolumes.
# Prints the admin kubeconfig's path. Needs root. Idempotent: a running cluster is left alone.
# Env: KAPI_CLUSTER_SKIP_IMAGES=1 imports no images; KAPI_CLUSTER_PVS (default 8) volumes.
set -euo pipefail
KAPI_SCRIPT=cluster-up
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "${here}/common.sh"

[ "$(id -u)" -eq 0 ] || die "the cluster's node runs containers and changes the host's network: run as root"
if running kube-apiserver && running kubelet; then
  log "already running; KUBECONFIG=${KUBECONFIG_ADMIN}"
  exit 0
fi

t_start=$(date +%s)
bash "${here}/install-node-deps.sh"
bash "${here}/build-programs.sh"
image_list="$(mktemp)"
if [ "${KAPI_CLUSTER_SKIP_IMAGES:-}" != 1 ]; then
  # What the images are made of: nats-server (install-deps), the npm dependencies and the build.
  bash "${here}/../scripts/install-deps.sh"
  bash "${here}/../scripts/ensure-node-modules.sh"
  (cd "${here}/../.." && npm run build >/dev/null)
  bash "${here}/../images/build-images.sh" >"${image_list}"
else
  bash "${here}/../images/build-images.sh" pause >"${image_list}"
fi
mapfile -t images <"${image_list}"
rm -f "${image_list}"

mkdir -p "${CLUSTER_DIR}"/{pki,logs,cni,cni-ipam,kubelet,pod-logs,volumes,etcd} "${CLUSTER_RUN}/pids" "${CLUSTER_RUN}/containerd"
state="${CLUSTER_DIR}/host-state"

# -- The host's settings before the cluster changes them (kept from the first run until down).
if [ ! -d "${state}" ]; then
  mkdir -p "${state}"
  for key in "${HOST_SYSCTLS[@]}"; do
    value="$(sysctl -n "${key}" 2>/dev/null)" && printf '%s=%s\n' "${key}" "${value}"
  done >"${state}/sysctl"
  iptables-save >"${state}/iptables" 2>/dev/null || true
  nft list tables >"${state}/nft-tables" 2>/dev/null || true
  ip6tables-save >"${state}/ip6tables" 2>/dev/null || true
  ip -o addr show dev lo | grep -qF " ${NODE_IP}/32 " && touch "${state}/node-ip-existed"
  ls /run/netns 2>/dev/null >"${state}/netns" || true
  for dir in "${HOST_DIRS[@]}"; do [ -e "${dir}" ] || echo "${dir}"; done >"${state}/absent-dirs"
fi

# -- The node address, on loopback.
ip -o addr show dev lo | grep -qF " ${NODE_IP}/32 " || ip addr add "${NODE_IP}/32" dev lo

# -- PKI: one CA for the cluster, a certificate per component.
pki="${CLUSTER_DIR}/pki"
issue() { # NAME SUBJECT EXTENSIONS
  [ -f "${pki}/$1.crt" ] && return
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${pki}/$1.key" \
    -subj "$2" -out "${pki}/$1.csr" 2>/dev/null
  openssl x509 -req -in "${pki}/$1.csr" -CA "${pki}/ca.crt" -CAkey "${pki}/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -out "${pki}/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm -f "${pki}/$1.csr"
}
if [ ! -f "${pki}/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${pki}/ca.key" -out "${pki}/ca.crt" \
    -days 3650 -subj "/CN=kapi-cluster-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${pki}/sa.key" 2>/dev/null
  openssl pkey -in "${pki}/sa.key" -pubout -out "${pki}/sa.pub" 2>/dev/null
fi
client_ext=$'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
server_ext=$'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth'
issue apiserver "/CN=kube-apiserver" "${server_ext}
subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:${KUBERNETES_SERVICE_IP},IP:${NODE_IP},IP:127.0.0.1"
issue apiserver-kubelet-client "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client" "${client_ext}"
issue admin "/O=system:masters/CN=kubernetes-admin" "${client_ext}"
issue controller-manager "/CN=system:kube-controller-manager" "${client_ext}"
issue scheduler "/CN=system:kube-scheduler" "${client_ext}"
issue kube-proxy "/CN=system:kube-proxy" "${client_ext}"
issue coredns "/O=system:masters/CN=coredns" "${client_ext}"
issue kubelet-client "/O=system:nodes/CN=system:node:${NODE_NAME}" "${client_ext}"
issue kubelet "/CN=${NODE_NAME}" "${server_ext}
subjectAltName=DNS:${NODE_NAME},IP:${NODE_IP}"
issue etcd "/CN=etcd" "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:${NODE_IP}"

kubeconfig() { # NAME CERT
  local file="${CLUSTER_DIR}/$1.kubeconfig"
  [ -f "${file}" ] && return
  KUBECONFIG="${file}" kubectl config set-cluster kapi-cluster --server="https://${NODE_IP}:6443" \
    --certificate-authority="${pki}/ca.crt" --embed-certs=true >/dev/null
  KUBECONFIG="${file}" kubectl config set-credentials "$1" --client-certificate="${pki}/$2.crt" \
    --client-key="${pki}/$2.key" --embed-certs=true >/dev/null
  KUBECONFIG="${file}" kubectl config set-context default --cluster=kapi-cluster --user="$1" >/dev/null
  KUBECONFIG="${file}" kubectl config use-context default >/dev/null
  chmod 600 "${file}"
}
kubeconfig admin admin
kubeconfig controller-manager controller-manager
kubeconfig scheduler scheduler
kubeconfig kube-proxy kube-proxy
kubeconfig coredns coredns
kubeconfig kubelet kubelet-client

start() { # NAME COMMAND...: a process of the cluster, in its own session, logging to logs/NAME.log
  local name="$1"; shift
  if running "${name}"; then return; fi
  setsid "$@" >>"${CLUSTER_DIR}/logs/${name}.log" 2>&1 </dev/null &
  echo $! >"${CLUSTER_RUN}/pids/${name}.pid"
}
wait_for() { # WHAT TIMEOUT COMMAND...
  local what="$1" timeout="$2" deadline; shift 2
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "${deadline}" ] || die "${what} did not come up within ${timeout} s (logs in ${CLUSTER_DIR}/logs)"
    sleep 1
  done
}

# -- containerd: CRI with restrict_oom_score_adj (root here lacks CAP_SYS_RESOURCE, so runc may
#    not lower a container's oom_score_adj), cgroupfs, overlayfs, CNI from Debian.
cat >"${CLUSTER_DIR}/containerd.toml" <<TOML
version = 2
root = "${CLUSTER_DIR}/containerd"
state = "${CLUSTER_RUN}/containerd/state"
[grpc]
  address = "${CONTAINERD_SOCK}"
[ttrpc]
  address = "${CONTAINERD_SOCK}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/kapi/pause:1.0"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${CLUSTER_DIR}/cni"
TOML
cat >"${CLUSTER_DIR}/cni/10-kapi.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "kapi-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${CNI_BRIDGE}",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${CLUSTER_DIR}/cni-ipam",
        "ranges": [[{ "subnet": "${POD_CIDR}" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
log "starting containerd"
start containerd containerd --config "${CLUSTER_DIR}/containerd.toml"
wait_for containerd 60 ctr --address "${CONTAINERD_SOCK}" version
for line in "${images[@]}"; do
  archive="${line%% *}"
  log "importing ${line#* }"
  ctr_k8s images import --all-platforms "${archive}" >/dev/null
done

# -- etcd for the cluster's API server (not kapi's): client TLS on the node address.
log "starting etcd, kube-apiserver"
start etcd "${ETCD_BIN}/etcd" --name "${NODE_NAME}" --data-dir "${CLUSTER_DIR}/etcd" \
  --listen-client-urls "https://${NODE_IP}:2379" --advertise-client-urls "https://${NODE_IP}:2379" \
  --listen-peer-urls "http://${NODE_IP}:2380" --initial-advertise-peer-urls "http://${NODE_IP}:2380" \
  --initial-cluster "${NODE_NAME}=http://${NODE_IP}:2380" --listen-metrics-urls "http://${NODE_IP}:2381" \
  --cert-file "${pki}/etcd.crt" --key-file "${pki}/etcd.key" --client-cert-auth --trusted-ca-file "${pki}/ca.crt"

start kube-apiserver "${KUBE_BIN}/kube-apiserver" --bind-address "${NODE_IP}" --advertise-address "${NODE_IP}" --secure-port 6443 \
  --etcd-servers "https://${NODE_IP}:2379" --etcd-cafile "${pki}/ca.crt" --etcd-certfile "${pki}/etcd.crt" --etcd-keyfile "${pki}/etcd.key" \
  --service-cluster-ip-range "${SERVICE_CIDR}" --service-node-port-range 30000-32767 \
  --client-ca-file "${pki}/ca.crt" --tls-cert-file "${pki}/apiserver.crt" --tls-private-key-file "${pki}/apiserver.key" \
  --kubelet-client-certificate "${pki}/apiserver-kubelet-client.crt" --kubelet-client-key "${pki}/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "${pki}/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
  --service-account-key-file "${pki}/sa.pub" --service-account-signing-key-file "${pki}/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
  --profiling=false
wait_for kube-apiserver 180 kubectl_admin get --raw /readyz

log "starting kube-controller-manager, kube-scheduler"
start kube-controller-manager "${KUBE_BIN}/kube-controller-manager" --kubeconfig "${CLUSTER_DIR}/controller-manager.kubeconfig" \
  --authentication-kubeconfig "${CLUSTER_DIR}/controller-manager.kubeconfig" --authorization-kubeconfig "${CLUSTER_DIR}/controller-manager.kubeconfig" \
  --bind-address "${NODE_IP}" --cluster-signing-cert-file "${pki}/ca.crt" --cluster-signing-key-file "${pki}/ca.key" \
  --root-ca-file "${pki}/ca.crt" --service-account-private-key-file "${pki}/sa.key" --use-service-account-credentials \
  --service-cluster-ip-range "${SERVICE_CIDR}" --leader-elect=false --profiling=false
start kube-scheduler "${KUBE_BIN}/kube-scheduler" --kubeconfig "${CLUSTER_DIR}/scheduler.kubeconfig" \
  --authentication-kubeconfig "${CLUSTER_DIR}/scheduler.kubeconfig" --authorization-kubeconfig "${CLUSTER_DIR}/scheduler.kubeconfig" \
  --bind-address "${NODE_IP}" --leader-elect=false --profiling=false

# -- kubelet: cgroup v1 accepted (failCgroupV1: false), the node address for logs and exec.
cat >"${CLUSTER_DIR}/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
healthzBindAddress: ${NODE_IP}
readOnlyPort: 0
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pki}/ca.crt
authorization:
  mode: Webhook
tlsCertFile: ${pki}/kubelet.crt
tlsPrivateKeyFile: ${pki}/kubelet.key
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://${CONTAINERD_SOCK}
clusterDomain: cluster.local
clusterDNS:
  - ${NODE_IP}
podLogsDir: ${CLUSTER_DIR}/pod-logs
resolvConf: /etc/resolv.conf
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
maxPods: 60
YAML
log "starting kubelet, kube-proxy, coredns"
start kubelet "${KUBE_BIN}/kubelet" --config "${CLUSTER_DIR}/kubelet.yaml" --kubeconfig "${CLUSTER_DIR}/kubelet.kubeconfig" \
  --root-dir "${CLUSTER_DIR}/kubelet" --hostname-override "${NODE_NAME}" --node-ip "${NODE_IP}"
start kube-proxy "${KUBE_BIN}/kube-proxy" --kubeconfig "${CLUSTER_DIR}/kube-proxy.kubeconfig" --hostname-override "${NODE_NAME}" \
  --proxy-mode iptables --cluster-cidr 10.244.0.0/16 --conntrack-max-per-core=0 --bind-address "${NODE_IP}" \
  --healthz-bind-address "${NODE_IP}:10256" --metrics-bind-address "${NODE_IP}:10249"

cat >"${CLUSTER_DIR}/Corefile" <<COREFILE
.:53 {
    bind ${NODE_IP}
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${CLUSTER_DIR}/coredns.kubeconfig default
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
COREFILE
start coredns "${KUBE_BIN}/coredns" -conf "${CLUSTER_DIR}/Corefile"

wait_for "node ${NODE_NAME}" 180 kubectl_admin wait --for=condition=Ready "node/${NODE_NAME}" --timeout=5s

# -- Storage: hostPath volumes under the state directory, world-writable because hostPath
#    ignores fsGroup; a default StorageClass that binds them to the chart's claims.
# -- The API server's client identity towards the kubelet (logs, exec, port-forward), as kubeadm binds it.
kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kube-apiserver-kubelet-client
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kubelet-api-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: kube-apiserver-kubelet-client
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: kapi-hostpath
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
YAML
bash "${here}/cluster-volumes.sh"

log "ready in $(($(date +%s) - t_start)) s: ${NODE_NAME} at ${NODE_IP}, $(kubectl_admin version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n1)"
log "export KUBECONFIG=${KUBECONFIG_ADMIN}"
