#!/usr/bin/env python3
"""The authors' original benchmark files (../shared/datasets) in the row layout
of the Hugging Face datasets that lm-evaluation-harness's task YAMLs read, as
JSON Lines, plus task YAMLs that `include:` the harness's own YAML and change
only where the rows come from.

    python3 train/lm_eval_data.py OUT_DIR

writes OUT_DIR/data/*.jsonl and OUT_DIR/tasks/*.yaml. The rows are the same
as the Hub's (field names, types, order); the mapping of each file is in the
function that reads it. Python stdlib only, except the task YAMLs, which need
the harness installed (they name its task folder).
"""
import csv
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.join(ROOT, "..", "shared", "datasets")

# four MMLU subjects whose 5-shot prompts stay well under the model's 1024
# positions (so the harness never truncates them), from three of its groups
MMLU_SUBJECTS = ("abstract_algebra", "global_facts", "high_school_geography", "marketing")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def piqa():
    """ybisk's valid.jsonl + valid-labels.lst -> baber/piqa validation {goal, sol1, sol2, label}."""
    rows = read_jsonl(os.path.join(DATASETS, "piqa", "valid.jsonl"))
    with open(os.path.join(DATASETS, "piqa", "valid-labels.lst"), encoding="utf-8") as f:
        labels = [int(x) for x in f.read().split()]
    assert len(rows) == len(labels), (len(rows), len(labels))
    out = [{"goal": r["goal"], "sol1": r["sol1"], "sol2": r["sol2"], "label": l} for r, l in zip(rows, labels)]
    return {"validation": out}, ["piqa/valid.jsonl", "piqa/valid-labels.lst"]


def arc_easy():
    """AI2's ARC-Easy-Test.jsonl -> allenai/ai2_arc ARC-Easy test {id, question, choices{text,label}, answerKey}."""
    out = []
    for r in read_jsonl(os.path.join(DATASETS, "arc-easy", "ARC-Easy-Test.jsonl")):
        ch = r["question"]["choices"]
        out.append({"id": r["id"], "question": r["question"]["stem"],
                    "choices": {"text": [c["text"] for c in ch], "label": [c["label"] for c in ch]},
                    "answerKey": r["answerKey"]})
    return {"test": out}, ["arc-easy/ARC-Easy-Test.jsonl"]


def winogrande():
    """dev.jsonl -> allenai/winogrande winogrande_xl validation {sentence, option1, option2, answer}."""
    out = [{"sentence": r["sentence"], "option1": r["option1"], "option2": r["option2"], "answer": r["answer"]}
           for r in read_jsonl(os.path.join(DATASETS, "winogrande", "dev.jsonl"))]
    return {"validation": out}, ["winogrande/dev.jsonl"]


def boolq():
    """Google's dev.jsonl -> super_glue boolq validation {question, passage, idx, label}.
    SuperGLUE's passage is the original's title, " -- ", then its passage."""
    out = []
    for i, r in enumerate(read_jsonl(os.path.join(DATASETS, "boolq", "dev.jsonl"))):
        assert isinstance(r["answer"], bool), i
        out.append({"question": r["question"], "passage": r["title"] + " -- " + r["passage"],
                    "idx": i, "label": int(r["answer"])})
    return {"validation": out}, ["boolq/dev.jsonl"]


def truthfulqa_mc():
    """mc_task.json -> truthful_qa multiple_choice validation {question, mc1_targets{choices,labels}, mc2_targets}.
    The choices keep the file's key order."""
    with open(os.path.join(DATASETS, "truthfulqa", "mc_task.json"), encoding="utf-8") as f:
        rows = json.load(f)

    def targets(d):
        return {"choices": list(d.keys()), "labels": [int(v) for v in d.values()]}

    out = [{"question": r["question"], "mc1_targets": targets(r["mc1_targets"]),
            "mc2_targets": targets(r["mc2_targets"])} for r in rows]
    return {"validation": out}, ["truthfulqa/mc_task.json"]


