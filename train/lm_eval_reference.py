#!/usr/bin/env python3
"""lm-evaluation-harness reference fixtures: the harness itself (HFLM) runs the
default model on the authors' original benchmark files, and its per-item
log-likelihoods become test/fixtures/lm-eval/TASK.json.

    python3 train/lm_eval_reference.py [--limit 100] [--model public/models/quantlab-tiny]
                                       [--fixtures test/fixtures/lm-eval] [--reuse]

Needs a Python with lm_eval 0.4.13, torch and transformers (CPU is enough).
Steps:
1. train/lm_eval_data.py turns ../shared/datasets into the Hugging Face row
   layout as JSON Lines, with task YAMLs that `include:` the harness's own YAML
   and change only dataset_path/dataset_kwargs (and drop splits that have no
   rows here), so prompts, target delimiter, few-shot and metrics are the
   harness's.
2. runs of `python -m lm_eval run --model hf ... --log_samples`: the
   zero-shot tasks; the MMLU subjects 5-shot (first_n of each subject's dev
   split, as the harness's mmlu YAML says); with --mmlu-zero-shot, the same
   subjects 0-shot too.
   dtype float32: QuantLab computes in f32 from the f16 weights, so the f16
   checkpoint is upcast to float32 on load. Batch size 1: no padding.
3. the fixtures: for each item the harness's request arguments (context,
   continuation), each request's (loglikelihood, is_greedy), the tokens the
   harness's own HFLM._encode_pair makes of it (context length, continuation
   ids), and the harness's per-item metrics (acc, acc_norm; mc2 score;
   lambada's acc and loglikelihood), plus its aggregate metrics.
--reuse skips step 2 when its outputs exist (to rewrite only the fixtures).
"""
import argparse
import glob
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "train"))
import lm_eval_data  # noqa: E402

ZERO_SHOT = ["piqa", "arc_easy", "winogrande", "boolq", "truthfulqa_mc1", "truthfulqa_mc2", "lambada_openai"]
MMLU = ["mmlu_" + s for s in lm_eval_data.MMLU_SUBJECTS]
RUNS = [("zeroshot", ZERO_SHOT, None), ("mmlu5", MMLU, 5)]
MMLU_ZERO_SHOT = ("mmlu0", MMLU, 0)


def harness_command(model, tasks, num_fewshot, limit, task_dir, out_dir):
    cmd = ["python", "-m", "lm_eval", "run", "--model", "hf",
           "--model_args", "pretrained=%s,dtype=float32" % model,
           "--tasks", ",".join(tasks), "--include_path", task_dir,
           "--limit", str(limit), "--batch_size", "1", "--device", "cpu",
           "--log_samples", "--output_path", out_dir]
    if num_fewshot is not None:
        cmd += ["--num_fewshot", str(num_fewshot)]
    return cmd


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def common_prefix_to_line(strings):
    """The longest common prefix of strings, cut after its last newline."""
    p = os.path.commonprefix(strings)
    return p[: p.rfind("\n") + 1] if "\n" in p else ""


def latest(pattern):
    found = sorted(glob.glob(pattern))
    if not found:
        raise FileNotFoundError(pattern)
    return found[-1]


