# shellcheck shell=bash
# Shared by cluster-up.sh and cluster-down.sh: where the one-node cluster keeps its state, its
# addresses, and the host settings it changes (recorded by up, restored by down).
export PATH="/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
# shellcheck source=../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

CLUSTER_DIR="${KAPI_CLUSTER_DIR:-/var/lib/kapi-cluster}"
CLUSTER_RUN="${KAPI_CLUSTER_RUN:-/run/kapi-cluster}"
KUBE_BIN="${KAPI_CLUSTER_CACHE}/kube/v${KUBE_VERSION}/bin"
ETCD_BIN="${KAPI_CLUSTER_CACHE}/etcd/v${ETCD_VERSION}/bin"
# The node's address, on loopback (this kernel has no dummy interfaces); every component binds
# to it, so nothing takes the ports of kapi stacks on 127.0.0.x.
NODE_IP="${KAPI_CLUSTER_NODE_IP:-10.10.0.1}"
NODE_NAME="kapi-node"
POD_CIDR="10.244.0.0/24"
SERVICE_CIDR="10.96.0.0/24"
KUBERNETES_SERVICE_IP="10.96.0.1"
CNI_BRIDGE="kapi-cni0"
CONTAINERD_SOCK="${CLUSTER_RUN}/containerd/containerd.sock"
KUBECONFIG_ADMIN="${CLUSTER_DIR}/admin.kubeconfig"
# What the kubelet and kube-proxy set; cluster-up.sh records their values before, down restores them.
HOST_SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.ipv4.conf.all.route_localnet vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait
  net.netfilter.nf_conntrack_tcp_be_liberal)
# Directories containerd, runc and the CNI plugins make outside the cluster's own (network
# namespaces, runc's state and shim sockets, libcni's result cache); down removes those that
# did not exist before up.
HOST_DIRS=(/run/netns /run/containerd /var/lib/cni)
# The order in which the processes start; down stops them in reverse.
CLUSTER_PROCESSES=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns)

kubectl_admin() { kubectl --kubeconfig "${KUBECONFIG_ADMIN}" "$@"; }
ctr_k8s() { ctr --address "${CONTAINERD_SOCK}" --namespace k8s.io "$@"; }
pid_of() { local f="${CLUSTER_RUN}/pids/$1.pid"; [ -f "${f}" ] && cat "${f}"; }
running() { local pid; pid="$(pid_of "$1")" && [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null; }
