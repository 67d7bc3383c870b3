#!/usr/bin/env python3
"""Train quantlab-tiny: a byte-level BPE tokenizer (vocab 8192) and a ~26M
parameter LlamaForCausalLM on the corpus made by train/corpus.py, then export
it in Hugging Face format (float16, sharded safetensors).

Runs on the GPU machine (PyTorch 2.11, transformers 5.x, tokenizers 0.23).

    PYTHONUNBUFFERED=1 python3 train/train.py [--steps N]

Other members of the family (quantlab-mini: train/run_device_mini.sh) take
the model shape (--hidden, --layers, ...), reuse a trained tokenizer with
--tokenizer-from (its tokenizer.json and tokenizer_config.json are copied
into the export unchanged) and write elsewhere (--export, --log; the summary
goes beside the log). --device cpu runs a smoke test without a GPU.

With --steps 0 (default) the number of steps is chosen from the throughput
measured during warm-up, capped by --max-epochs and --time-budget; the chosen
number is written to the log, and passing it as --steps repeats the run.
"""
import argparse
import json
import lzma
import math
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EOT = "<|endoftext|>"

LOG_FILE = None


def log(msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if LOG_FILE:
        with open(LOG_FILE, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def read_docs(path):
    with lzma.open(path, "rt", encoding="utf-8") as f:
        return f.read().split(EOT)


# ---------------------------------------------------------------------------
# tokenizer

def train_tokenizer(docs, vocab_size):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    # no post-processor: encoding adds no BOS/EOS or any other token
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer=trainer, length=len(docs))
    assert tok.get_vocab_size() == vocab_size, tok.get_vocab_size()
    assert tok.token_to_id(EOT) == 0
    return tok


def encode_stream(tok, docs, eot_id, p_blank, seed, chunk=64):
    """The training stream. Consecutive documents are separated either by
    <|endoftext|> or, with probability p_blank, by a blank line (the document's
    own final newline plus one more), which is how heldout.txt separates its
    documents. Chunks of `chunk` documents are encoded as whole texts, so the
    ids are exactly those of such a text; chunks end with <|endoftext|>."""
    import random
    rng = random.Random(seed)
    texts = []
    for i in range(0, len(docs), chunk):
        parts = [docs[i]]
        for d in docs[i + 1:i + chunk]:
            parts.append("\n" if rng.random() < p_blank else EOT)
            parts.append(d)
        texts.append("".join(parts))
    out = []
    B = 256
    for i in range(0, len(texts), B):
        for enc in tok.encode_batch(texts[i:i + B], add_special_tokens=False):
            out.append(np.asarray(enc.ids, dtype=np.uint16))
            out.append(np.asarray([eot_id], dtype=np.uint16))
    return np.concatenate(out)


def encode_docs(tok, docs, eot_id):
    """Token ids of the documents, each followed by <|endoftext|>."""
    out = []
    B = 4096
    for i in range(0, len(docs), B):
        for enc in tok.encode_batch(docs[i:i + B], add_special_tokens=False):
            out.append(np.asarray(enc.ids, dtype=np.uint16))
            out.append(np.asarray([eot_id], dtype=np.uint16))
    return np.concatenate(out)


# ---------------------------------------------------------------------------
# model

def make_config(vocab_size, eot_id, shape):
    from transformers import LlamaConfig

    kw = dict(
        vocab_size=vocab_size,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        head_dim=shape.head_dim,
        hidden_act="silu",
        max_position_embeddings=1024,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        attention_bias=False,
        mlp_bias=False,
        attention_dropout=0.0,
        initializer_range=0.02,
        bos_token_id=None,
        eos_token_id=eot_id,
        pad_token_id=None,
        use_cache=True,
    )
    try:
        cfg = LlamaConfig(rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **kw)
    except TypeError:
        cfg = LlamaConfig(rope_theta=10000.0, **kw)
    return cfg


def rope_theta_of(cfg):
    rp = getattr(cfg, "rope_parameters", None)
    if isinstance(rp, dict) and "rope_theta" in rp:
        return rp["rope_theta"]
    return getattr(cfg, "rope_theta", None)


def autocast(device):
    """bf16 autocast on the GPU; plain float32 on the CPU (smoke tests)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


@torch.no_grad()
def eval_loss(model, tokens, ctx, max_windows=None, batch=32):
    """Mean next-token loss over non-overlapping windows of ctx tokens."""
    n = (len(tokens) - 1) // ctx
    if max_windows:
        n = min(n, max_windows)
    if n == 0:
        return float("nan")
    total, count = 0.0, 0
    model.eval()
    for s in range(0, n, batch):
        e = min(n, s + batch)
        x = torch.stack([tokens[i * ctx:(i + 1) * ctx] for i in range(s, e)]).long()
        y = torch.stack([tokens[i * ctx + 1:(i + 1) * ctx + 1] for i in range(s, e)]).long()
        with autocast(tokens.device):
            logits = model(input_ids=x).logits
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
        total += loss.item()
        count += y.numel()
    model.train()
    return total / count


def main():
    global LOG_FILE
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "work", "corpus"))
    ap.add_argument("--heldout", default=os.path.join(ROOT, "public", "models", "quantlab-tiny", "heldout.txt"))
    ap.add_argument("--export", default=os.path.join(ROOT, "public", "models", "quantlab-tiny"))
    ap.add_argument("--log", default=os.path.join(ROOT, "train", "train.log"))
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--tokenizer-from", default="",
                    help="a model folder whose tokenizer.json to use (and copy) instead of training one")
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--intermediate", type=int, default=1408)
    ap.add_argument("--device", default="cuda", help="cuda; cpu only for smoke tests")
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=0, help="0: choose from measured speed")
    ap.add_argument("--max-epochs", type=float, default=6.0)
    ap.add_argument("--p-blank", type=float, default=0.5,
                    help="share of document boundaries written as a blank line instead of <|endoftext|>")
    ap.add_argument("--time-budget", type=float, default=240.0, help="seconds of training loop")
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--max-docs", type=int, default=0, help="smoke tests: use only the first N training documents")
    args = ap.parse_args()

    LOG_FILE = args.log
    os.makedirs(os.path.dirname(os.path.abspath(LOG_FILE)), exist_ok=True)
    open(LOG_FILE, "w").close()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    import tokenizers
    import transformers

    dev = torch.device(args.device)
    name = os.path.basename(os.path.normpath(args.export))
    log("%s training; torch %s, transformers %s, tokenizers %s, device %s"
        % (name, torch.__version__, transformers.__version__, tokenizers.__version__,
           torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"))
    log("args: " + json.dumps(vars(args)))

    # ---- data and tokenizer
    t0 = time.time()
    train_docs = read_docs(os.path.join(args.corpus, "train.txt.xz"))
    if args.max_docs:
        train_docs = train_docs[: args.max_docs]       # smoke tests only
    valid_docs = read_docs(os.path.join(args.corpus, "valid.txt.xz"))
    heldout_text = open(args.heldout, encoding="utf-8").read()
    n_chars = sum(len(d) for d in train_docs)
    log("corpus: %d training documents, %d characters; %d validation documents; heldout.txt %d characters"
        % (len(train_docs), n_chars, len(valid_docs), len(heldout_text)))
    if args.tokenizer_from:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(args.tokenizer_from, "tokenizer.json"))
        assert tok.get_vocab_size() == args.vocab and tok.token_to_id(EOT) == 0, (tok.get_vocab_size(), args.vocab)
        eot_id = tok.token_to_id(EOT)
        log("tokenizer read from %s (vocab %d, %s id %d)"
            % (os.path.relpath(args.tokenizer_from, ROOT), tok.get_vocab_size(), EOT, eot_id))
    else:
        tok = train_tokenizer(train_docs, args.vocab)
        eot_id = tok.token_to_id(EOT)
        log("tokenizer trained in %.1fs (vocab %d, %s id %d)" % (time.time() - t0, tok.get_vocab_size(), EOT, eot_id))
    t1 = time.time()
    train_np = encode_stream(tok, train_docs, eot_id, args.p_blank, args.seed)
    valid_np = encode_docs(tok, valid_docs, eot_id)
    held_ids = tok.encode(heldout_text, add_special_tokens=False).ids
    held_np = np.asarray(held_ids, dtype=np.uint16)
    held_eot_np = encode_docs(tok, read_docs(os.path.join(args.corpus, "heldout_docs.txt.xz")), eot_id)
    n_eot = int((train_np == eot_id).sum())
    log("tokenized in %.1fs: train %d tokens (%.2f chars/token; %d <|endoftext|>, the other %d document "
        "boundaries blank lines), valid %d tokens, heldout.txt %d tokens"
        % (time.time() - t1, len(train_np), n_chars / len(train_np), n_eot, len(train_docs) - n_eot,
           len(valid_np), len(held_np)))

    train_t = torch.from_numpy(train_np.astype(np.int32)).to(dev)
    valid_t = torch.from_numpy(valid_np.astype(np.int32)).to(dev)
    held_t = torch.from_numpy(held_np.astype(np.int32)).to(dev)
    held_eot_t = torch.from_numpy(held_eot_np.astype(np.int32)).to(dev)

    # ---- model
    from transformers import LlamaForCausalLM

    cfg = make_config(args.vocab, eot_id, args)
    cfg._attn_implementation = "sdpa"
    model = LlamaForCausalLM(cfg).to(dev)
    n_params = sum(p.numel() for p in model.parameters())     # tied weights counted once
    n_embed = model.model.embed_tokens.weight.numel()
    log("model: LlamaForCausalLM, %d parameters (%d without the tied embedding); rope_theta %s"
        % (n_params, n_params - n_embed, rope_theta_of(cfg)))

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8, fused=dev.type == "cuda")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    fwd = model if args.no_compile else torch.compile(model)

    S, B = args.seq, args.batch
    tok_per_step = S * B
    ar = torch.arange(S + 1, device=dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    # fixed training windows to compare train and held-out loss the same way
    fixed_train = train_t[: 200 * S + 1]

    def lr_at(step, total):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        p = min(1.0, (step - args.warmup) / max(1, total - args.warmup))
        return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))

    def train_step(step, total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total)
        idx = torch.randint(0, len(train_t) - S - 1, (B,), device=dev, generator=gen)
        w = train_t[idx[:, None] + ar].long()
        x, y = w[:, :-1], w[:, 1:]
        with autocast(dev):
            logits = fwd(input_ids=x).logits
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    max_steps_epochs = int(args.max_epochs * len(train_np) / tok_per_step)
    total = args.steps if args.steps > 0 else max_steps_epochs
    log("batch %d x %d = %d tokens/step; %d steps would be %.1f epochs"
        % (B, S, tok_per_step, max_steps_epochs, args.max_epochs))

    # ---- warm-up (compile) and speed measurement
    model.train()
    tc = time.time()
    step = 0
    losses = []
    try:
        loss = train_step(step, total)
        synchronize(dev)
    except Exception as e:       # keep going without torch.compile
        log("torch.compile failed (%s: %s); training uncompiled" % (type(e).__name__, str(e)[:300]))
        opt.zero_grad(set_to_none=True)
        fwd = model
        loss = train_step(step, total)
        synchronize(dev)
    step += 1
    log("first step (compile) %.1fs, loss %.4f" % (time.time() - tc, loss.item()))
    for _ in range(4):
        losses.append(train_step(step, total))
        step += 1
    synchronize(dev)
    tm = time.time()
    n_meas = 30
    for _ in range(n_meas):
        losses.append(train_step(step, total))
        step += 1
    synchronize(dev)
    step_time = (time.time() - tm) / n_meas
    log("measured %.1f ms/step, %.0f tokens/s" % (step_time * 1e3, tok_per_step / step_time))
    if args.steps <= 0:
        est_eval = 3.0
        by_time = int((args.time_budget - (time.time() - tc)) / (step_time + est_eval / args.eval_every))
        total = max(step + 1, min(max_steps_epochs, by_time))
        log("chosen steps: %d (epoch cap %d, time cap %d) = %.2f epochs; repeat with --steps %d"
            % (total, max_steps_epochs, by_time, total * tok_per_step / len(train_np), total))

    # ---- training
    t_train = tc
    history = []
    while step < total:
        losses.append(train_step(step, total))
        step += 1
        if step % args.eval_every == 0 or step == total:
            tr = torch.stack(losses).float().mean().item()
            losses = []
            v = eval_loss(model, valid_t, S)
            h = eval_loss(model, held_t, S)
            ft = eval_loss(model, fixed_train, S)
            he = eval_loss(model, held_eot_t, S)
            history.append({"step": step, "train_loss": tr, "train_windows_loss": ft, "valid_loss": v,
                            "heldout_loss": h, "heldout_docs_eot_loss": he, "elapsed_s": time.time() - t_train})
            log("step %5d/%d  lr %.2e  train %.4f  train(fixed windows) %.4f  valid %.4f  heldout %.4f  "
                "heldout(docs by eot) %.4f  (%.1f epochs, %.0fs)"
                % (step, total, lr_at(step - 1, total), tr, ft, v, h, he,
                   step * tok_per_step / len(train_np), time.time() - t_train))
    synchronize(dev)
    train_seconds = time.time() - t_train
    log("training loop done in %.1fs (%d steps, %.1fM tokens)" % (train_seconds, total, total * tok_per_step / 1e6))

    # ---- export float16
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig, PreTrainedTokenizerFast

    os.makedirs(args.export, exist_ok=True)
    for f in os.listdir(args.export):
        if f.endswith(".safetensors") or f in ("model.safetensors.index.json", "config.json",
                                               "generation_config.json", "tokenizer.json",
                                               "tokenizer_config.json", "special_tokens_map.json"):
            os.remove(os.path.join(args.export, f))
    model.eval()
    model = model.to(torch.float16)
    model.config.use_cache = True
    model.generation_config = GenerationConfig(bos_token_id=None, eos_token_id=eot_id, pad_token_id=None)
    model.save_pretrained(args.export, max_shard_size="15MB")
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOT, model_max_length=S,
                                     clean_up_tokenization_spaces=False)
    hf_tok.save_pretrained(args.export)
    tok.save(os.path.join(args.export, "tokenizer.json"))     # exactly the trained tokenizer
    if args.tokenizer_from:     # the family's tokenizer files, byte for byte
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(os.path.join(args.tokenizer_from, f), os.path.join(args.export, f))
    held_copy = os.path.join(args.export, "heldout.txt")
    if not os.path.exists(held_copy) or not os.path.samefile(args.heldout, held_copy):
        shutil.copyfile(args.heldout, held_copy)
    tj = json.load(open(os.path.join(args.export, "tokenizer.json")))
    log("tokenizer.json: normalizer %s, pre_tokenizer %s, post_processor %s, added tokens %s"
        % (tj["normalizer"] and tj["normalizer"]["type"], tj["pre_tokenizer"]["type"], tj["post_processor"],
           [t["content"] for t in tj["added_tokens"]]))
    assert tj["post_processor"] is None
    # config.json: architectures, float16, rope_theta also at the top level for readers of older configs
    cpath = os.path.join(args.export, "config.json")
    c = json.load(open(cpath))
    c["torch_dtype"] = "float16"
    if "dtype" in c:
        c["dtype"] = "float16"
    c.setdefault("rope_theta", 10000.0)
    c["architectures"] = ["LlamaForCausalLM"]
    json.dump(c, open(cpath, "w"), indent=2, sort_keys=True)
    tcpath = os.path.join(args.export, "tokenizer_config.json")
    if not args.tokenizer_from:
        tc_json = json.load(open(tcpath))
        tc_json["tokenizer_class"] = "PreTrainedTokenizerFast"
        tc_json["add_bos_token"] = False
        tc_json["add_eos_token"] = False
        json.dump(tc_json, open(tcpath, "w"), indent=2, sort_keys=True)
    log("exported: " + ", ".join("%s (%d bytes)" % (f, os.path.getsize(os.path.join(args.export, f)))
                                 for f in sorted(os.listdir(args.export))))

    # ---- check that transformers loads the export unchanged
    m2, info = AutoModelForCausalLM.from_pretrained(args.export, output_loading_info=True)
    m2 = m2.to(dev).eval()
    log("reloaded: %s, dtype %s, loading info %s" % (type(m2).__name__, m2.dtype,
                                                     json.dumps({k: list(map(str, v)) for k, v in info.items()})))
    sd1, sd2 = model.state_dict(), m2.state_dict()
    for k in sd1:
        assert torch.equal(sd1[k], sd2[k].to(sd1[k].device, sd1[k].dtype)), k
    log("reloaded weights equal the trained float16 weights (%d tensors)" % len(sd1))
    assert torch.equal(m2.lm_head.weight, m2.model.embed_tokens.weight)
    at = AutoTokenizer.from_pretrained(args.export)
    ids_default = at(heldout_text)["input_ids"]
    assert ids_default == held_ids, "AutoTokenizer ids differ from raw tokenizer ids (BOS added?)"
    log("AutoTokenizer (%s) gives the raw ids for heldout.txt with default settings (no BOS/EOS added); "
        "decode round-trips: %s" % (type(at).__name__, at.decode(held_ids) == heldout_text))
    x = held_t[:S].long()[None]
    with torch.no_grad():
        l32 = m2.float()(input_ids=x).logits[0, :-1]
    held_f16_loss = eval_loss(m2, held_t, S)
    log("reloaded f16->f32 model, first heldout window loss %.4f; heldout loss (bf16 autocast) %.4f"
        % (F.cross_entropy(l32, x[0, 1:]).item(), held_f16_loss))

    summary = {
        "parameters": n_params,
        "parameters_without_embedding": n_params - n_embed,
        "train_characters": n_chars,
        "train_tokens": int(len(train_np)),
        "valid_tokens": int(len(valid_np)),
        "heldout_tokens": int(len(held_np)),
        "heldout_characters": len(heldout_text),
        "steps": total,
        "tokens_per_step": tok_per_step,
        "epochs": total * tok_per_step / len(train_np),
        "train_seconds": train_seconds,
        "ms_per_step": step_time * 1e3,
        "final": history[-1] if history else None,
        "history": history,
    }
    json.dump(summary, open(os.path.join(os.path.dirname(args.log), "train_summary.json"), "w"), indent=1)
    log("summary: " + json.dumps({k: v for k, v in summary.items() if k != "history"}))


if __name__ == "__main__":
    main()
