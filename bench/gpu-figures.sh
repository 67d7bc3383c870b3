#!/usr/bin/env bash
# The README's measured figures on a GPU machine: the perplexity of every built-in preset on the whole
# held-out text (n_ctx 512), then prefill/decode speed and memory. Results go to $OUT (default bench-out/).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench-out}
mkdir -p "$out"
presets=${PRESETS:-fp16,w8g128,w4g128,w3g128,w2g128,w4g32sym,w8g32sym,w8a8,w4a8,w4a4,kv8,kv4,kv3,kv2,w4g128+kv4}
node bin/quantlab.mjs eval --model default --preset "$presets" --ctx 512 ${LIMIT:+--limit $LIMIT} --json \
  > "$out/perplexity.jsonl" 2> "$out/perplexity.log"
echo "eval exit $?"
node bin/quantlab.mjs bench --model default --preset "$presets" --prompt 512 --decode 128 --json \
  > "$out/speed.jsonl" 2> "$out/speed.log"
echo "bench exit $?"
