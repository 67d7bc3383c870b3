#!/usr/bin/env python3
"""Which storage choice moves a preset's perplexity away from the PyTorch formula?

train/reference_quant_ppl.py applies qllm-eval's round-to-nearest by fake
quantization with QuantLab's storage rules (weight and KV scales rounded to
float16, the activation scale kept in float32, an unquantized K/V cache in
float32). QuantLab stores a few things differently or computes them in another
order; this script switches one choice at a time, on the same windows of a
text, so each gap can be put down to its cause:

  base          the formula of reference_quant_ppl.py, unchanged
  kv_plain_f16  an unquantized K/V cache stored as float16 (QuantLab's default storage;
                reference_quant_ppl.py keeps float32)                  [presets without kv]
  w_scale_f32   weight scales kept in float32 (qllm-eval's own code)   [presets with weights]
  a_scale_f16   the per-token activation scale rounded to float16      [W·A presets]
  kv_scale_f32  KV scales kept in float32 (qllm-eval's own code)       [kv presets]
  f64           the base formula computed in float64 throughout: no storage choice changes,
                only the rounding of the arithmetic, as a GPU's other order of sums does
Zero points need no variant: a zero is an integer in 0..2^b-1, so u8 (weights) or
the u16 half of a word (KV) holds it exactly; the script checks that.

    python3 train/quant_storage_variants.py --text FILE [--windows 40] [--ctx 512]
        [--presets fp16,w4a4,kv2,w4g128,kv4] [--quantlab RECORDS.jsonl] [--out FILE.json]
    python3 train/quant_storage_variants.py --write-lambada FILE [--passages 400]

--quantlab reads `quantlab eval --json` records of the same text and windows and
puts QuantLab's perplexity (and per-window NLL difference) beside each variant.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_quant_ppl as ref  # noqa: E402

ROOT = ref.ROOT
VARIANTS = ("base", "kv_plain_f16", "w_scale_f32", "a_scale_f16", "kv_scale_f32", "f64")


def applies(variant, preset):
    wq, abits, kv = ref.PRESETS[preset]
    return {"base": True, "f64": True, "kv_plain_f16": kv is None, "w_scale_f32": wq is not None,
            "a_scale_f16": abits is not None, "kv_scale_f32": kv is not None}[variant]


def round_f16(x):
    return x.to(torch.float16).to(x.dtype)


def quant_asym(x, bits, scale_f16):
    """reference_quant_ppl.quant_asym in x's own dtype (float32 or float64)."""
    qmax = 2 ** bits - 1
    mn = x.amin(dim=-1, keepdim=True)
    mx = x.amax(dim=-1, keepdim=True)
    scale = torch.clamp(mx - mn, min=1e-5) / qmax
    if scale_f16:
        scale = round_f16(scale)
    zero = torch.clamp(-torch.round(mn / scale), 0, qmax)
    assert torch.equal(zero, zero.to(torch.uint8).to(zero.dtype)), "a zero point that u8 cannot hold"
    q = torch.clamp(torch.round(x / scale) + zero, 0, qmax)
    return (q - zero) * scale


def quant_sym(x, bits, scale_f16):
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    scale = torch.clamp(x.abs().amax(dim=-1, keepdim=True), min=1e-5) / qmax
    if scale_f16:
        scale = round_f16(scale)
    return torch.clamp(torch.round(x / scale), qmin, qmax) * scale


