#!/usr/bin/env python3
"""Perplexity of quantlab-tiny under QuantLab's quantization presets, by fake
quantization in PyTorch; writes test/fixtures/reference-quant-ppl.json.

The exported float16 checkpoint is loaded as float32 (GPU with TF32 off, or
CPU), with a custom attention function registered through transformers'
AttentionInterface (eager math; quantizes K after RoPE and V when a KV preset
is active).

Perplexity as llama.cpp's llama-perplexity: heldout.txt tokenized once
without special tokens (the tokenizer adds no BOS); floor(tokens/n_ctx)
non-overlapping windows (tail dropped); in each window the logits of
positions first..n_ctx-2, first = n_ctx/2, score the next token, so a window
scores n_ctx-1-first tokens; PPL = exp(total NLL / tokens scored).
n_ctx 512: all windows; n_ctx 128: the first 16 windows.

Quantization formulas (computed in float32; round = torch.round, which
rounds half to even):

Weights, only the 7 linear layers of every block (q, k, v, o, gate, up,
down; embedding and LM head untouched), groups of `group` consecutive input
channels of each output row:
  asymmetric, b bits:
    scale = max(max - min, 1e-5) / (2^b - 1), then rounded to float16 and back
    zero  = clamp(-round(min / scale), 0, 2^b - 1)
    q     = clamp(round(w / scale) + zero, 0, 2^b - 1)
    w'    = (q - zero) * scale
  symmetric, b bits:
    scale = max(absmax, 1e-5) / (2^(b-1) - 1), then rounded to float16 and back
    q     = clamp(round(w / scale), -2^(b-1), 2^(b-1) - 1)
    w'    = q * scale
Activations (w8a8, w4a8, w4a4): the input of each of those 7 linear layers,
  per token over the whole row, the asymmetric formula with the scale NOT
  rounded to float16 (zero clamp included).
KV cache (kv*): each token's K (after RoPE) and V, per token and KV head, in
  groups of min(128, head_dim) along head_dim, the asymmetric formula with
  the scale rounded to float16. The query is not quantized.
Effective bits per weight = bits + 16/group + (8/group if asymmetric).

    python3 train/reference_quant_ppl.py [--device cuda|cpu] [--model DIR] [--out FILE]
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "public", "models", "quantlab-tiny")
OUT = os.path.join(ROOT, "test", "fixtures", "reference-quant-ppl.json")
LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

# name: weights {bits, group, symmetric} | None, activations bits | None, kv {bits, group} | None
PRESETS = {
    "fp16": (None, None, None),
    "w8g128": ({"bits": 8, "group": 128, "symmetric": False}, None, None),
    "w4g128": ({"bits": 4, "group": 128, "symmetric": False}, None, None),
    "w3g128": ({"bits": 3, "group": 128, "symmetric": False}, None, None),
    "w2g128": ({"bits": 2, "group": 128, "symmetric": False}, None, None),
    "w4g32sym": ({"bits": 4, "group": 32, "symmetric": True}, None, None),
    "w8g32sym": ({"bits": 8, "group": 32, "symmetric": True}, None, None),
    "w8a8": ({"bits": 8, "group": 128, "symmetric": False}, 8, None),
    "w4a8": ({"bits": 4, "group": 128, "symmetric": False}, 8, None),
    "w4a4": ({"bits": 4, "group": 128, "symmetric": False}, 4, None),
    "kv8": (None, None, {"bits": 8, "group": 128}),
    "kv4": (None, None, {"bits": 4, "group": 128}),
    "kv3": (None, None, {"bits": 3, "group": 128}),
    "kv2": (None, None, {"bits": 2, "group": 128}),
    "w4g128+kv4": ({"bits": 4, "group": 128, "symmetric": False}, None, {"bits": 4, "group": 128}),
}


# ---------------------------------------------------------------------------
# the quantizers

def f16_round(x):
    return x.to(torch.float16).to(torch.float32)


def quant_asym(x, bits, round_scale_f16):
    """Asymmetric round-to-nearest over the last dimension of x (one group a row)."""
    qmax = 2 ** bits - 1
    mn = x.amin(dim=-1, keepdim=True)
    mx = x.amax(dim=-1, keepdim=True)
    scale = torch.clamp(mx - mn, min=1e-5) / qmax
    if round_scale_f16:
        scale = f16_round(scale)
        assert bool((scale > 0).all()), "a float16 scale rounded to zero"
    zero = torch.clamp(-torch.round(mn / scale), 0, qmax)
    q = torch.clamp(torch.round(x / scale) + zero, 0, qmax)
    return (q - zero) * scale


def quant_sym(x, bits):
    """Symmetric round-to-nearest over the last dimension of x; scale stored as float16."""
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    absmax = x.abs().amax(dim=-1, keepdim=True)
    scale = f16_round(torch.clamp(absmax, min=1e-5) / qmax)
    assert bool((scale > 0).all()), "a float16 scale rounded to zero"
    q = torch.clamp(torch.round(x / scale), qmin, qmax)
    return q * scale


def quant_weight(w, bits, group, symmetric):
    """w: [out, in]; groups of `group` consecutive input channels of each row."""
    out_f, in_f = w.shape
    assert in_f % group == 0, (in_f, group)
    g = w.float().reshape(out_f, in_f // group, group)
    g = quant_sym(g, bits) if symmetric else quant_asym(g, bits, round_scale_f16=True)
    return g.reshape(out_f, in_f)


def quant_activation(x, bits):
    """Per token over the whole row, asymmetric, scale not rounded."""
    return quant_asym(x.float(), bits, round_scale_f16=False).to(x.dtype)


def quant_kv(t, bits, group):
    """t: [batch, kv_heads, seq, head_dim]; groups of min(group, head_dim) along head_dim."""
    d = t.shape[-1]
    g = min(group, d)
    assert d % g == 0
    s = t.float().reshape(*t.shape[:-1], d // g, g)
    s = quant_asym(s, bits, round_scale_f16=True)
    return s.reshape(t.shape).to(t.dtype)


def effective_bits(wq):
    if wq is None:
        return 16.0
    b, g = wq["bits"], wq["group"]
    return b + 16.0 / g + (0.0 if wq["symmetric"] else 8.0 / g)


# ---------------------------------------------------------------------------
# attention with optional KV quantization

STATE = {"kv": None, "calls": 0, "capture": None}


def quantlab_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Eager attention (causal, full windows, no padding) on K/V that are
    fake-quantized when a KV preset is active. query: [b, h, s, d];
    key/value: [b, kv_h, s, d], K already rotated (RoPE)."""
    STATE["calls"] += 1
    if STATE["capture"] is not None and getattr(module, "layer_idx", None) == 0:
        STATE["capture"].append(key.detach().clone())
    kv = STATE["kv"]
    if kv is not None:
        key = quant_kv(key, kv["bits"], kv["group"])
        value = quant_kv(value, kv["bits"], kv["group"])
    b, h, s, d = query.shape
    n_rep = h // key.shape[1]
    key = key.repeat_interleave(n_rep, dim=1)
    value = value.repeat_interleave(n_rep, dim=1)
    if scaling is None:
        scaling = 1.0 / math.sqrt(d)
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    causal = torch.ones(s, key.shape[2], dtype=torch.bool, device=query.device).tril(key.shape[2] - s)
    scores = scores.masked_fill(~causal, float("-inf"))
    probs = torch.softmax(scores.float(), dim=-1).to(query.dtype)
    out = torch.matmul(probs, value)
    return out.transpose(1, 2).contiguous(), probs


