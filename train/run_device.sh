#!/bin/bash
# Runs on the GPU machine, from the repository root, with work/corpus carried:
# trains and exports quantlab-tiny, computes the reference fixtures, and packs
# everything into $OUT as pieces under 16 MiB (bundle.tar.part-NN) + sha256.
# Usage: bash train/run_device.sh [train.py options]
#   SKIP_TRAIN=1 bash train/run_device.sh   redo only the fixtures (model in public/models/quantlab-tiny)
# Keeps the whole run under the device's 10-minute limit: each step gets what is left.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/quantlab-out}
LIMIT=${LIMIT:-585}
mkdir -p "$OUT"
start=$(date +%s)
left() { echo $(( LIMIT - ($(date +%s) - start) - 20 )); }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  timeout $(( $(left) - 60 )) python3 train/train.py "$@" > "$OUT/train.out" 2>&1
  echo "train.py exit $? after $(( $(date +%s) - start ))s"; grep -v -i warn "$OUT/train.out" | tail -60
fi
for s in reference_logits reference_quant_ppl; do
  if [ "$(left)" -gt 30 ]; then
    timeout $(left) python3 train/$s.py > /tmp/$s.out 2>&1
    echo "$s exit $? after $(( $(date +%s) - start ))s"; tail -25 /tmp/$s.out; cat /tmp/$s.out >> "$OUT/fixtures.out"
  else
    echo "$s skipped: out of time"
  fi
done
files="public/models/quantlab-tiny train/train.log"
for f in train/train_summary.json test/fixtures/reference-logits.json test/fixtures/reference-quant-ppl.json; do
  [ -f "$f" ] && files="$files $f"
done
tar -cf /tmp/bundle.tar $files
(cd /tmp && sha256sum bundle.tar) > "$OUT/bundle.sha256"
tar -tvf /tmp/bundle.tar
split -b 15M -d /tmp/bundle.tar "$OUT/bundle.tar.part-"
ls -l "$OUT"