def quant_weight(w, spec, scale_f16):
    out_f, in_f = w.shape
    g = w.reshape(out_f, in_f // spec["group"], spec["group"])
    g = quant_sym(g, spec["bits"], scale_f16) if spec["symmetric"] else quant_asym(g, spec["bits"], scale_f16)
    return g.reshape(out_f, in_f)


def quant_kv(t, bits, group, scale_f16):
    d = t.shape[-1]
    g = min(group, d)
    s = t.reshape(*t.shape[:-1], d // g, g)
    return quant_asym(s, bits, scale_f16).reshape(t.shape)


CFG = {"kv": None, "kv_scale_f16": True, "kv_plain_f16": False, "calls": 0}


def attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """reference_quant_ppl.quantlab_attention with the KV storage choices switchable."""
    CFG["calls"] += 1
    kv = CFG["kv"]
    if kv is not None:
        key = quant_kv(key, kv["bits"], kv["group"], CFG["kv_scale_f16"])
        value = quant_kv(value, kv["bits"], kv["group"], CFG["kv_scale_f16"])
    elif CFG["kv_plain_f16"]:
        key, value = round_f16(key), round_f16(value)
    b, h, s, d = query.shape
    n_rep = h // key.shape[1]
    key = key.repeat_interleave(n_rep, dim=1)
    value = value.repeat_interleave(n_rep, dim=1)
    if scaling is None:
        scaling = 1.0 / math.sqrt(d)
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    causal = torch.ones(s, key.shape[2], dtype=torch.bool, device=query.device).tril(key.shape[2] - s)
    scores = scores.masked_fill(~causal, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    return torch.matmul(probs, value).transpose(1, 2).contiguous(), probs


def write_lambada(path, passages):
    src = os.path.join(ROOT, "..", "shared", "datasets", "lambada", "lambada_test.jsonl")
    with open(src, encoding="utf-8") as f:
        texts = [json.loads(l)["text"] for l, _ in zip(f, range(passages))]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(texts) + "\n")
    print("wrote %s: the first %d LAMBADA test passages joined by blank lines" % (path, len(texts)))


def load_quantlab(path):
    """`quantlab eval --json` records by preset name."""
    out = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("{"):
            r = json.loads(line)
            out[r["preset"]] = {"ppl": r["metrics"]["perplexity"], "tokens": r["metrics"]["tokens"],
                                "window_nll": r["window_nll"], "windows": r["config"]["windows"]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text")
    ap.add_argument("--windows", type=int, default=40)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--presets", default="fp16,w4a4,kv2,w4g128,kv4")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--quantlab", help="JSON lines of `quantlab eval --json` on the same text and windows")
    ap.add_argument("--out")
    ap.add_argument("--write-lambada", metavar="FILE")
    ap.add_argument("--passages", type=int, default=400)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.write_lambada:
        return write_lambada(args.write_lambada, args.passages)
    if args.threads:
        torch.set_num_threads(args.threads)

    from tokenizers import Tokenizer
    from transformers import AttentionInterface, AutoModelForCausalLM
    AttentionInterface.register("quantlab_variants", attention)
    try:
        from transformers import AttentionMaskInterface
        from transformers.masking_utils import sdpa_mask
        AttentionMaskInterface.register("quantlab_variants", sdpa_mask)
    except ImportError:
        pass

    text = open(args.text, encoding="utf-8").read()
    ids = Tokenizer.from_file(os.path.join(ref.MODEL, "tokenizer.json")).encode(text, add_special_tokens=False).ids
    n = min(args.windows, len(ids) // args.ctx)
    print("%s: %d tokens; %d windows of %d" % (args.text, len(ids), n, args.ctx))
    quantlab = load_quantlab(args.quantlab) if args.quantlab else {}

    models = {}
    for dtype in (torch.float32, torch.float64):
        m = AutoModelForCausalLM.from_pretrained(ref.MODEL, dtype=torch.float32, attn_implementation="quantlab_variants")
        models[dtype] = m.to(dtype).eval()
    dev = torch.device("cpu")
    results = {}
    for preset in args.presets.split(","):
        wq, abits, kv = ref.PRESETS[preset]
        results[preset] = {}
        for variant in args.variants.split(","):
            if not applies(variant, preset):
                continue
            t0 = time.time()
            dtype = torch.float64 if variant == "f64" else torch.float32
            model = models[dtype]
            hooks, saved = [], []
            for layer in model.model.layers:
                for name, mod in list(layer.self_attn.named_children()) + list(layer.mlp.named_children()):
                    if name not in ref.LINEARS:
                        continue
                    saved.append((mod, mod.weight.detach().clone()))
                    if wq is not None:
                        with torch.no_grad():
                            mod.weight.copy_(quant_weight(mod.weight, wq, variant != "w_scale_f32"))
                    if abits is not None:
                        a_f16 = variant == "a_scale_f16"
                        hooks.append(mod.register_forward_pre_hook(
                            lambda m_, inp, b=abits, f=a_f16: (quant_asym(inp[0], b, f),) + tuple(inp[1:])))
            CFG.update(kv=kv, kv_scale_f16=variant != "kv_scale_f32", kv_plain_f16=variant == "kv_plain_f16", calls=0)
            w = ref.window_nll(model, ids, args.ctx, n, dev)
            assert CFG["calls"] > 0
            for h in hooks:
                h.remove()
            with torch.no_grad():
                for mod, w0 in saved:
                    mod.weight.copy_(w0)
            nll = [v["nll"] for v in w]
            tokens = sum(v["tokens"] for v in w)
            r = {"ppl": math.exp(sum(nll) / tokens), "window_nll": nll, "tokens": tokens}
            results[preset][variant] = r
            print("%-7s %-13s ppl %9.4f  (%.0fs)" % (preset, variant, r["ppl"], time.time() - t0), flush=True)
        if preset in quantlab:
            q = quantlab[preset]
            k = q["windows"]
            assert k <= n and q["tokens"] == k * (args.ctx - 1 - args.ctx // 2), (q["windows"], n)
            per = [(a - b) / (args.ctx - 1 - args.ctx // 2)
                   for a, b in zip(q["window_nll"], results[preset]["base"]["window_nll"])]
            q["nll_per_token_minus_base"] = per
            q["base_ppl_same_windows"] = math.exp(sum(results[preset]["base"]["window_nll"][:k]) / q["tokens"])
            results[preset]["quantlab"] = q

    print()
    print("| preset | " + " | ".join(v for v in ("quantlab",) + VARIANTS) + " |")
    for preset, r in results.items():
        base = r["base"]["ppl"]
        cells = []
        for v in ("quantlab",) + VARIANTS:
            if v == "quantlab" and v in r:
                q = r[v]
                cells.append("%.3f (%+.2f%% on its %d windows)"
                             % (q["ppl"], 100 * (q["ppl"] / q["base_ppl_same_windows"] - 1), q["windows"]))
            elif v in r:
                cells.append("%.3f (%+.2f%%)" % (r[v]["ppl"], 100 * (r[v]["ppl"] / base - 1)) if v != "base"
                             else "%.3f" % base)
            else:
                cells.append("-")
        print("| %s | %s |" % (preset, " | ".join(cells)))
    if args.out:
        out = {"description": "perplexity of quantlab-tiny on %s, first %d windows of %d tokens, llama-perplexity "
                              "scoring, under storage variants of the PyTorch fake-quantization formula (see "
                              "train/quant_storage_variants.py); quantlab = `quantlab eval` on the same windows."
                              % (os.path.basename(args.text), n, args.ctx),
               "torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
