#!/usr/bin/env bash
# Soak test of the kernel tests (not part of npm test: slow). Runs every file in test/kernels
# RUNS times (default 20, or SOAK_RUNS), each run in a fresh process with a fresh TEST_SEED, prints
# every failure with the seed and the command that replays it, and ends with a summary line.
#   bash scripts/soak.sh                         # all kernel test files, 20 runs each
#   SOAK_RUNS=5 bash scripts/soak.sh test/kernels/attention.test.ts
# Exits 1 when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${SOAK_RUNS:-20}
if [ $# -gt 0 ]; then files=("$@"); else files=(test/kernels/*.test.ts); fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

total=0
failed=0
failing=()
started=$(date +%s)
for ((run = 1; run <= runs; run++)); do
  for file in "${files[@]}"; do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    total=$((total + 1))
    if NO_COLOR=1 TEST_SEED=$seed node_modules/.bin/vitest run "$file" >"$out" 2>&1; then
      continue
    fi
    failed=$((failed + 1))
    failing+=("$file:$seed")
    echo "FAIL run $run, $file, TEST_SEED=$seed (replay: TEST_SEED=$seed npx vitest run $file)"
    # The failing tests and their assertions; the whole tail when vitest failed before any test.
    if ! grep -E '^ *FAIL  |^[A-Za-z]*Error: ' "$out" | sed 's/^/    /'; then tail -n 20 "$out" | sed 's/^/    /'; fi
  done
  echo "run $run of $runs done: $failed failed of $total so far ($(($(date +%s) - started)) s)"
done
summary="soak: $total runs ($runs of each of ${#files[@]} files), $failed failed"
if [ "$failed" -gt 0 ]; then summary+="; failing file:seed ${failing[*]}"; fi
echo "$summary; $(($(date +%s) - started)) s"
[ "$failed" -eq 0 ]
