"""Run every ``bench_*.py`` here, one after another, and print a summary table.

    python tests/benchmarks/run_all.py [-n N] [--only run_wait,import]

Each script's own output is shown as it runs; the summary reads their ``BENCH-RESULT`` lines.
Always exits 0 unless a script crashed: numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import RESULT_PREFIX, fmt_s  # noqa: E402

ORDER = ["bench_import", "bench_logging", "bench_register", "bench_run_wait"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, help="repetitions for every script")
    parser.add_argument("--only", help="comma-separated names, e.g. run_wait,import")
    args = parser.parse_args()
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    if args.only:
        wanted = {w if w.startswith("bench_") else f"bench_{w}" for w in args.only.split(",")}
        names = [n for n in names if n in wanted]
    results, crashed = [], []
    for name in names:
        cmd = [sys.executable, str(HERE / f"{name}.py")]
        if args.repeat:
            cmd += ["-n", str(args.repeat)]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                results.append(json.loads(line[len(RESULT_PREFIX) :]))
            else:
                sys.stdout.write(line)
        code = proc.wait()
        print(f"[{name}: exit {code}, {time.perf_counter() - start:.0f} s]\n", flush=True)
        if code != 0:
            crashed.append(name)

    # Timed comparisons carry a ratio; the rest (e.g. the bundle size) are facts, reported as is.
    facts = [r for r in results if "ratio" not in r]
    rows = [["benchmark", "ours (median)", "baseline (median)", "ratio", "target", "verdict"]]
    for r in (r for r in results if "ratio" in r):
        verdict = "reported" if r["met"] is None else ("MET" if r["met"] else "MISSED")
        rows.append(
            [
                r["case"],
                f"{fmt_s(r['ours']['median'])} [{fmt_s(r['ours']['min'])}-{fmt_s(r['ours']['max'])}]",
                f"{fmt_s(r['baseline']['median'])} ({r['baseline_label']})",
                f"{r['ratio']:.3f}x",
                r["target"],
                verdict,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print("SUMMARY")
    for i, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for r in facts:
        values = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("bench", "case"))
        print(f"  {r['case']}: {values}")
    for name in crashed:
        print(f"  {name}: CRASHED (see its output above)")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
