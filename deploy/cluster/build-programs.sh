#!/usr/bin/env bash
# Builds the Kubernetes node and control-plane programs the one-node cluster runs
# (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy) from
# k8s.io/kubernetes through the Go module proxy, CoreDNS, and the etcd of the chart's etcd image. No release binaries are
# downloaded: only Go modules are reachable on the machines kapi is developed on.
#
# k8s.io/kubernetes cannot be required as-is: its go.mod points every staging module
# (k8s.io/api, k8s.io/client-go, ...) at ./staging with version v0.0.0. A wrapper module
# requires it and replaces each staging module by its published v0.<minor>.<patch>.
# The five programs are linked into one binary that dispatches on the name it is run
# under (symlinks), which builds the shared packages once.
#
# etcd is built from its go.etcd.io modules through a wrapper calling etcdmain.Main (Debian's
# etcd 3.4 lacks the /readyz and /livez endpoints the chart's probes use).
#
# Output: $KAPI_CLUSTER_CACHE/kube/v<version>/bin and $KAPI_CLUSTER_CACHE/etcd/v<version>/bin,
# kept between runs (keyed by version).
# Usage: build-programs.sh   (KUBE_VERSION, COREDNS_VERSION, ETCD_VERSION override the pins)
set -euo pipefail
export PATH="/usr/local/go/bin:${PATH}"

KAPI_SCRIPT=build-programs
# shellcheck source=../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

minor=${KUBE_VERSION#1.}; minor=${minor%%.*}; patch=${KUBE_VERSION##*.}
out="${KAPI_CLUSTER_CACHE}/kube/v${KUBE_VERSION}"
bin="${out}/bin"
programs=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

etcd_out="${KAPI_CLUSTER_CACHE}/etcd/v${ETCD_VERSION}"
if [ -x "${bin}/kube" ] && [ -x "${bin}/coredns" ] && [ -x "${etcd_out}/bin/etcd" ]; then
  log "kube v${KUBE_VERSION}, coredns ${COREDNS_VERSION} and etcd ${ETCD_VERSION} already built in ${KAPI_CLUSTER_CACHE}"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "Go is needed to build the cluster's programs"
mkdir -p "${out}/module" "${bin}"

if [ ! -x "${bin}/kube" ]; then
  cd "${out}/module"
  info="$(go mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}")"
  gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' <<<"${info}")"
  [ -f "${gomod}" ] || die "go mod download k8s.io/kubernetes@v${KUBE_VERSION} gave no go.mod"
  # The staging modules: those k8s.io/kubernetes requires at v0.0.0.
  mapfile -t staging < <(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "${gomod}" | sort -u)
  [ "${#staging[@]}" -gt 0 ] || die "no staging modules found in ${gomod}"
  {
    printf 'module kapi.local/kube\n\ngo 1.26\n\n'
    grep '^godebug ' "${gomod}" || true
    printf '\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "${KUBE_VERSION}"
    for m in "${staging[@]}"; do printf '\t%s => %s v0.%s.%s\n' "${m}" "${m}" "${minor}" "${patch}"; done
    printf ')\n'
  } >go.mod
  cat >main.go <<'GO'
// Command kube is kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or
// kube-proxy, chosen by the name it is run under.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	_ "time/tzdata" // CronJob time zones, as the upstream binaries

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	commands := map[string]func() *cobra.Command{
		"kube-apiserver":          apiserver.NewAPIServerCommand,
		"kube-controller-manager": controllermanager.NewControllerManagerCommand,
		"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
		"kubelet":                 func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
		"kube-proxy":              proxy.NewProxyCommand,
	}
	name := filepath.Base(os.Args[0])
	command, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: run as kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or kube-proxy\n", name)
		os.Exit(2)
	}
	os.Exit(cli.Run(command()))
}
GO
  log "resolving the modules of k8s.io/kubernetes v${KUBE_VERSION} (${#staging[@]} staging modules replaced)"
  go mod tidy
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${p}.gitVersion=v${KUBE_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor} -X ${p}.gitTreeState=clean"
  done
  log "building kube v${KUBE_VERSION} (one binary for ${programs[*]}; about 15 minutes on two cores when the Go build cache is cold)"
  t0=$(date +%s)
  CGO_ENABLED=0 nice -n 10 go build -ldflags "${ldflags}" -o "${bin}/kube.partial" .
  mv "${bin}/kube.partial" "${bin}/kube"
  log "built kube in $(($(date +%s) - t0)) s"
fi
for p in "${programs[@]}"; do ln -sfn kube "${bin}/${p}"; done

if [ ! -x "${bin}/coredns" ]; then
  log "building coredns ${COREDNS_VERSION}"
  t0=$(date +%s)
  (cd "${out}" && GOBIN="${out}/gobin" CGO_ENABLED=0 nice -n 10 go install -ldflags "-s -w" "github.com/coredns/coredns@${COREDNS_VERSION}")
  mv "${out}/gobin/coredns" "${bin}/coredns"
  log "built coredns in $(($(date +%s) - t0)) s"
fi
if [ ! -x "${etcd_out}/bin/etcd" ]; then
  mkdir -p "${etcd_out}/module" "${etcd_out}/bin"
  cd "${etcd_out}/module"
  {
    printf 'module kapi.local/etcd\n\ngo 1.26\n\nrequire (\n'
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3 server/v3; do printf '\tgo.etcd.io/etcd/%s v%s\n' "${m}" "${ETCD_VERSION}"; done
    printf ')\n'
  } >go.mod
  cat >main.go <<'GO'
// Command etcd is the etcd server of the pinned go.etcd.io/etcd/server/v3 release.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod tidy
  log "building etcd ${ETCD_VERSION}"
  t0=$(date +%s)
  CGO_ENABLED=0 nice -n 10 go build -ldflags "-s -w" -o "${etcd_out}/bin/etcd.partial" .
  mv "${etcd_out}/bin/etcd.partial" "${etcd_out}/bin/etcd"
  log "built etcd in $(($(date +%s) - t0)) s"
fi
log "ready: $("${bin}/kube-apiserver" --version), coredns ${COREDNS_VERSION}, etcd ${ETCD_VERSION}"
