#!/usr/bin/env bash
# npm run down / npm run status: runs the built CLI, building it first if needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

[ "$#" -ge 1 ] || { echo "usage: $0 up|down|status" >&2; exit 1; }

if [ ! -x node_modules/.bin/node ]; then
  bash deploy/scripts/ensure-node-modules.sh
fi
if [ ! -f deploy/dist/cli.js ] || [ ! -f libs/local-stack/dist/index.js ]; then
  node_modules/.bin/tsc -b deploy
fi
exec node_modules/.bin/node deploy/dist/cli.js "$@"
