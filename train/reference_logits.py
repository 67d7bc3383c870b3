#!/usr/bin/env python3
"""Reference logits of quantlab-tiny for QuantLab's forward-pass tests.

Loads the exported float16 checkpoint as float32 on the CPU with
attn_implementation="eager", takes three fixed texts from heldout.txt (about
12, 60 and 200 tokens), and writes test/fixtures/reference-logits.json:
for each text its token ids (no special tokens) and, for every position, the
top-20 (token id, logit) pairs, logsumexp, sum and L2 norm of the logits.

    python3 train/reference_logits.py [--model DIR] [--out FILE]
"""
import argparse
import hashlib
import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "public", "models", "quantlab-tiny")
OUT = os.path.join(ROOT, "test", "fixtures", "reference-logits.json")
TARGETS = [(12, 10, 14), (60, 55, 65), (200, 190, 210)]   # (aim, min, max) tokens
TOPK = 20


def pick_texts(text, encode):
    """Deterministic picks: runs of whole lines of heldout.txt whose token
    count lies in a target range. The longest pick prefers a run with
    non-ASCII characters; the others take the first run that fits, starting
    from a few fixed places in the file."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    picks = []
    for k, (aim, lo, hi) in enumerate(TARGETS):
        begin = [len(lines) // 7, len(lines) // 3, len(lines) // 2][k]
        best = None
        for i in range(begin, len(lines)):
            if not lines[i].strip():
                continue
            for j in range(i + 1, min(len(lines), i + 60) + 1):
                seg = text[starts[i]: starts[j - 1] + len(lines[j - 1])]
                if seg.endswith("\n") or not seg.strip():
                    continue
                n = len(encode(seg))
                if n > hi:
                    break
                if lo <= n <= hi:
                    if k < 2 or any(ord(c) > 127 for c in seg):
                        best = seg
                    break
            if best:
                break
        assert best, "no text for target %d" % aim
        picks.append(best)
    return picks


def main():
    global MODEL, OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=MODEL, help="an exported model folder (default quantlab-tiny)")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    MODEL, OUT = os.path.abspath(args.model), os.path.abspath(args.out)
    name = os.path.basename(os.path.normpath(MODEL))
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(min(16, os.cpu_count() or 1))
    heldout = open(os.path.join(MODEL, "heldout.txt"), encoding="utf-8").read()
    raw = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    at = AutoTokenizer.from_pretrained(MODEL)

    def encode(s):
        return raw.encode(s, add_special_tokens=False).ids

    texts = pick_texts(heldout, encode)
    model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    assert model.config._attn_implementation == "eager"
    assert next(model.parameters()).dtype == torch.float32

    cases = []
    for text in texts:
        assert text in heldout
        ids = encode(text)
        assert at(text)["input_ids"] == ids, "AutoTokenizer disagrees with tokenizer.json"
        assert at(text, add_special_tokens=False)["input_ids"] == ids
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0].float()
        lse = torch.logsumexp(logits.double(), dim=-1)
        tot = logits.double().sum(dim=-1)
        l2 = logits.double().norm(dim=-1)
        top_v, top_i = logits.topk(TOPK, dim=-1)
        positions = []
        for p in range(len(ids)):
            positions.append({
                "top": [[int(i), float(v)] for i, v in zip(top_i[p].tolist(), top_v[p].tolist())],
                "logsumexp": float(lse[p]),
                "sum": float(tot[p]),
                "l2": float(l2[p]),
            })
        nll = torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(ids[1:]), reduction="sum").item()
        cases.append({
            "text": text,
            "chars": len(text),
            "offset_in_heldout": heldout.index(text),
            "ids": ids,
            "n_tokens": len(ids),
            "nll_sum_next_token": nll,
            "positions": positions,
        })
        print("text of %d tokens (%d chars): %r..." % (len(ids), len(text), text[:60]))

    files = {}
    for f in sorted(os.listdir(MODEL)):
        if f.endswith(".safetensors") or f.endswith(".json"):
            files[f] = hashlib.sha256(open(os.path.join(MODEL, f), "rb").read()).hexdigest()
    import transformers
    out = {
        "description": name + " reference logits: f16 checkpoint loaded as float32, CPU, eager attention, "
                       "no special tokens. positions[p] are the logits at position p (predicting token p+1).",
        "model": name,
        "dtype": "float32 (from float16 weights)",
        "device": "cpu",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "topk": TOPK,
        "vocab_size": model.config.vocab_size,
        "checkpoint_sha256": files,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (OUT, os.path.getsize(OUT)))


if __name__ == "__main__":
    sys.exit(main())
