#!/usr/bin/env bash
# Installs the programs that lint and render the Helm chart in charts/kapi: helm,
# chart-testing (ct), and the yamllint and yamale that ct calls. Versions are
# pinned so that a chart which passes here passes on every machine. Safe to run
# repeatedly: a tool already at its pinned version is left alone.
set -euo pipefail

export PATH="/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin:${PATH}"

HELM_VERSION="v3.22.0"
CT_VERSION="v3.14.0"
YAMLLINT_VERSION="1.38.0"
YAMALE_VERSION="6.1.0"

BIN_DIR="/usr/local/bin"
# A virtualenv of our own, because Debian's Python refuses `pip install` into
# its site-packages, and a pyenv Python would put the tools where only its
# shims (absent from CI's PATH, perhaps) find them.
VENV_DIR="/usr/local/lib/kapi-chart-tools/venv"

KAPI_SCRIPT=install-chart-tools
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The exact module version Go embeds in every binary it builds, whether the
# tool was built as the main module or (ct, below) as a dependency.
go_binary_version() {
  go version -m "$1" 2>/dev/null | awk -v module="$2" '($1 == "mod" || $1 == "dep") && $2 == module { print $3; exit }'
}

go_env() {
  as_root env "PATH=${PATH}" GOBIN="${BIN_DIR}" ${GOMODCACHE:+GOMODCACHE="${GOMODCACHE}"} ${GOCACHE:+GOCACHE="${GOCACHE}"} go "$@"
}

require_go() {
  command -v go >/dev/null 2>&1 || die "Go is needed to build $1; install it at /usr/local/go or put it on PATH"
}

# The module version alone would accept a build without the version stamp below.
helm_ready() {
  [ "$(go_binary_version "${BIN_DIR}/helm" helm.sh/helm/v3)" = "${HELM_VERSION}" ] \
    && [ "$("${BIN_DIR}/helm" version --template '{{.Version}}' 2>/dev/null)" = "${HELM_VERSION}" ]
}

if ! helm_ready; then
  require_go helm
  log "installing helm ${HELM_VERSION} into ${BIN_DIR} (go install)"
  # A plain `go install` leaves out what helm's release build stamps in: its
  # patch version, and the Kubernetes version that `helm template` assumes
  # (1.20 otherwise, which fails charts that require a newer one). Both are
  # set as helm's Makefile does, the latter from helm's own client-go.
  helm_gomod="$(go_env mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "${helm_gomod}" | head -n1)"
  [ -n "${k8s_minor}" ] || die "cannot read the client-go version from the go.mod of helm ${HELM_VERSION}"
  ldflags="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
  for package in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X ${package}.k8sVersionMajor=1 -X ${package}.k8sVersionMinor=${k8s_minor}"
  done
  go_env install -ldflags "${ldflags}" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
fi

if [ "$(go_binary_version "${BIN_DIR}/ct" github.com/helm/chart-testing/v3)" != "${CT_VERSION}" ]; then
  require_go ct
  log "installing ct ${CT_VERSION} into ${BIN_DIR} (go install)"
  # `go install ct@version` insists on reading the module's version list to
  # look for a deprecation notice, and the module proxy refuses that list for
  # chart-testing. Inside a throwaway module, `go get` treats the notice as
  # optional and `go install` then builds the pinned version.
  work="$(mktemp -d -t kapi-ct.XXXXXX)"
  (
    trap 'rm -rf "${work}"' EXIT
    cd "${work}"
    go_env mod init kapi.invalid/chart-tools >/dev/null 2>&1
    if ! output="$(go_env get "github.com/helm/chart-testing/v3/ct@${CT_VERSION}" 2>&1)"; then
      printf '%s\n' "${output}" >&2
      die "go get of ct ${CT_VERSION} failed"
    fi
    go_env install -ldflags "-X github.com/helm/chart-testing/v3/ct/cmd.Version=${CT_VERSION}" github.com/helm/chart-testing/v3/ct
  )
fi

venv_has() {
  [ -x "${VENV_DIR}/bin/python" ] && [ "$("${VENV_DIR}/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p')" = "$2" ]
}

if ! venv_has yamllint "${YAMLLINT_VERSION}" || ! venv_has yamale "${YAMALE_VERSION}"; then
  if [ ! -x "${VENV_DIR}/bin/python" ]; then
    python="$(command -v python3 || true)"
    if [ -z "${python}" ] || ! "${python}" -c 'import ensurepip, venv' 2>/dev/null; then
      # python3 with venv, for yamllint and yamale.
      apt_install python3-venv
      hash -r
      python="$(command -v python3)"
    fi
    log "creating the virtualenv ${VENV_DIR}"
    as_root "${python}" -m venv "${VENV_DIR}"
  fi
  log "installing yamllint ${YAMLLINT_VERSION} and yamale ${YAMALE_VERSION} into ${VENV_DIR}"
  as_root "${VENV_DIR}/bin/python" -m pip install --quiet --disable-pip-version-check \
    "yamllint==${YAMLLINT_VERSION}" "yamale==${YAMALE_VERSION}"
fi
for tool in yamllint yamale; do
  if [ "$(readlink "${BIN_DIR}/${tool}" 2>/dev/null || true)" != "${VENV_DIR}/bin/${tool}" ]; then
    as_root ln -sfn "${VENV_DIR}/bin/${tool}" "${BIN_DIR}/${tool}"
  fi
done

hash -r
helm_ready || die "${BIN_DIR}/helm is not helm ${HELM_VERSION} after installation"
helm_now="$("${BIN_DIR}/helm" version --template '{{.Version}}')"
ct_now="$(go_binary_version "${BIN_DIR}/ct" github.com/helm/chart-testing/v3)"
[ "${ct_now}" = "${CT_VERSION}" ] || die "${BIN_DIR}/ct is '${ct_now:-missing}', expected ${CT_VERSION}"
"${BIN_DIR}/yamllint" --version >/dev/null 2>&1 || die "${BIN_DIR}/yamllint does not run"
"${BIN_DIR}/yamale" --help >/dev/null 2>&1 || die "${BIN_DIR}/yamale does not run"

log "ready: helm ${helm_now}, ct ${ct_now}, $("${BIN_DIR}/yamllint" --version), yamale ${YAMALE_VERSION}"
