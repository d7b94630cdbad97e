#!/usr/bin/env bash
# Builds the images the Helm chart runs, as OCI archives, without a container engine:
#   kapi:<appVersion>             Node.js 24 (the npm `node` package's binary), the built services
#                                 and their production node_modules; runs as uid 1000, writes
#                                 nothing outside /tmp (read-only root filesystem)
#   kapi/etcd:<ETCD_VERSION>      etcd built by deploy/cluster/build-programs.sh
#   kapi/nats-server:<version>    the nats-server install-deps.sh installs
#   kapi/chart-test:<curl version> sh, curl, openssl, sed and cat, for the chart's `helm test` pods
#   kapi/pause:<version>          the pod sandbox process (deploy/images/pause/pause.c, static)
#   registry.k8s.io/kube-controller-manager:v<KUBE_VERSION>, registry.k8s.io/kube-scheduler:v<KUBE_VERSION>
#                                 for the chart's controllerManager and scheduler: the multi-call
#                                 binary build-programs.sh builds, under the program's name (upstream's
#                                 images by their names, so a cluster with a registry pulls the real ones)
# Each program is copied with the shared libraries it loads from this Debian machine.
# Archives go to $KAPI_IMAGE_DIR (default $KAPI_CLUSTER_CACHE/images) as <name>-<tag>.oci.tar,
# with a .sha256 beside; the third-party ones are kept while their version is unchanged.
# Usage: build-images.sh [kapi|etcd|nats-server|chart-test|pause|kube-controller-manager|kube-scheduler ...]
#        (default: all)
#        KAPI_ROOTFS_ONLY=<dir> build-images.sh kapi   writes kapi's root filesystem into <dir>
#        instead of an archive (deploy/images/Dockerfile builds the same image that way).
# Prints "archive reference" lines on stdout for import-images.
set -euo pipefail
export PATH="/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

KAPI_SCRIPT=build-images
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
# shellcheck source=../scripts/common.sh
source "${here}/../scripts/common.sh"
# shellcheck source=../cluster/versions.sh
source "${here}/../cluster/versions.sh"
# shellcheck source=oci.sh
source "${here}/oci.sh"
log() { printf '%s: %s\n' "${KAPI_SCRIPT}" "$*" >&2; }

KAPI_IMAGE_DIR="${KAPI_IMAGE_DIR:-${KAPI_CLUSTER_CACHE}/images}"
APP_VERSION="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "${repo}/charts/kapi/Chart.yaml")"
NATS_VERSION="$(nats-server --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true)"
CURL_VERSION="$(curl --version 2>/dev/null | head -n1 | cut -d' ' -f2 || true)"
PAUSE_VERSION="1.0"
NONROOT='"User":"1000:1000","Env":["PATH=/usr/local/bin:/usr/bin:/bin"]'

image_ref() {
  case "$1" in
    kapi) echo "kapi:${APP_VERSION}" ;;
    etcd) echo "kapi/etcd:${ETCD_VERSION}" ;;
    nats-server) echo "kapi/nats-server:${NATS_VERSION}" ;;
    chart-test) echo "kapi/chart-test:${CURL_VERSION}" ;;
    pause) echo "kapi/pause:${PAUSE_VERSION}" ;;
    kube-controller-manager | kube-scheduler) echo "registry.k8s.io/$1:v${KUBE_VERSION}" ;;
    *) die "unknown image $1 (kapi, etcd, nats-server, chart-test, pause, kube-controller-manager or kube-scheduler)" ;;
  esac
}

archive_of() { local ref; ref="$(image_ref "$1")"; echo "${KAPI_IMAGE_DIR}/${ref//\//-}.oci.tar" | tr ':' '-'; }

finish() { # ARCHIVE REF
  sha256sum "$1" | cut -d' ' -f1 >"$1.sha256"
  log "$2: $1 ($(du -h "$1" | cut -f1), sha256 $(cut -c1-16 "$1.sha256")...)"
  echo "$1 $2"
}

