"""``jupyter mlops replay RUN`` vs a fresh ``jupyter mlops run NB --wait`` of the same notebook.

Both run as a user runs them: a fresh ``python -m ...`` process each time, embedded store,
interleaved so drift on a noisy machine hits both. The replay does everything a run does plus
its checks: read the receipt, fingerprint the inputs, compare the environment, fetch the
snapshot, compare metrics and tag the verdict on both runs. Target: at most 1.2x.

    python tests/benchmarks/bench_replay.py [-n 5]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, write_notebook

TARGET = 1.2


def cli(*args: str) -> tuple[float, dict]:
    """(seconds, JSON output) of one ``jupyter mlops`` process; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_mlops.cli", *args, "--json"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, json.loads(proc.stdout)


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    header(f"bench_replay: jupyter mlops replay vs jupyter mlops run --wait  (N={args.repeat})")
    with bench_folder("replay", args.keep) as work:
        nb = work / "trivial.ipynb"
        write_notebook(nb, "import mlflow\nmlflow.log_metric('y', x * 2)", "x = 1")
        (work / "data.csv").write_text("a,b\n1,2\n")
        run = ["run", str(nb), "-p", "x", "2", "--wait"]
        # Warm up: the first run creates the store's tables; OS caches fill for both.
        original = cli(*run)[1]["run_id"]
        verdict = cli("replay", original)[1]
        assert verdict["reproduced"], verdict
        ours: list[float] = []
        base: list[float] = []
        for _ in range(args.repeat):
            elapsed, result = cli("replay", original)
            assert result["reproduced"], result
            ours.append(elapsed)
            base.append(cli(*run)[0])
        print_table(
            "totals (wall time of the whole command)",
            [
                ("jupyter mlops replay RUN", ours),
                ("baseline: jupyter mlops run NB -p x 2 --wait", base),
            ],
        )
        report(
            "bench_replay",
            "replay vs run --wait",
            ("jupyter mlops replay", ours),
            ("jupyter mlops run --wait", base),
            f"<= {TARGET}x",
            statistics.median(ours) / statistics.median(base) <= TARGET,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