# ---------------------------------------------------------------------------

def window_nll(model, ids, n_ctx, n_windows, device, batch=16):
    """Per-window summed NLL (natural log) and tokens scored, llama-perplexity style."""
    first = n_ctx // 2
    res = []
    for s in range(0, n_windows, batch):
        e = min(n_windows, s + batch)
        x = torch.tensor([ids[i * n_ctx:(i + 1) * n_ctx] for i in range(s, e)], device=device)
        with torch.no_grad():
            logits = model(input_ids=x).logits.float()
        lp = torch.log_softmax(logits[:, first:n_ctx - 1].double(), dim=-1)
        tgt = x[:, first + 1:n_ctx]
        nll = -lp.gather(-1, tgt[..., None])[..., 0].sum(dim=-1)
        for v in nll.tolist():
            res.append({"nll": v, "tokens": n_ctx - 1 - first})
    return res


def main():
    global MODEL, OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--model", default=MODEL, help="an exported model folder (default quantlab-tiny)")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    MODEL, OUT = os.path.abspath(args.model), os.path.abspath(args.out)
    name = os.path.basename(os.path.normpath(MODEL))
    dev = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")

    from tokenizers import Tokenizer
    from transformers import AttentionInterface, AutoModelForCausalLM, AutoTokenizer
    import transformers

    AttentionInterface.register("quantlab_kv", quantlab_attention)
    try:   # the mask is not used (full causal windows), but give the name a mask function
        from transformers import AttentionMaskInterface
        from transformers.masking_utils import sdpa_mask
        AttentionMaskInterface.register("quantlab_kv", sdpa_mask)
    except ImportError as e:
        print("no AttentionMaskInterface:", e)
    text = open(os.path.join(MODEL, "heldout.txt"), encoding="utf-8").read()
    raw = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    ids = raw.encode(text, add_special_tokens=False).ids
    at = AutoTokenizer.from_pretrained(MODEL)
    assert at(text, add_special_tokens=False)["input_ids"] == ids
    assert at(text)["input_ids"] == ids, "the tokenizer adds special tokens"
    n_bytes = len(text.encode("utf-8"))
    print("heldout.txt: %d chars, %d bytes, %d tokens" % (len(text), n_bytes, len(ids)))

    model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32, attn_implementation="quantlab_kv")
    model.to(dev).eval()
    print("attention implementation:", model.config._attn_implementation)
    ref = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32, attn_implementation="eager").to(dev).eval()
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads

    # --- check that the custom attention runs, gets K after RoPE, and matches eager
    x = torch.tensor([ids[:256]], device=dev)
    STATE["calls"], STATE["capture"] = 0, []
    with torch.no_grad():
        lo = model(input_ids=x).logits
        lr = ref(input_ids=x).logits
    calls, captured = STATE["calls"], STATE["capture"][0]
    STATE["capture"] = None
    assert calls == cfg.num_hidden_layers, "custom attention ran %d times, expected %d" % (calls, cfg.num_hidden_layers)
    diff_eager = (lo - lr).abs().max().item()
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb
    with torch.no_grad():
        layer0 = model.model.layers[0]
        hs = layer0.input_layernorm(model.model.embed_tokens(x))
        k = layer0.self_attn.k_proj(hs).view(1, x.shape[1], -1, head_dim).transpose(1, 2)
        pos = torch.arange(x.shape[1], device=dev)[None]
        cos, sin = model.model.rotary_emb(hs, pos)
        _, k_rot = apply_rotary_pos_emb(k, k, cos, sin)
    diff_rope = (captured - k_rot).abs().max().item()
    diff_norope = (captured - k).abs().max().item()
    print("custom attention: %d calls for one forward; max |logit - eager| = %.3g; "
          "captured K vs own RoPE'd K: %.3g (vs un-rotated K: %.3g)" % (calls, diff_eager, diff_rope, diff_norope))
    assert diff_eager < 1e-3 and diff_rope < 1e-5 and diff_norope > 1e-3
    STATE["kv"] = {"bits": 2, "group": 128}
    with torch.no_grad():
        lq = model(input_ids=x).logits
    STATE["kv"] = None
    assert (lq - lo).abs().max().item() > 1e-3, "KV quantization had no effect"
    del ref
    hook_check = {"calls_per_forward": calls, "layers": cfg.num_hidden_layers,
                  "max_abs_logit_diff_vs_eager": diff_eager,
                  "max_abs_diff_captured_k_vs_rope_k": diff_rope,
                  "max_abs_diff_captured_k_vs_unrotated_k": diff_norope}

    # --- presets
    originals = {}
    for li, layer in enumerate(model.model.layers):
        for name, mod in list(layer.self_attn.named_children()) + list(layer.mlp.named_children()):
            if name in LINEARS:
                originals[(li, name)] = (mod, mod.weight.detach().clone())
    assert len(originals) == 7 * cfg.num_hidden_layers
    act = {"bits": None}

    def pre_hook(mod, inputs):
        if act["bits"] is None:
            return None
        return (quant_activation(inputs[0], act["bits"]),) + tuple(inputs[1:])

    for mod, _ in originals.values():
        mod.register_forward_pre_hook(pre_hook)
    embed_ref = model.model.embed_tokens.weight.detach().clone()

    n512 = len(ids) // 512
    n128 = min(16, len(ids) // 128)
    results = {}
    for name, (wq, abits, kv) in PRESETS.items():
        t0 = time.time()
        with torch.no_grad():
            for (li, lname), (mod, w0) in originals.items():
                mod.weight.copy_(w0 if wq is None else quant_weight(w0, wq["bits"], wq["group"], wq["symmetric"]))
        act["bits"] = abits
        STATE["kv"] = kv
        STATE["calls"] = 0
        r = {"weights": wq, "activations": None if abits is None else {"bits": abits, "per": "token"},
             "kv": None if kv is None else {"bits": kv["bits"], "group": kv["group"],
                                           "effective_group": min(kv["group"], head_dim)},
             "effective_bits_per_weight": effective_bits(wq)}
        if kv is not None:
            g = min(kv["group"], head_dim)
            r["kv_effective_bits"] = kv["bits"] + 16.0 / g + 8.0 / g
        for n_ctx, nw in ((512, n512), (128, n128)):
            w = window_nll(model, ids, n_ctx, nw, dev)
            tot = sum(v["nll"] for v in w)
            cnt = sum(v["tokens"] for v in w)
            first = n_ctx // 2
            scored_bytes = 0
            for i in range(nw):
                scored_bytes += len(raw.decode(ids[i * n_ctx + first + 1:(i + 1) * n_ctx]).encode("utf-8"))
            r["ctx%d" % n_ctx] = {
                "n_ctx": n_ctx, "first": first, "windows": nw,
                "window_nll": [v["nll"] for v in w], "window_tokens": [v["tokens"] for v in w],
                "total_nll": tot, "tokens_scored": cnt, "ppl": math.exp(tot / cnt),
                "scored_utf8_bytes_decoded": scored_bytes,
                "bits_per_byte": tot / math.log(2) / scored_bytes,
            }
        assert STATE["calls"] > 0
        assert torch.equal(model.model.embed_tokens.weight, embed_ref)
        results[name] = r
        print("%-11s w-bits/weight %6.4f%s  ppl@512 %.4f  ppl@128 %.4f  (%.1fs)" % (
            name, r["effective_bits_per_weight"],
            ("  kv-bits %.3f" % r["kv_effective_bits"]) if kv else "",
            r["ctx512"]["ppl"], r["ctx128"]["ppl"], time.time() - t0))
    act["bits"] = None
    STATE["kv"] = None

    files = {}
    for f in sorted(os.listdir(MODEL)):
        if f.endswith(".safetensors") or f.endswith(".json") or f.endswith(".txt"):
            files[f] = hashlib.sha256(open(os.path.join(MODEL, f), "rb").read()).hexdigest()
    out = {
        "description": name + " perplexity on heldout.txt by fake quantization in PyTorch (float32), "
                       "llama-perplexity windows; see train/reference_quant_ppl.py for the formulas.",
        "model": name,
        "device": str(dev) + ("" if dev.type == "cpu" else " (TF32 off)"),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "heldout": {"chars": len(text), "utf8_bytes": n_bytes, "tokens": len(ids),
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "rounding": "torch.round (half to even)",
        "checkpoint_sha256": files,
        "attention_hook_check": hook_check,
        "presets": results,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote %s (%d bytes)" % (OUT, os.path.getsize(OUT)))


if __name__ == "__main__":
    sys.exit(main())
