"""``import jupyter_mlops`` in a fresh interpreter vs ``import mlflow``.

Target: ours under 0.2 s, with MLflow (and ideally pandas, papermill, plotly) not imported.
Each sample is a new ``python -c`` process timing only the import statement.

    python tests/benchmarks/bench_import.py [-n 10]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report

TARGET_S = 0.2
HEAVY = ("mlflow", "pandas", "papermill", "plotly", "sqlalchemy", "pydantic", "nbformat")

PROBE = (
    "import sys, time, json\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "elapsed = time.perf_counter() - t\n"
    "print(json.dumps({{'s': elapsed, 'loaded': [m for m in {heavy!r} if m in sys.modules],"
    " 'modules': len(sys.modules)}}))\n"
)


def probe(module: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], default_n=10)
    header(f"bench_import: import jupyter_mlops vs import mlflow  (N={args.repeat})")
    with bench_folder("import", args.keep):
        probe("jupyter_mlops")  # warm-up: bytecode and OS file caches
        probe("mlflow")
        ours, base, last = [], [], None
        for _ in range(args.repeat):
            last = probe("jupyter_mlops")
            ours.append(last["s"])
            base.append(probe("mlflow")["s"])
        print_table(
            "time of the import statement in a fresh interpreter",
            [("import jupyter_mlops", ours), ("baseline: import mlflow", base)],
        )
        print(f"  after import jupyter_mlops: {last['modules']} modules in sys.modules")
        for name in HEAVY:
            print(f"    {name:10} imported: {name in last['loaded']}")
        mlflow_loaded = "mlflow" in last["loaded"]
        met = statistics.median(ours) < TARGET_S and not mlflow_loaded
        report(
            "bench_import",
            "import jupyter_mlops vs import mlflow",
            ("import jupyter_mlops", ours),
            ("import mlflow", base),
            f"< {TARGET_S} s absolute, mlflow not imported",
            met,
            extra={
                "loaded_after_import": last["loaded"],
                "absolute_median_s": statistics.median(ours),
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
