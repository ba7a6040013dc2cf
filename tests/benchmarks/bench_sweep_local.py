"""Local sweeps and single runs through the warm job host, against papermill in a process pool.

Every measurement is a whole process, as a user starts it, on the embedded store:

1. an 8-point sweep of a trivial notebook, ``jupyter mlops run NB --sweep x=1,...,8 --wait``
   with the job host already running, against a script running ``papermill.execute_notebook``
   in ``ProcessPoolExecutor(2)`` over the same points. Target <= 0.8x.
2. a 16-run training sweep (scikit-learn, digits) the same way. Target <= 1.0x.
3. ``jupyter mlops run NB --wait`` of the trivial notebook against the papermill CLI: with the
   host running (target <= 0.5x), and the first run that starts the host (target <= 1.3x).

Both sides alternate in one run; medians of ``-n`` (default 3).

    python tests/benchmarks/bench_sweep_local.py [-n 3] [--only 1,2,3]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, write_notebook

TRIVIAL = "y = x * 2"
TRAINING = (
    "from sklearn.datasets import load_digits\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import cross_val_score\n"
    "X, y = load_digits(return_X_y=True)\n"
    "score = cross_val_score(LogisticRegression(C=x, max_iter=300), X, y, cv=3).mean()\n"
    "print(score)"
)
POOL = """
import sys
from concurrent.futures import ProcessPoolExecutor
import papermill

def one(x):
    papermill.execute_notebook(sys.argv[1], sys.argv[2] + f"/out-{x}.ipynb",
                               parameters={"x": x}, progress_bar=False)

if __name__ == "__main__":
    points = [float(p) for p in sys.argv[3].split(",")]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one, points))
"""


def timed_cmd(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "jupyter_mlops.cli", *args]


def stop_host() -> None:
    """Kill the running host by its pid (as a host that idled out), and wait for it."""
    import psutil

    proc = subprocess.run(cli("host", "status", "--json"), capture_output=True, text=True)
    pid = json.loads(proc.stdout).get("pid")
    if pid:
        host = psutil.Process(pid)
        family = [host, *host.children(recursive=True)]
        for p in family:
            p.kill()
        psutil.wait_procs(family, timeout=30)


def sweep_case(work: Path, name: str, body: str, points: int, repeat: int, target: float) -> None:
    nb = work / f"{name}.ipynb"
    write_notebook(nb, body, "x = 1.0")
    values = ",".join(str(0.1 * (i + 1)) for i in range(points))
    out = work / f"pool-{name}"
    out.mkdir()
    pool_script = work / "pool.py"
    pool_script.write_text(POOL)
    ours_cmd = cli("run", str(nb), "--sweep", f"x={values}", "--wait", "--json")
    base_cmd = [sys.executable, str(pool_script), str(nb), str(out), values]
    timed_cmd(ours_cmd)  # warm-up: the store's tables, the host, OS caches
    timed_cmd(base_cmd)
    ours, base = [], []
    for _ in range(repeat):
        ours.append(timed_cmd(ours_cmd))
        base.append(timed_cmd(base_cmd))
    label = f"{points}-point sweep ({name})"
    print_table(
        label,
        [
            (f"jupyter mlops run --sweep ({points}) --wait, host running", ours),
            ("baseline: papermill.execute_notebook in ProcessPoolExecutor(2)", base),
        ],
    )
    report(
        "bench_sweep_local",
        label,
        ("run --sweep --wait (job host)", ours),
        ("papermill in ProcessPoolExecutor(2)", base),
        f"<= {target}x",
        statistics.median(ours) / statistics.median(base) <= target,
    )


def single_case(work: Path, repeat: int) -> None:
    nb = work / "single.ipynb"
    write_notebook(nb, TRIVIAL, "x = 1.0")
    ours_cmd = cli("run", str(nb), "-p", "x", "2", "--wait", "--json")
    base_cmd = [sys.executable, "-m", "papermill", str(nb), str(work / "pm.ipynb"), "-p", "x", "2"]
    timed_cmd(ours_cmd)
    timed_cmd(base_cmd)
    warm, cold, base = [], [], []
    for _ in range(repeat):
        warm.append(timed_cmd(ours_cmd))
        base.append(timed_cmd(base_cmd))
        stop_host()
        cold.append(timed_cmd(ours_cmd))
    print_table(
        "one run --wait of a trivial notebook",
        [
            ("jupyter mlops run --wait, host running", warm),
            ("jupyter mlops run --wait, host started by it", cold),
            ("baseline: papermill CLI", base),
        ],
    )
    report(
        "bench_sweep_local",
        "run --wait, host running, vs papermill CLI",
        ("run --wait (host running)", warm),
        ("papermill CLI", base),
        "<= 0.5x",
        statistics.median(warm) / statistics.median(base) <= 0.5,
    )
    report(
        "bench_sweep_local",
        "first run --wait (host start included) vs papermill CLI",
        ("run --wait (host starts)", cold),
        ("papermill CLI", base),
        "<= 1.3x",
        statistics.median(cold) / statistics.median(base) <= 1.3,
    )


def main() -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        default_n=3,
        extra=lambda p: p.add_argument("--only", default="1,2,3"),
    )
    cases = set(args.only.split(","))
    header(f"bench_sweep_local: the job host vs papermill in a process pool (N={args.repeat})")
    with bench_folder("sweep-local", args.keep) as work:
        os.environ.pop("JUPYTER_MLOPS_HOST", None)
        os.environ["JUPYTER_MLOPS_MAX_CONCURRENCY"] = "2"
        try:
            if "1" in cases:
                sweep_case(work, "trivial", TRIVIAL, 8, args.repeat, 0.8)
            if "2" in cases:
                sweep_case(work, "training", TRAINING, 16, args.repeat, 1.0)
            if "3" in cases:
                single_case(work, args.repeat)
        finally:
            stop_host()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
