"""Kernel peers of `quantlab bench --kernels`, on the device: cuBLAS f16 (torch.nn.functional.linear) and
tinygemm int4 with groups of 128 (torch._weight_int4pack_mm) for the matrix-vector product (M=1) and the
prefill product (M=512) of the same matrices, W [rows][cols]. Each figure cycles through enough copies of the
matrix (256 MB in all, at most 64) that no read comes from the L2, as QuantLab's bench does. Prints one JSON
record a line (--json) or a line of text a figure."""
import argparse
import json
import math

import torch
import torch.nn.functional as F

SHAPES = [(4096, 4096), (14336, 4096), (4096, 14336)]
ROTATION_BYTES = 256e6
MAX_COPIES = 64


def time_us(fn, copies, iterations):
    for i in range(copies):
        fn(i)
    torch.cuda.synchronize()
    best = math.inf
    for _ in range(3):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for i in range(iterations):
            fn(i % copies)
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) * 1000 / iterations)
    return best


def int4_pack(w):
    """tinygemm's layout of w [rows][cols] quantized asymmetrically in groups of 128 (its own formula: w = (q - 8) * scale + zero)."""
    rows, cols = w.shape
    groups = w.float().reshape(rows, cols // 128, 128)
    lo, hi = groups.amin(-1, keepdim=True), groups.amax(-1, keepdim=True)
    scale = ((hi - lo).clamp(min=1e-6) / 15)
    zero = lo + 8 * scale
    q = ((groups - lo) / scale).round().clamp(0, 15).to(torch.int32).reshape(rows, cols)
    packed = (q[:, ::2] << 4 | q[:, 1::2]).to(torch.uint8)
    weight = torch.ops.aten._convert_weight_to_int4pack(packed, 8)
    scales_zeros = torch.stack([scale.squeeze(-1), zero.squeeze(-1)], -1).transpose(0, 1).contiguous().to(torch.bfloat16)
    bytes_ = weight.numel() * weight.element_size() + scales_zeros.numel() * 2
    return (weight, scales_zeros), bytes_


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    device = torch.cuda.get_device_name()
    out = []
    for rows, cols in SHAPES:
        for fmt in ("cublas-f16", "tinygemm-w4g128"):
            torch.manual_seed(0)
            if fmt == "cublas-f16":
                copies = min(MAX_COPIES, max(2, math.ceil(ROTATION_BYTES / (rows * cols * 2))))
                ws = [torch.randn(rows, cols, device="cuda", dtype=torch.float16) * 0.02 for _ in range(copies)]
                wbytes = rows * cols * 2
                dtype = torch.float16
                run = lambda x, i: F.linear(x, ws[i])
            else:
                pack, wbytes = int4_pack(torch.randn(rows, cols, device="cuda") * 0.02)
                copies = min(MAX_COPIES, max(2, math.ceil(ROTATION_BYTES / wbytes)))
                packs = [pack] + [int4_pack(torch.randn(rows, cols, device="cuda") * 0.02)[0] for _ in range(copies - 1)]
                dtype = torch.bfloat16
                run = lambda x, i: torch._weight_int4pack_mm(x, packs[i][0], 128, packs[i][1])
            for tokens in (1, 512):
                x = torch.randn(tokens, cols, device="cuda", dtype=dtype)
                us = time_us(lambda i: run(x, i), copies, args.iterations if tokens == 1 else max(10, args.iterations // 20))
                bytes_ = wbytes + tokens * (rows + cols) * 2
                record = {
                    "peer": fmt, "kernel": "matvec" if tokens == 1 else "matmul", "rows": rows, "cols": cols, "tokens": tokens,
                    "copies": copies, "microseconds": us, "gb_per_s": bytes_ / us / 1e3,
                    "tflop_per_s": 2 * tokens * rows * cols / us / 1e6, "device": device, "torch": torch.__version__,
                }
                out.append(record)
                if args.json:
                    print(json.dumps(record), flush=True)
                else:
                    what = "matvec (M=1)" if tokens == 1 else f"matmul (M={tokens})"
                    flops = f", {record['tflop_per_s']:.1f} TFLOP/s" if tokens > 1 else ""
                    print(f"peer {fmt:16} {rows}x{cols:<6} {what}: {us:.1f} us, {record['gb_per_s']:.0f} GB/s{flops}, {copies} copies", flush=True)
            del run
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
