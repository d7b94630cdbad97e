#!/usr/bin/env bash
# npm run loadtest -- <flags>: builds the tool if needed and runs it with the pinned Node.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ ! -x node_modules/.bin/node ]; then
  bash deploy/scripts/ensure-node-modules.sh
fi
node_modules/.bin/tsc -b tools/loadtest
exec node_modules/.bin/node tools/loadtest/dist/cli.js "$@"
