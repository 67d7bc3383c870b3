#!/usr/bin/env bash
# The whole speed table in one call on the device machine (about 4 minutes on the H200): the device's copy
# and read ceilings, QuantLab's kernels and their PyTorch peers (cuBLAS f16, tinygemm int4), then QuantLab on
# the synthetic Llama shapes under each preset, on the default model (quantlab-tiny) under every built-in
# preset, and the PyTorch peers on the synthetic shapes (transformers' eager generate, and a static-cache decode
# step as one CUDA graph, plain and compiled: bench/peers/static_decode.py). The steps share a budget of
# TOTAL seconds (default 560): a step gets at most what is left of it, so the table is printed inside one
# 10-minute device call even when a step runs long.
# Figures go to $OUT (default bench-out/) as JSON lines (kernels, peer-kernels, models, peer-models), every
# step's messages to $OUT/run.log, and the table (bench/table.py) to stdout and $OUT/table.md: six files. Run from the folder that holds bench/ after `source .device/setup.sh` (Node and Dawn);
# QUANTLAB names the CLI bundle (default: quantlab.mjs beside bench/, else bin/quantlab.mjs).
# The default model's weights (53.5 MB) do not fit in one call beside .device (29 MB) under the 64 MiB a call
# sends: send them in a call of their own into an ignored folder (the warm machine keeps it) and name that
# folder in DEFAULT_MODEL; without them that step fails alone, logged in run.log, and the table lacks its rows.
#   SHAPES=1b,7b,8b  PRESETS=fp16,w8g128,w4g128  PEER_SHAPES (default SHAPES)  DECODE=128  PROMPT=512
#   DEFAULT_MODEL=default  DEFAULT_PRESETS (default every built-in preset)  REPEAT=3 (timed repetitions, the best kept)  TOTAL=560
#   PROFILE=1 also times each model bench's decode step kernel by kernel (bench --profile; in models.jsonl)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench-out}
mkdir -p "$out"
if [ -z "${QUANTLAB:-}" ]; then
  if [ -e quantlab.mjs ]; then QUANTLAB=quantlab.mjs; else QUANTLAB=bin/quantlab.mjs; fi
fi
shapes=${SHAPES:-1b,7b,8b}
presets=${PRESETS:-fp16,w8g128,w4g128}
peer_shapes=${PEER_SHAPES:-$shapes}
prompt=${PROMPT:-512}
decode=${DECODE:-128}
default_model=${DEFAULT_MODEL:-default}
default_presets=${DEFAULT_PRESETS:-fp16,w8g128,w4g128,w3g128,w2g128,w4g32sym,w8g32sym,w8a8,w4a8,w4a4,kv8,kv4,kv3,kv2,w4g128+kv4}
total=${TOTAL:-560}
repeat=${REPEAT:-3}
profile=${PROFILE:+--profile}
log="$out/run.log"
: > "$log"
step() { # name, seconds, command...: runs one step under a time limit (cut to what is left of TOTAL) and logs how it ended
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS left=$((total - SECONDS))
  if [ "$left" -le 0 ]; then
    echo "[$name: skipped, the $total s budget is spent]" | tee -a "$log" >&2
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "[$name]" >> "$log"
  timeout "$limit" "$@" 2>> "$log"
  local rc=$?
  echo "[$name: exit $rc after $((SECONDS - t0)) s]" | tee -a "$log" >&2
}
header="Run of $(date -u +'%Y-%m-%d %H:%M UTC') on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'an unknown GPU'); prompt $prompt tokens, decode $decode tokens."
step "QuantLab kernels" 150 node "$QUANTLAB" bench --kernels --json > "$out/kernels.jsonl"
step "peer kernels" 90 python3 bench/peers/kernels.py --json > "$out/peer-kernels.jsonl"
: > "$out/models.jsonl"
for shape in ${shapes//,/ }; do
  step "QuantLab synthetic:$shape" 120 node "$QUANTLAB" bench --model "synthetic:$shape" --preset "$presets" \
    --prompt "$prompt" --decode "$decode" --repeat "$repeat" $profile --json >> "$out/models.jsonl"
done
step "QuantLab $default_model" 90 node "$QUANTLAB" bench --model "$default_model" --preset "$default_presets" \
  --prompt "$prompt" --decode "$decode" --repeat "$repeat" $profile --json >> "$out/models.jsonl"
step "peer models" 300 python3 bench/peers/generate.py --shapes "$peer_shapes" --prompt "$prompt" --decode "$decode" --json \
  > "$out/peer-models.jsonl"
{ echo "$header"; echo; python3 bench/table.py "$out"; } | tee "$out/table.md"
