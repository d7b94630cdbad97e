#!/usr/bin/env bash
# The chart installed into the one-node cluster (npm run test:cluster):
# - `ct install`: for each values file in deploy/cluster/ct-install/ (the defaults), chart-testing
#   installs the chart into a fresh namespace with --wait, runs `helm test --logs` (the front
#   door's /readyz, and a create, update, delete and watch through the Service), uninstalls it and
#   deletes the namespace;
# - chart-lifecycle.sh: several replicas of everything, the install notes' kubeconfig and kubectl
#   from the host through the Service, kapi's default/kubernetes Endpoints following the front
#   doors, helm upgrade and rollback with helm test after each, and an external etcd over TLS.
# Starts the cluster (and builds and imports the images) when it is not running, and then stops
# it again at the end unless KAPI_CLUSTER_KEEP=1; a cluster that was already running is kept.
# The images are rebuilt from the current `npm run build` and imported each time.
set -euo pipefail
KAPI_SCRIPT=test-cluster
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
# shellcheck source=common.sh
source "${here}/common.sh"

[ "$(id -u)" -eq 0 ] || die "run as root (the cluster's node needs it)"
command -v ct >/dev/null 2>&1 && command -v helm >/dev/null 2>&1 || bash "${repo}/deploy/scripts/install-chart-tools.sh"

t0=$(date +%s)
started=0
if ! { running kube-apiserver && running kubelet; }; then
  bash "${here}/cluster-up.sh"
  started=1
else
  log "cluster already running; importing the current images"
  bash "${repo}/deploy/images/build-images.sh" | while read -r archive ref; do
    log "importing ${ref}"
    ctr_k8s images import "${archive}" >/dev/null
  done
fi
stop_cluster() { [ "${started}" = 1 ] && [ "${KAPI_CLUSTER_KEEP:-}" != 1 ] && bash "${here}/cluster-down.sh" || true; }
trap stop_cluster EXIT

# ct installs once per ci/*-values.yaml: a copy of the chart whose ci/ holds the install values
# (the chart's own ci/ files are for ct lint and name Secrets and an etcd this cluster lacks).
work="$(mktemp -d)"
trap 'rm -rf "${work}"; stop_cluster' EXIT
cp -r "${repo}/charts/kapi" "${work}/kapi"
rm -rf "${work}/kapi/ci"
mkdir "${work}/kapi/ci"
cp "${here}"/ct-install/*-values.yaml "${work}/kapi/ci/"
bash "${here}/cluster-volumes.sh"

export KUBECONFIG="${KUBECONFIG_ADMIN}"
log "ct install ($(ls "${work}/kapi/ci" | tr '\n' ' '))"
(cd "${repo}" && ct install --config charts/ct.yaml --charts "${work}/kapi" --helm-extra-args "--timeout 600s")
log "ct install passed after $(($(date +%s) - t0)) s"
bash "${here}/cluster-volumes.sh"
bash "${here}/chart-lifecycle.sh" "${repo}/charts/kapi"
bash "${here}/cluster-volumes.sh"
log "passed in $(($(date +%s) - t0)) s"
