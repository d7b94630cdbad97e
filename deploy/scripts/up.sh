#!/usr/bin/env bash
# npm run up: prepares the machine and the build, then starts the stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# A running stack is refused before anything is installed or rebuilt under its processes.
if [ -f deploy/dist/cli.js ] && [ -x node_modules/.bin/node ]; then
  if ! refusal=$(node_modules/.bin/node deploy/dist/cli.js up --check 2>&1); then
    # A CLI built before `up --check` existed does not know it; `up` checks again after the build.
    case "$refusal" in
      *"unexpected arguments"*) ;;
      *) echo "$refusal" >&2; exit 1 ;;
    esac
  fi
fi
bash deploy/scripts/install-deps.sh
bash deploy/scripts/ensure-node-modules.sh
npm run build
exec node_modules/.bin/node deploy/dist/cli.js up
