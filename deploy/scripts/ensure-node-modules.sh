#!/usr/bin/env bash
# Installs npm dependencies when node_modules is missing or predates the
# lockfile. npm rewrites node_modules/.package-lock.json on every install, so
# its age tells whether the tree matches package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

installed_marker="node_modules/.package-lock.json"

if [ ! -f package-lock.json ]; then
  if [ ! -d node_modules ]; then
    echo "ensure-node-modules: no lockfile and no node_modules; running npm install"
    npm install
  fi
elif [ ! -f "${installed_marker}" ] || [ package-lock.json -nt "${installed_marker}" ]; then
  echo "ensure-node-modules: node_modules is missing or older than package-lock.json; running npm ci"
  npm ci
fi

[ -x node_modules/.bin/node ] || { echo "ensure-node-modules: node_modules/.bin/node is missing; the pinned Node 24 did not install" >&2; exit 1; }
