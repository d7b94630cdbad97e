#!/usr/bin/env bash
# Keeps KAPI_CLUSTER_PVS (default 8) hostPath PersistentVolumes of 10Gi Available in the
# one-node cluster: a volume released by a deleted claim (helm uninstall, a deleted test
# namespace) is deleted, its directory emptied, and made again. The cluster has no provisioner.
set -euo pipefail
KAPI_SCRIPT=cluster-volumes
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "${here}/common.sh"

count="${KAPI_CLUSTER_PVS:-8}"
for i in $(seq 1 "${count}"); do
  name="kapi-hostpath-${i}"
  phase="$(kubectl_admin get pv "${name}" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  case "${phase}" in
    Available | Bound | Pending) continue ;;
    Released | Failed) kubectl_admin delete pv "${name}" --wait=true >/dev/null ;;
  esac
  dir="${CLUSTER_DIR}/volumes/${name}"
  rm -rf "${dir}"
  mkdir -p "${dir}"
  chmod 0777 "${dir}"
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${name}
spec:
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: kapi-hostpath
  hostPath:
    path: ${dir}
    type: Directory
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/hostname
              operator: In
              values: [${NODE_NAME}]
YAML
done
