# shellcheck shell=bash
# Pinned versions of what the one-node cluster and kapi's images are built from, and the
# cache they are kept in between runs (outside the repository, keyed by version).
KUBE_VERSION="${KUBE_VERSION:-1.34.2}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.14.7}"
ETCD_VERSION="${ETCD_VERSION:-3.6.4}"
KAPI_CLUSTER_CACHE="${KAPI_CLUSTER_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/kapi}"
