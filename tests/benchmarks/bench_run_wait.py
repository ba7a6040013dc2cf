"""``jupyter mlops run NB -p x 2 --wait`` vs the bare papermill CLI on the same trivial notebook.

Both run as a user runs them: a fresh ``python -m ...`` process each time, embedded store.
Target: ours at most 1.3x the papermill CLI. Besides the totals, each measured run is split
into phases using what the job records on its MLflow run (submit time, runner start and end,
run end), so the table shows where the time goes.

    python tests/benchmarks/bench_run_wait.py [-n 5]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, fmt_s, header, parse_args, print_table, report, write_notebook

TARGET = 1.3


def run_cmd(cmd: list[str]) -> tuple[float, float, float, str]:
    """(seconds, wall start, wall end, stdout) of one subprocess; raises if it fails."""
    t_wall = time.time()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, t_wall, t_wall + elapsed, proc.stdout


def ours_cmd(nb: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyter_mlops.cli",
        "run",
        str(nb),
        "-p",
        "x",
        "2",
        "--wait",
        "--json",
    ]


def papermill_cmd(nb: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "papermill", str(nb), str(out), "-p", "x", "2"]


def phases(run_id: str, launched: float, exited: float) -> dict[str, float]:
    """Split one job's wall time using the timestamps it recorded on its run."""
    from mlflow import MlflowClient

    from jupyter_mlops.config import get_settings

    client = MlflowClient(get_settings().tracking_uri)
    run = client.get_run(run_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = client.download_artifacts(run_id, "receipt.json", tmp)
        timings = json.loads(Path(path).read_text())["timings"]
    submitted = float(run.data.tags["mlops.job.submitted_at"])
    started = float(timings["started"])
    finished = float(timings["finished"])
    ended = run.info.end_time / 1000
    return {
        "1 CLI start -> run created (job process start, MLflow import)": submitted - launched,
        "2 run created -> runner RUNNING (run handed to the runner)": started - submitted,
        "3 runner: papermill (import, kernel, cells)": finished - started,
        "4 runner: output artifact, receipt, status": ended - finished,
        "5 run ended -> CLI exited (poll + exit)": exited - ended,
    }


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    header(f"bench_run_wait: jupyter mlops run --wait vs papermill CLI  (N={args.repeat})")
    with bench_folder("run-wait", args.keep) as work:
        nb = work / "trivial.ipynb"
        write_notebook(nb, "y = x * 2", "x = 1")
        out = work / "papermill-out.ipynb"
        # Warm up: the first run on a new store creates its tables; OS caches fill for both.
        run_cmd(ours_cmd(nb))
        run_cmd(papermill_cmd(nb, out))
        ours: list[float] = []
        base: list[float] = []
        split: list[dict[str, float]] = []
        for _ in range(args.repeat):  # interleaved, so drift on a noisy machine hits both
            elapsed, launched, exited, stdout = run_cmd(ours_cmd(nb))
            ours.append(elapsed)
            split.append(phases(json.loads(stdout)["run_id"], launched, exited))
            base.append(run_cmd(papermill_cmd(nb, out))[0])
        print_table(
            "totals (wall time of the whole command)",
            [
                ("jupyter mlops run NB -p x 2 --wait", ours),
                ("baseline: papermill NB OUT -p x 2", base),
            ],
        )
        result = report(
            "bench_run_wait",
            "run --wait vs papermill CLI",
            ("jupyter mlops run --wait", ours),
            ("papermill CLI", base),
            f"<= {TARGET}x",
            statistics.median(ours) / statistics.median(base) <= TARGET,
            extra={"phases_median": {k: statistics.median(p[k] for p in split) for k in split[0]}},
        )
        print(
            "\nwhere our time goes (median over the measured runs, from the run's own timestamps)"
        )
        for key, value in result["phases_median"].items():
            print(f"  {key.ljust(62)} {fmt_s(value):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
