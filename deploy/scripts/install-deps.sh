#!/usr/bin/env bash
# Installs the external programs a local kapi stack runs (etcd, haproxy,
# openssl, nats-server) when they are missing. Safe to run repeatedly: anything
# already present in a usable version is left alone.
set -euo pipefail

# Debian keeps haproxy in /usr/sbin, and `go install` below targets /usr/local/bin.
export PATH="/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

NATS_SERVER_VERSION="v2.12.15"
NATS_SERVER_MINIMUM="2.10.0"

KAPI_SCRIPT=install-deps
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# True when version $1 >= version $2 (both like 2.10.3).
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

nats_server_version() {
  nats-server --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1
}

apt_packages=()
command -v etcd >/dev/null 2>&1 || apt_packages+=(etcd-server)
command -v haproxy >/dev/null 2>&1 || apt_packages+=(haproxy)
command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)

if [ "${#apt_packages[@]}" -gt 0 ]; then
  apt_install "${apt_packages[@]}"
  # The system etcd would take kapi's 127.0.0.1:2379; only one this script installed is stopped.
  if [[ " ${apt_packages[*]} " == *" etcd-server "* ]]; then
    disable_package_service etcd "kapi runs its own etcd"
  fi
fi

current_nats="$(command -v nats-server >/dev/null 2>&1 && nats_server_version || true)"
if [ -z "${current_nats}" ] || ! version_at_least "${current_nats}" "${NATS_SERVER_MINIMUM}"; then
  command -v go >/dev/null 2>&1 || die "nats-server >= ${NATS_SERVER_MINIMUM} is needed and Go is not installed to build it; install Go or put nats-server on PATH"
  if [ -n "${current_nats}" ]; then
    log "nats-server ${current_nats} is older than ${NATS_SERVER_MINIMUM}; installing ${NATS_SERVER_VERSION} into /usr/local/bin"
  else
    log "installing nats-server ${NATS_SERVER_VERSION} into /usr/local/bin"
  fi
  as_root env "PATH=${PATH}" GOBIN=/usr/local/bin go install "github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}"
  hash -r
fi

for tool in etcd haproxy openssl nats-server; do
  command -v "${tool}" >/dev/null 2>&1 || die "${tool} is still missing after installation"
done
nats_now="$(nats_server_version)"
version_at_least "${nats_now}" "${NATS_SERVER_MINIMUM}" || die "nats-server ${nats_now} on PATH is older than ${NATS_SERVER_MINIMUM}; remove it or move /usr/local/bin earlier in PATH"

log "ready: etcd $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p'), $(haproxy -v 2>/dev/null | head -n1 | cut -d' ' -f1-3), $(openssl version | cut -d' ' -f1-2), nats-server ${nats_now}"
