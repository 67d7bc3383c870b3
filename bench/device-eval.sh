#!/usr/bin/env bash
# The README's evaluation table on a GPU machine: every built-in preset on both built-in models,
# KL divergence against 16-bit over the whole held-out text (n_ctx 512), the shipped continuation
# and last-word tasks, PIQA and ARC-Easy (the first LIMIT items of each), then what prefix reuse
# saves on the continuation task. Each model's sweep runs as SHARDS processes side by side (the
# small models leave the GPU idle between dispatches), each with its own cache folder, joined by
# `quantlab merge`. Records (one JSON line each) go to $OUT (default bench-out/).
# Usage: DATA=/path/to/shared/datasets bash bench/device-eval.sh
# On the device machine: source .device/setup.sh first; CLI=path/to/quantlab.mjs if not bin/quantlab.mjs.
# PAIR=0 leaves out the prefix-reuse pair (for a second sweep run beside the first).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench-out}
data=${DATA:-../shared/datasets}
cli=${CLI:-bin/quantlab.mjs}
limit=${LIMIT:-500}
shards=${SHARDS:-3}
models=${MODELS:-quantlab-tiny quantlab-mini}
presets=${PRESETS:-fp16,w8g128,w4g128,w3g128,w2g128,w4g32sym,w8g32sym,w8a8,w4a8,w4a4,kv8,kv4,kv3,kv2,w4g128+kv4}
mkdir -p "$out"
start=$(date +%s)
for model in $models; do
  for ((i = 0; i < shards; i++)); do
    QUANTLAB_CACHE="$out/cache-$model-$i" node "$cli" eval --model "$model" --preset "$presets" \
      --task kl-divergence,quantlab_continuation,quantlab_lastword,piqa,arc_easy --ctx 512 --limit "$limit" \
      --data "piqa=$data/piqa/valid.jsonl,$data/piqa/valid-labels.lst" --data "arc_easy=$data/arc-easy/ARC-Easy-Test.jsonl" \
      --shard "$i/$shards" --json > "$out/eval-$model-$i.jsonl" 2> "$out/eval-$model-$i.log" &
  done
done
wait
echo "all runs ended after $(( $(date +%s) - start )) s"
for model in $models; do
  node "$cli" merge "$out"/eval-"$model"-*.jsonl > "$out/eval-$model.jsonl" 2> "$out/merge-$model.log"
  echo "$model: merge exit $?, $(wc -l < "$out/eval-$model.jsonl") records; $(grep -il error "$out"/eval-"$model"-*.log | wc -l) shard logs mention an error"
done
# one process alone on the GPU: items/s with and without prefix reuse
[ "${PAIR:-1}" = 0 ] && exit 0
for reuse in prefix-reuse no-prefix-reuse; do
  flag=$([ "$reuse" = no-prefix-reuse ] && echo --no-prefix-reuse)
  QUANTLAB_CACHE="$out/cache-$reuse" node "$cli" eval --model default --preset fp16 --task quantlab_continuation \
    --limit "$limit" --json $flag > "$out/continuation-$reuse.jsonl" 2> "$out/continuation-$reuse.log"
  echo "continuation, $reuse: exit $?"
done