def lambada():
    """lambada_test.jsonl -> EleutherAI/lambada_openai default test {text}."""
    out = [{"text": r["text"]} for r in read_jsonl(os.path.join(DATASETS, "lambada", "lambada_test.jsonl"))]
    return {"test": out}, ["lambada/lambada_test.jsonl"]


def mmlu(subject):
    """Hendrycks' SUBJECT_{test,dev}.csv (no header: question, A, B, C, D, letter)
    -> cais/mmlu SUBJECT {question, subject, choices, answer}."""
    splits = {}
    for split in ("test", "dev"):
        path = os.path.join(DATASETS, "mmlu", split, "%s_%s.csv" % (subject, split))
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        out = []
        for i, r in enumerate(rows):
            assert len(r) == 6 and r[5] in "ABCD", (path, i, r)
            out.append({"question": r[0], "subject": subject, "choices": r[1:5], "answer": "ABCD".index(r[5])})
        splits[split] = out
    return splits, ["mmlu/test/%s_test.csv" % subject, "mmlu/dev/%s_dev.csv" % subject]


def harness_task_dir():
    import lm_eval
    return os.path.join(os.path.dirname(lm_eval.__file__), "tasks")


# task -> (stem of its data files, rows function, the harness's YAML it includes,
#          splits named in the harness's YAML that have no rows here)
TASKS = {
    "piqa": ("piqa", piqa, "piqa/piqa.yaml", ["training_split"]),
    "arc_easy": ("arc_easy", arc_easy, "arc/arc_easy.yaml", ["training_split", "validation_split"]),
    "winogrande": ("winogrande", winogrande, "winogrande/default.yaml", ["training_split"]),
    "boolq": ("boolq", boolq, "super_glue/boolq/default.yaml", ["training_split"]),
    "truthfulqa_mc1": ("truthfulqa_mc", truthfulqa_mc, "truthfulqa/truthfulqa_mc1.yaml", []),
    "truthfulqa_mc2": ("truthfulqa_mc", truthfulqa_mc, "truthfulqa/truthfulqa_mc2.yaml", []),
    "lambada_openai": ("lambada_openai", lambada, "lambada/lambada_openai.yaml", []),
}
for _s in MMLU_SUBJECTS:
    TASKS["mmlu_" + _s] = ("mmlu_" + _s, (lambda s: lambda: mmlu(s))(_s), "mmlu/default/mmlu_%s.yaml" % _s, [])


def write_yaml(path, include, data_files, null_splits):
    """Only the source of the rows changes; prompts, delimiters, few-shot and metrics stay the harness's."""
    lines = ["include: %s" % json.dumps(include), "dataset_path: json", "dataset_name: null",
             "dataset_kwargs:", "  data_files:"]
    lines += ["    %s: %s" % (split, json.dumps(p)) for split, p in data_files.items()]
    lines += ["%s: null" % k for k in null_splits]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(out_dir):
    data_dir, task_dir = os.path.join(out_dir, "data"), os.path.join(out_dir, "tasks")
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(task_dir, exist_ok=True)
    harness = harness_task_dir()
    sources, written = {}, {}
    for task, (stem, rows_fn, include, null_splits) in TASKS.items():
        if stem not in written:
            splits, originals = rows_fn()
            files = {}
            for split, rows in splits.items():
                p = os.path.abspath(os.path.join(data_dir, "%s.%s.jsonl" % (stem, split)))
                with open(p, "w", encoding="utf-8") as f:
                    for r in rows:
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")
                files[split] = p
            written[stem] = (files, originals)
        files, originals = written[stem]
        write_yaml(os.path.join(task_dir, task + ".yaml"), os.path.join(harness, include), files, null_splits)
        sources[task] = {"harness_yaml": "lm_eval/tasks/" + include,
                         "original_files": {o: sha256(os.path.join(DATASETS, o)) for o in originals},
                         "rows": {s: sum(1 for _ in open(p, encoding="utf-8")) for s, p in files.items()}}
    with open(os.path.join(out_dir, "sources.json"), "w", encoding="utf-8") as f:
        json.dump(sources, f, indent=1)
    return sources


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: lm_eval_data.py OUT_DIR")
    for t, s in main(sys.argv[1]).items():
        print(t, s["rows"], s["harness_yaml"])