def fixture(task, fixture_name, run_dir, run_cmd, run_seconds, nshot, lm, model_files, sources, limit):
    results = json.load(open(latest(os.path.join(run_dir, "*", "results_*.json")), encoding="utf-8"))
    samples = [json.loads(l) for l in open(latest(os.path.join(run_dir, "*", "samples_%s_*.jsonl" % task)),
                                           encoding="utf-8")]
    samples.sort(key=lambda s: s["doc_id"])
    assert [s["doc_id"] for s in samples] == list(range(len(samples))) and len(samples) == limit, task
    cfg = results["configs"][task]
    max_length = results["max_length"]
    items, contexts, n_truncated = [], [], 0
    for s in samples:
        args = [s["arguments"]["gen_args_%d" % i] for i in range(len(s["arguments"]))]
        assert len(args) == len(s["filtered_resps"]), (task, s["doc_id"])
        reqs = []
        for a, r in zip(args, s["filtered_resps"]):
            ctx, cont = a["arg_0"], a["arg_1"]
            ctx_ids, cont_ids = lm._encode_pair(ctx, cont)
            reqs.append({"context": ctx, "continuation": cont,
                         "loglikelihood": float(r[0]), "is_greedy": r[1] == "True" or r[1] is True,
                         "context_tokens": len(ctx_ids), "continuation_ids": cont_ids})
            if len(ctx_ids) + len(cont_ids) > max_length + 1:
                # the harness keeps only the last max_length + 1 tokens of context + continuation
                reqs[-1]["truncated"] = True
                n_truncated += 1
            assert r[1] in ("True", "False", True, False), r
        item = {"doc_id": s["doc_id"], "target": s["target"]}
        ctxs = {q["context"] for q in reqs}
        if len(ctxs) == 1:
            item["context"] = reqs[0]["context"]
            for q in reqs:
                del q["context"]
        item["requests"] = reqs
        for m in s["metrics"]:
            item[m] = s[m]
        contexts += list(ctxs)
        items.append(item)
    prefix = common_prefix_to_line(contexts)
    if prefix:
        for it in items:
            for holder in [it] + it["requests"]:
                if "context" in holder:
                    assert holder["context"].startswith(prefix)
                    holder["context"] = holder["context"][len(prefix):]
    agg = {k.replace(",none", ""): v for k, v in results["results"][task].items() if k.endswith(",none")}
    out = {
        "description": "lm-evaluation-harness %s on %s, its own per-item output for the first %d items "
                       "(--log_samples). A request's full context is context_prefix + its context (the "
                       "item's when all its requests share one); score = loglikelihood of the continuation."
                       % (results["lm_eval_version"], task, limit),
        "task": task,
        "task_version": results["versions"][task],
        "num_fewshot": results["n-shot"][task],
        "output_type": cfg["output_type"],
        "harness": {"lm_eval": results["lm_eval_version"], "transformers": results["transformers_version"],
                    "torch": results["pretty_env_info"].split("\n")[0].split(": ")[-1],
                    "model": "hf (HFLM)", "dtype": "float32 (the f16 checkpoint upcast on load)",
                    "batch_size": 1, "device": "cpu", "max_length": max_length,
                    "add_bos_token": False, "tokenizer_bos_token": results["tokenizer_bos_token"][0]},
        "command": " ".join(shlex.quote(c) for c in run_cmd),
        "run_seconds": round(run_seconds, 1),
        "model": {"path": model_files["path"],
                  "sha256": model_files["sha256"]},
        "data": sources[task],
        "prompt": {k: cfg.get(k) for k in ("doc_to_text", "doc_to_choice", "doc_to_target", "description",
                                            "target_delimiter", "fewshot_delimiter")},
        "fewshot_config": cfg.get("fewshot_config") if nshot else None,
        "limit": limit,
        "n_samples": results["n-samples"][task],
        "aggregate": agg,
        "requests_truncated": n_truncated,
        "context_prefix": prefix,
        "items": items,
    }
    return fixture_name, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--model", default="public/models/quantlab-tiny")
    ap.add_argument("--fixtures", default="test/fixtures/lm-eval")
    ap.add_argument("--work", default="work/lm-eval")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--mmlu-zero-shot", action="store_true", help="also the MMLU subjects 0-shot")
    args = ap.parse_args()
    runs = RUNS + ([MMLU_ZERO_SHOT] if args.mmlu_zero_shot else [])
    os.chdir(ROOT)
    env = dict(os.environ, HF_HOME=os.path.join(ROOT, args.work, "hf"), HF_DATASETS_OFFLINE="1",
               HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    os.environ.update(env)
    t_all = time.time()
    sources = lm_eval_data.main(args.work)
    task_dir = os.path.join(args.work, "tasks")
    timings, commands = {}, {}
    for name, tasks, nshot in runs:
        out_dir = os.path.join(args.work, "out", name)
        cmd = harness_command(args.model, tasks, nshot, args.limit, task_dir, out_dir)
        commands[name] = cmd
        if args.reuse and glob.glob(os.path.join(out_dir, "*", "results_*.json")):
            timings[name] = json.load(open(os.path.join(out_dir, "seconds.json")))["seconds"]
            continue
        print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
        t0 = time.time()
        with open(os.path.join(args.work, "%s.log" % name), "w") as log:
            subprocess.run([sys.executable] + cmd[1:], env=env, check=True, stdout=log, stderr=subprocess.STDOUT)
        timings[name] = time.time() - t0
        json.dump({"seconds": timings[name]}, open(os.path.join(out_dir, "seconds.json"), "w"))
        print("  %.0f s" % timings[name], flush=True)

    from lm_eval.models.huggingface import HFLM
    lm = HFLM(pretrained=args.model, dtype="float32", device="cpu", batch_size=1)
    model_files = {"path": args.model, "sha256": {
        f: file_sha256(os.path.join(args.model, f)) for f in sorted(os.listdir(args.model))
        if f.endswith((".safetensors", ".json"))}}
    os.makedirs(args.fixtures, exist_ok=True)
    for name, tasks, nshot in runs:
        for task in tasks:
            fname = task if nshot is None else "%s.%dshot" % (task, nshot)
            fname, out = fixture(task, fname, os.path.join(args.work, "out", name), commands[name], timings[name],
                                 nshot, lm, model_files, sources, args.limit)
            path = os.path.join(args.fixtures, fname + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
                f.write("\n")
            print("%-34s %7d bytes  %s" % (path, os.path.getsize(path),
                                          "  ".join("%s %.4f" % (k, v) for k, v in out["aggregate"].items()
                                                    if not k.endswith("stderr"))))
    print("all done in %.0f s" % (time.time() - t_all))


if __name__ == "__main__":
    main()
