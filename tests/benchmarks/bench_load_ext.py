"""``%load_ext jupyter_mlops`` in a fresh kernel vs ``import mlflow`` in a fresh kernel.

Target: the extension loads in under 150 ms, with MLflow, pandas and plotly not imported.
Each sample starts a new ipykernel and times only the statement, inside the kernel.

    python tests/benchmarks/bench_load_ext.py [-n 5]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report

TARGET_S = 0.150
HEAVY = ("mlflow", "pandas", "plotly", "papermill", "ipywidgets")

PROBE = (
    "import sys, time, json\n"
    "_t = time.perf_counter()\n"
    "{statement}\n"
    "_s = time.perf_counter() - _t\n"
    "print(json.dumps({{'s': _s, 'loaded': [m for m in {heavy!r} if m in sys.modules]}}))\n"
)
STATEMENTS = {
    "load_ext": "get_ipython().run_line_magic('load_ext', 'jupyter_mlops')",
    "mlflow": "import mlflow",
}


def in_fresh_kernel(statement: str) -> dict:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        lines: list[str] = []
        kc.execute_interactive(
            PROBE.format(statement=statement, heavy=HEAVY),
            timeout=120,
            output_hook=lambda msg: (
                lines.append(msg["content"].get("text", ""))
                if msg["msg_type"] == "stream"
                else None
            ),
        )
        return json.loads("".join(lines).strip().splitlines()[-1])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], default_n=5)
    header(
        f"bench_load_ext: %load_ext jupyter_mlops vs import mlflow, fresh kernels (N={args.repeat})"
    )
    with bench_folder("load-ext", args.keep):
        in_fresh_kernel(STATEMENTS["load_ext"])  # warm-up: bytecode and OS file caches
        in_fresh_kernel(STATEMENTS["mlflow"])
        ours, base, last = [], [], None
        for _ in range(args.repeat):  # interleaved against drift
            last = in_fresh_kernel(STATEMENTS["load_ext"])
            ours.append(last["s"])
            base.append(in_fresh_kernel(STATEMENTS["mlflow"])["s"])
        print_table(
            "time of the statement in a fresh kernel",
            [("%load_ext jupyter_mlops", ours), ("baseline: import mlflow", base)],
        )
        for name in HEAVY:
            print(f"    {name:10} imported by %load_ext: {name in last['loaded']}")
        heavy_loaded = [m for m in ("mlflow", "pandas", "plotly") if m in last["loaded"]]
        report(
            "bench_load_ext",
            "%load_ext jupyter_mlops vs import mlflow",
            ("%load_ext jupyter_mlops", ours),
            ("import mlflow", base),
            f"< {TARGET_S * 1000:.0f} ms absolute, no mlflow/pandas/plotly",
            statistics.median(ours) < TARGET_S and not heavy_loaded,
            extra={"loaded_after_load_ext": last["loaded"]},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
