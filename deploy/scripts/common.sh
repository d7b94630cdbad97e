# Shared by the install scripts: messages prefixed with the script's name, and running a command as
# root (directly, or through sudo when we are not root). Set KAPI_SCRIPT before sourcing.

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
