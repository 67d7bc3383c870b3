"""Reads the JSON lines of `quantlab bench --kernels --sweep --json` and prints, for each weight format and
matrix, the workgroup size of the 16-byte matrix-vector kernels that ran fastest, with the time of each size:
the data behind MATVEC_TUNED in src/engine/ops/matvec.ts."""
import json
import sys
from collections import defaultdict

runs = defaultdict(dict)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "sweep.jsonl"):
    try:
        r = json.loads(line)
    except json.JSONDecodeError:
        continue
    if r.get("kernel") == "matvec" and r.get("threads"):
        runs[(r["format"], r["rows"], r["cols"])][r["threads"]] = r["microseconds"]
for (fmt, rows, cols), times in sorted(runs.items()):
    best = min(times, key=times.get)
    listed = ", ".join(f"{t}: {us:.1f} us" for t, us in sorted(times.items()))
    print(f"{fmt:9} {rows}x{cols:<6} best {best:3} ({listed})")
