#!/usr/bin/env bash
# npm run bench: builds, then runs every benchmark against a stack of its own. Numbers go in the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/scripts/install-deps.sh
bash deploy/scripts/ensure-node-modules.sh
npm run build
for bench in test-e2e/dist/bench/*.bench.js; do
  node_modules/.bin/node "$bench"
done
