"""Optuna studies against the full grid, and pruning against no pruning, in the same run.

The notebook trains a gradient-boosting classifier on a generated data set for 8 epochs
(warm start, 10 trees each), reporting test accuracy after each one with
``jupyter_mlops.report``. Its grid is 5 learning rates x 6 depths = 30 runs.

1. Trials to reach within 1% of the best grid accuracy: TPE over the ranges
   ``learning_rate=0.01:1.0:log``, ``max_depth=1:6`` with a budget of a third of the grid
   (10 trials), one study per seed; the median number of trials it needed (a study that never
   got there counts as budget + 1). Target <= 1/3 of the grid's runs.
2. Compute saved by pruning: the same TPE study (16 trials, same seed) with ``--pruner median``
   and ``--pruner none``; the sum over its trials of each run's time from start to end, as
   their receipts say. Target: >= 30% saved.

Every run goes through ``jupyter mlops run ... --wait`` and the warm job host, two slots.

    python tests/benchmarks/bench_optimize.py [-n 3]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, write_notebook

PARAMS = "learning_rate: float = 0.1\nmax_depth: int = 3"
TRAIN = """
import jupyter_mlops
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=4000, n_features=20, n_informative=8, random_state=0)
Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
model = GradientBoostingClassifier(learning_rate=learning_rate, max_depth=max_depth,
                                   n_estimators=10, warm_start=True, random_state=0)
for epoch in range(8):
    model.set_params(n_estimators=10 * (epoch + 1)).fit(Xtr, ytr)
    jupyter_mlops.report(epoch, model.score(Xte, yte))
jupyter_mlops.log({"accuracy": model.score(Xte, yte)}, step=epoch)
"""
RATES = "0.01,0.03,0.1,0.3,1.0"
DEPTHS = "1,2,3,4,5,6"
RANGES = ["--sweep", "learning_rate=0.01:1.0:log", "--sweep", "max_depth=1:6"]


def cli(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_mlops.cli", *args, "--json", "--wait"],
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout)


def trials(parent: str) -> list:
    from jupyter_mlops.config import resolve_tracking_uri
    from jupyter_mlops.jobs import spec
    from jupyter_mlops.jobs.sweep_state import children_of
    from jupyter_mlops.tracking import Store

    runs = children_of(Store(resolve_tracking_uri()), parent)
    return sorted(runs, key=lambda r: int(r.data.tags[spec.STUDY_TRIAL]))


def cell_seconds(run_ids: list[str]) -> float:
    from jupyter_mlops import get_receipt

    total = 0.0
    for run_id in run_ids:
        timings = get_receipt(run_id)["timings"]
        total += float(timings["finished"]) - float(timings["started"])
    return total


def grid_vs_tpe(nb: Path, repeat: int) -> None:
    from jupyter_mlops.config import resolve_tracking_uri
    from jupyter_mlops.tracking import Store

    store = Store(resolve_tracking_uri())
    grid = cli(
        "run", str(nb), "--sweep", f"learning_rate={RATES}", "--sweep", f"max_depth={DEPTHS}"
    )
    scores = [store.run(j["run_id"]).data.metrics["accuracy"] for j in grid["jobs"]]
    best, size = max(scores), len(scores)
    budget = size // 3
    needed = []
    for seed in range(1, repeat + 1):
        found = cli("run", str(nb), "--optimize", "max(accuracy)", "--trials", str(budget),
                    *RANGES, "--seed", str(seed), "--pruner", "none")  # fmt: skip
        values = [t.data.metrics.get("accuracy", 0.0) for t in trials(found["run_id"])]
        reached = [i + 1 for i, v in enumerate(values) if v >= 0.99 * best]
        needed.append(float(reached[0] if reached else budget + 1))
        print(f"  seed {seed}: best {max(values):.4f}, within 1% after {needed[-1]:.0f} trials")
    print_table(
        f"runs to reach within 1% of the grid's best accuracy ({best:.4f})",
        [("TPE study (trials needed)", needed), ("full grid (runs)", [float(size)])],
    )
    report(
        "bench_optimize",
        "trials to within 1% of the grid's best: TPE vs full grid",
        ("TPE trials needed", needed),
        ("grid runs", [float(size)]),
        "<= 0.333x",
        statistics.median(needed) <= size / 3,
    )


def pruning(nb: Path, repeat: int) -> None:
    pruned_s, full_s, kept = [], [], []
    for seed in range(1, repeat + 1):
        options = ["--optimize", "max(accuracy)", "--trials", "16", *RANGES, "--seed", str(seed)]
        with_pruner = cli("run", str(nb), *options, "--pruner", "median")
        without = cli("run", str(nb), *options, "--pruner", "none")
        runs = trials(with_pruner["run_id"])
        pruned_s.append(cell_seconds([r.info.run_id for r in runs]))
        full_s.append(cell_seconds([r.info.run_id for r in trials(without["run_id"])]))
        kept.append(sum(r.info.status == "FINISHED" for r in runs))
        print(
            f"  seed {seed}: {16 - kept[-1]} of 16 pruned, {pruned_s[-1]:.1f} s vs {full_s[-1]:.1f} s"
        )
    print_table(
        "trial run time of a 16-trial study (sum over its trials)",
        [("--pruner median", pruned_s), ("--pruner none", full_s)],
    )
    ratio = statistics.median(pruned_s) / statistics.median(full_s)
    report(
        "bench_optimize",
        "compute of a study with pruning vs without",
        ("pruner median", pruned_s),
        ("pruner none", full_s),
        "<= 0.7x (>= 30% saved)",
        ratio <= 0.7,
        {"trials_finished_with_pruning": kept},
    )


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], default_n=3)
    header(f"bench_optimize: Optuna studies vs the grid, pruning vs none (N={args.repeat})")
    with bench_folder("optimize", args.keep) as work:
        os.environ.pop("JUPYTER_MLOPS_HOST", None)
        os.environ["JUPYTER_MLOPS_MAX_CONCURRENCY"] = "2"
        nb = work / "gbm.ipynb"
        write_notebook(nb, TRAIN, PARAMS)
        try:
            grid_vs_tpe(nb, args.repeat)
            pruning(nb, args.repeat)
        finally:
            subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "host", "stop"], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
