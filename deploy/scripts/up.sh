#!/usr/bin/env bash
# npm run up: prepares the machine and the build, then starts the stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# A running stack is refused before anything is installed or rebuilt under its processes.
if [ -f deploy/dist/cli.js ] && [ -x node_modules/.bin/node ]; then
  node_modules/.bin/node deploy/dist/cli.js up --check
fi
bash deploy/scripts/install-deps.sh
bash deploy/scripts/ensure-node-modules.sh
npm run build
exec node_modules/.bin/node deploy/dist/cli.js up
