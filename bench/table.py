"""Prints the speed table (markdown) from the JSON lines bench/device-speed.sh writes in one folder:
kernels.jsonl (quantlab bench --kernels, with the ceilings), peer-kernels.jsonl, models.jsonl (quantlab bench
--model synthetic:*), peer-models.jsonl."""
import json
import sys
from pathlib import Path


def records(folder, name):
    path = Path(folder) / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out


def main(folder):
    kernels = records(folder, "kernels.jsonl")
    ceilings = next((r["ceilings"] for r in kernels + records(folder, "models.jsonl") if "ceilings" in r), None)
    if ceilings:
        print(f"Ceilings measured in this run: copy {ceilings['copy_gb_per_s']:.0f} GB/s (read + write), "
              f"read {ceilings['read_gb_per_s']:.0f} GB/s.\n")
    models = [r for r in records(folder, "models.jsonl") if "preset" in r]
    peers = records(folder, "peer-models.jsonl")
    if models or peers:
        print("| model | preset | prefill tok/s (TFLOP/s) | first token ms | decode tok/s | MB a token | GB/s (% of read ceiling) | GPU memory GB |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in models:
            share = f" ({r['percent_of_read_ceiling']:.0f}%)" if r.get("percent_of_read_ceiling") is not None else ""
            memory = sum(r["memory"].values()) / 1e9
            print(f"| {r['model']} | {r['preset']} | {r['prefill_tokens_per_second']:.0f} ({r['prefill_tflop_per_s']:.1f}) | "
                  f"{r['time_to_first_token_ms']:.1f} | {r['decode_tokens_per_second']:.1f} | {r['decode_bytes_per_token'] / 1e6:.0f} | "
                  f"{r['decode_bandwidth_gb_per_s']:.0f}{share} | {memory:.2f} |")
        for r in peers:
            if "error" in r:
                print(f"| {r['shape']} | {r['peer']} | failed: {r['error'][:80]} | | | | | |")
                continue
            print(f"| {r['shape']} | {r['peer']} fp16 | {r['prefill_tokens_per_second']:.0f} | {r['time_to_first_token_ms']:.1f} | "
                  f"{r['decode_tokens_per_second']:.1f} | | | {r['gpu_memory_bytes'] / 1e9:.2f} |")
        print()
    figures = [r for r in kernels if "kernel" in r] + [r for r in records(folder, "peer-kernels.jsonl") if "kernel" in r]
    if figures:
        print("| kernel | weights | matrix (rows x cols) | us | GB/s (% of read ceiling) | TFLOP/s | workgroup |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        order = {"matvec": 0, "matmul": 1}
        for r in sorted(figures, key=lambda r: (order[r["kernel"]], r["rows"], r["cols"], r.get("peer", ""), r.get("format", ""))):
            what = "matvec M=1" if r["kernel"] == "matvec" else f"matmul M={r['tokens']}"
            who = r.get("peer") or f"QuantLab {r['format']}"
            share = r.get("percent_of_read_ceiling")
            if share is None and ceilings and "peer" in r:
                share = 100 * r["gb_per_s"] / ceilings["read_gb_per_s"]
            share_text = f" ({share:.0f}%)" if share is not None else ""
            flops = f"{r['tflop_per_s']:.1f}" if r["kernel"] == "matmul" else ""
            print(f"| {what} | {who} | {r['rows']}x{r['cols']} | {r['microseconds']:.1f} | {r['gb_per_s']:.0f}{share_text} | {flops} | {r.get('threads') or ''} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-out")
