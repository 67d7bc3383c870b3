#!/bin/bash
# Runs on the GPU machine, from the repository root, with work/corpus carried:
# trains quantlab-mini (quantlab-tiny's recipe, data, tokenizer and held-out text at about a
# quarter of its parameters), exports it to public/models/quantlab-mini, computes its reference
# fixtures (test/fixtures/quantlab-mini/), and packs everything into $OUT as pieces under 16 MiB
# (bundle.tar.part-NN) + bundle.sha256.
# Usage: bash train/run_device_mini.sh [more train.py options]
#   SKIP_TRAIN=1 bash train/run_device_mini.sh   redo only the fixtures (model in public/models/quantlab-mini)
# Keeps the whole run under the device's 10-minute limit: each step gets what is left.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/quantlab-out}
LIMIT=${LIMIT:-585}
MODEL=public/models/quantlab-mini
FIX=test/fixtures/quantlab-mini
# hidden 256, 6 layers, 4 heads of 64 (2 KV heads, as tiny), SwiGLU 768 (a multiple of 128, so
# group-128 weight quantization divides down_proj's rows): 6,819,072 parameters, 25.5% of tiny's
SHAPE="--hidden 256 --layers 6 --heads 4 --kv-heads 2 --head-dim 64 --intermediate 768"
mkdir -p "$OUT" "$FIX" train/mini
start=$(date +%s)
left() { echo $(( LIMIT - ($(date +%s) - start) - 20 )); }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  timeout $(( $(left) - 60 )) python3 train/train.py $SHAPE --tokenizer-from public/models/quantlab-tiny \
    --export $MODEL --log train/mini/train.log "$@" > "$OUT/train.out" 2>&1
  echo "train.py exit $? after $(( $(date +%s) - start ))s"; grep -v -i warn "$OUT/train.out" | tail -40
fi
for s in reference_logits reference_quant_ppl; do
  if [ "$(left)" -gt 30 ]; then
    timeout $(left) python3 train/$s.py --model $MODEL --out $FIX/${s//_/-}.json > /tmp/$s.out 2>&1
    echo "$s exit $? after $(( $(date +%s) - start ))s"; tail -25 /tmp/$s.out; cat /tmp/$s.out >> "$OUT/fixtures.out"
  else
    echo "$s skipped: out of time"
  fi
done
files="$MODEL train/mini"
[ -n "$(ls $FIX 2>/dev/null)" ] && files="$files $FIX"
tar -cf /tmp/bundle.tar $files
(cd /tmp && sha256sum bundle.tar) > "$OUT/bundle.sha256"
tar -tvf /tmp/bundle.tar
split -b 15M -d /tmp/bundle.tar "$OUT/bundle.tar.part-"
ls -l "$OUT"
