# Shared by the install scripts: messages prefixed with the script's name, running a command as
# root (directly, or through sudo when we are not root), and installing Debian packages. Set
# KAPI_SCRIPT before sourcing.

log() { printf '%s: %s\n' "${KAPI_SCRIPT:-kapi}" "$*"; }
die() { printf '%s: %s\n' "${KAPI_SCRIPT:-kapi}" "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (not root and sudo is unavailable)"
  fi
}

# apt_install PACKAGE...: installs Debian packages a fresh machine lacks; without apt-get, dies
# naming them.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing $* and apt-get is unavailable; install them by hand"
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# disable_package_service SERVICE WHY: on hosts with systemd some packages (etcd-server,
# containerd) start a system service of their own on install; kapi runs its own instead, so the
# one just installed is stopped and disabled.
disable_package_service() {
  command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$1" 2>/dev/null || return 0
  log "disabling the $1 system service the package started ($2)"
  as_root systemctl disable --now "$1"
}
