#!/usr/bin/env bash
# npm test: prepares the machine, builds, lints, then runs unit, integration and
# e2e tests. Every level runs even if an earlier one failed, so one run reports
# everything; the script fails if any step failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/scripts/install-deps.sh
# helm, ct, yamllint and yamale for the chart tests; `npm run up` does not need them.
bash deploy/scripts/install-chart-tools.sh
bash deploy/scripts/ensure-node-modules.sh
npm run build

if compgen -G 'eslint.config.*' >/dev/null; then
  npm run lint
fi

node="node_modules/.bin/node"
output="$(mktemp -t kapi-test-output.XXXXXX)"
trap 'rm -f "${output}"' EXIT

failed_levels=()
for level in unit integration e2e; do
  echo "=== ${level} tests"
  # tee keeps the output streaming while it is also kept for the totals below.
  if ! "${node}" scripts/run-tests.mjs "${level}" 2>&1 | tee -a "${output}"; then
    failed_levels+=("${level}")
  fi
done

# The spec reporter ends each run with lines like "ℹ pass 12"; colour codes are stripped first.
sum_of() {
  sed -E 's/\x1b\[[0-9;]*m//g' "${output}" | awk -v key="$1" '$1 == "ℹ" && $2 == key { total += $3 } END { print total + 0 }'
}
passed="$(sum_of pass)"
failed="$(sum_of fail)"

if [ "${#failed_levels[@]}" -gt 0 ]; then
  echo "failed levels: ${failed_levels[*]}" >&2
fi
echo "${passed} passed, ${failed} failed"
[ "${#failed_levels[@]}" -eq 0 ]
