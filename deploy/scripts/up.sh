#!/usr/bin/env bash
# npm run up: prepares the machine and the build, then starts the stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/scripts/install-deps.sh
bash deploy/scripts/ensure-node-modules.sh
npm run build
exec node_modules/.bin/node deploy/dist/cli.js up