build_kapi() {
  local ref out stage rootfs ws
  ref="$(image_ref kapi)"; out="$(archive_of kapi)"
  [ -f "${repo}/services/aggregator/dist/main.js" ] || die "run npm run build first"
  [ -x "${repo}/node_modules/node/bin/node" ] || die "node_modules/node is missing: run deploy/scripts/ensure-node-modules.sh"
  stage="$(mktemp -d)"; rootfs="${stage}/rootfs"
  mkdir -p "${rootfs}/app"
  # The workspace's manifests (every one, so that the lockfile matches) and the built code of
  # what the services load; then only production dependencies, as the lockfile pins them.
  cp "${repo}/package.json" "${repo}/package-lock.json" "${rootfs}/app/"
  while read -r ws; do
    mkdir -p "${rootfs}/app/${ws}"
    cp "${repo}/${ws}/package.json" "${rootfs}/app/${ws}/"
    case "${ws}" in
      proto | libs/* | services/*)
        (cd "${repo}/${ws}" && find dist -type f -name '*.js' ! -name '*.spec.js' ! -name '*.int-spec.js' ! -name '*.e2e-spec.js' \
          -print0 | xargs -0 -r cp --parents -t "${rootfs}/app/${ws}") ;;
    esac
  done < <(cd "${repo}" && node_modules/node/bin/node -e \
    'const p=require("./package-lock.json").packages; for (const k in p) if (k && !k.startsWith("node_modules/") && !p[k].link) console.log(k)')
  log "installing production dependencies for ${ref}"
  (cd "${rootfs}/app" && PATH="${repo}/node_modules/node/bin:${PATH}" npm ci --omit=dev --ignore-scripts \
    --no-audit --no-fund --loglevel=error >&2)
  # Workspaces the image does not run: the local-stack CLI, examples and end-to-end tests.
  rm -rf "${rootfs}/app/deploy" "${rootfs}/app/examples" "${rootfs}/app/test-e2e" \
    "${rootfs}/app/node_modules/@kapi/deploy" "${rootfs}/app/node_modules/@kapi/e2e" "${rootfs}/app/node_modules/@kapi/test-e2e"
  find "${rootfs}/app/node_modules" -xtype l -delete
  find "${rootfs}/app/node_modules" \( -name '*.md' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete
  oci_add_program "${rootfs}" "${repo}/node_modules/node/bin/node" /usr/local/bin/node
  if command -v strip >/dev/null 2>&1; then strip --strip-debug "${rootfs}/usr/local/bin/node"; fi
  oci_add_user "${rootfs}" 1000 kapi
  if [ -n "${KAPI_ROOTFS_ONLY:-}" ]; then
    mkdir -p "${KAPI_ROOTFS_ONLY}"
    cp -a "${rootfs}/." "${KAPI_ROOTFS_ONLY}/"
    rm -rf "${stage}"
    return
  fi
  oci_archive "${rootfs}" "${ref}" "${out}" \
    "{${NONROOT%]*},\"NODE_ENV=production\"],\"WorkingDir\":\"/app\",\"Entrypoint\":[\"node\"],\"Cmd\":[\"services/aggregator/dist/main.js\"]}"
  rm -rf "${stage}"
  finish "${out}" "${ref}"
}

build_program_image() { # NAME PROGRAM PATH-IN-IMAGE ENTRYPOINT-JSON
  local name="$1" program="$2" target="$3" entrypoint="$4" ref out rootfs
  ref="$(image_ref "${name}")"; out="$(archive_of "${name}")"
  if [ -f "${out}" ] && [ -f "${out}.sha256" ]; then echo "${out} ${ref}"; return; fi
  [ -x "${program}" ] || die "${program} is missing"
  rootfs="$(mktemp -d)"
  oci_add_program "${rootfs}" "${program}" "${target}"
  oci_add_user "${rootfs}" 1000 "${name}"
  oci_archive "${rootfs}" "${ref}" "${out}" "{${NONROOT},\"Entrypoint\":${entrypoint}}"
  rm -rf "${rootfs}"
  finish "${out}" "${ref}"
}

build_chart_test() {
  local ref out rootfs program
  ref="$(image_ref chart-test)"; out="$(archive_of chart-test)"
  if [ -f "${out}" ] && [ -f "${out}.sha256" ]; then echo "${out} ${ref}"; return; fi
  [ -n "${CURL_VERSION}" ] || die "curl is not installed"
  rootfs="$(mktemp -d)"
  oci_add_program "${rootfs}" "$(readlink -f /bin/sh)" /bin/sh
  for program in curl openssl sed cat; do
    oci_add_program "${rootfs}" "$(command -v "${program}")" "/usr/bin/${program}"
  done
  # `openssl req` refuses to run without its configuration file.
  install -D -m 0644 "$(readlink -f /usr/lib/ssl/openssl.cnf)" "${rootfs}/usr/lib/ssl/openssl.cnf"
  oci_add_user "${rootfs}" 1000 chart-test
  oci_archive "${rootfs}" "${ref}" "${out}" "{${NONROOT},\"Entrypoint\":[\"/bin/sh\"]}"
  rm -rf "${rootfs}"
  finish "${out}" "${ref}"
}

build_pause() {
  local ref out rootfs
  ref="$(image_ref pause)"; out="$(archive_of pause)"
  if [ -f "${out}" ] && [ -f "${out}.sha256" ]; then echo "${out} ${ref}"; return; fi
  rootfs="$(mktemp -d)"
  mkdir -p "${rootfs}/usr/local/bin"
  gcc -Os -static -s -o "${rootfs}/usr/local/bin/pause" "${here}/pause/pause.c"
  oci_archive "${rootfs}" "${ref}" "${out}" '{"User":"65535:65535","Entrypoint":["/usr/local/bin/pause"]}'
  rm -rf "${rootfs}"
  finish "${out}" "${ref}"
}

mkdir -p "${KAPI_IMAGE_DIR}"
images=("$@"); [ "${#images[@]}" -gt 0 ] || images=(pause etcd nats-server chart-test kube-controller-manager kube-scheduler kapi)
for image in "${images[@]}"; do
  case "${image}" in
    kapi) build_kapi ;;
    pause) build_pause ;;
    etcd)
      bash "${here}/../cluster/build-programs.sh" >&2
      build_program_image etcd "${KAPI_CLUSTER_CACHE}/etcd/v${ETCD_VERSION}/bin/etcd" /usr/local/bin/etcd '["etcd"]' ;;
    nats-server)
      [ -n "${NATS_VERSION}" ] || die "nats-server is not installed: run deploy/scripts/install-deps.sh"
      build_program_image nats-server "$(command -v nats-server)" /usr/local/bin/nats-server '["nats-server"]' ;;
    chart-test) build_chart_test ;;
    kube-controller-manager | kube-scheduler)
      bash "${here}/../cluster/build-programs.sh" >&2
      build_program_image "${image}" "${KAPI_CLUSTER_CACHE}/kube/v${KUBE_VERSION}/bin/kube" "/usr/local/bin/${image}" "[\"/usr/local/bin/${image}\"]" ;;
    *) image_ref "${image}" >/dev/null ;;
  esac
done
