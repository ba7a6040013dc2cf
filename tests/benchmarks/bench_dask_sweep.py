"""A 16-run training sweep on Dask vs papermill's ``execute_notebook`` in a process pool of 2.

Each run fits a small scikit-learn model for about a second in a fresh kernel. Measured in one
run, interleaved so drift on a noisy machine hits every method alike:

- ours: ``submit_sweep(..., executor="dask://...")`` until every child run has ended, on a
  real ``dask scheduler`` with 2 single-thread workers and a real ``mlflow server`` (runs,
  artifacts, receipts: the workers share no folder with the submitter);
- baseline: ``papermill.execute_notebook`` of the same 16 points in ``ProcessPoolExecutor(2)``
  (fork, imports done beforehand), no tracking at all. Target: at most 1.15x;
- scaling: the same sweep on a second cluster with 1 worker (ratio reported only);
- per-job overhead, submit -> first cell running (the first code cell's ``execute_input``
  time recorded by nbclient) vs a cold papermill kernel start in this process. Target: under
  1.0x, with each job still in a fresh kernel of its own.

Every worker runs with the kernel pool (``--preload jupyter_mlops.jobs.kernel_pool``, one
ready kernel per worker thread), as a team would run its shared workers.

    python tests/benchmarks/bench_dask_sweep.py [-n 3]
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' Dask cluster
from _common import bench_folder, header, parse_args, print_table, report, write_notebook

TARGET = 1.15
OVERHEAD_TARGET = 1.0
POOL = ("jupyter_mlops.jobs.kernel_pool",)
POINTS = [round(0.05 * 2**i, 4) for i in range(16)]
TRAIN = (
    "import time\n"
    "from sklearn.datasets import make_classification\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "X, y = make_classification(n_samples=2000, n_features=20, random_state=0)\n"
    "model = RandomForestClassifier(n_estimators=30, max_depth=int(3 + C), random_state=0)\n"
    "score = model.fit(X, y).score(X, y)"
)


def papermill_one(job: tuple[str, str, float]) -> None:
    import papermill

    source, out, c = job
    papermill.execute_notebook(source, out, parameters={"C": c}, progress_bar=False)


def papermill_sweep(
    pool: ProcessPoolExecutor, nb: Path, folder: Path, points: list[float] = POINTS
) -> float:
    jobs = [(str(nb), str(folder / f"out-{i}.ipynb"), c) for i, c in enumerate(points)]
    start = time.perf_counter()
    list(pool.map(papermill_one, jobs))
    return time.perf_counter() - start


def dask_sweep(nb: Path, executor: str, points: list[float] = POINTS) -> float:
    from jupyter_mlops.jobs.query import wait_for_jobs
    from jupyter_mlops.jobs.submit import submit_sweep

    start = time.perf_counter()
    _, children = submit_sweep(nb, {"C": points}, executor=executor)
    jobs = wait_for_jobs(children, poll_s=0.2)
    elapsed = time.perf_counter() - start
    failed = [j for j in jobs if j.status != "FINISHED"]
    if failed:
        raise RuntimeError(f"{len(failed)} runs did not finish: {failed[0]}")
    return elapsed


def first_cell_at(notebook: dict) -> float:
    """When the kernel began the first code cell (nbclient's execute_input timestamp)."""
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    stamp = cell["metadata"]["execution"]["iopub.execute_input"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def dask_overhead(nb: Path, executor: str) -> float:
    from jupyter_mlops.config import get_settings
    from jupyter_mlops.jobs.query import wait_for_job
    from jupyter_mlops.jobs.submit import submit_job
    from jupyter_mlops.tracking import read_artifact_text

    submitted = time.time()
    run_id = submit_job(nb, {"C": 0.1}, executor=executor)
    wait_for_job(run_id)
    uri = get_settings().tracking_uri
    return (
        first_cell_at(json.loads(read_artifact_text(uri, run_id, f"output/{nb.name}"))) - submitted
    )


def papermill_overhead(nb: Path, folder: Path) -> float:
    import papermill

    out = folder / "overhead.ipynb"
    started = time.time()
    papermill.execute_notebook(str(nb), str(out), parameters={"C": 0.1}, progress_bar=False)
    return first_cell_at(json.loads(out.read_text())) - started


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], default_n=3)
    header(f"bench_dask_sweep: 16-run sweep on Dask vs papermill ProcessPool(2)  (N={args.repeat})")
    import papermill  # noqa: F401 - imported before timing, as the pool's fork inherits it
    from conftest import MlflowServer
    from dask_support import DaskCluster

    # A stop by timeout or Ctrl-C still stops the servers started here (finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with bench_folder("dask-sweep", args.keep) as work:
        nb = work / "train.ipynb"
        write_notebook(nb, TRAIN, "C = 1.0")
        tmp = Path(tempfile.mkdtemp(dir=work))
        # Fork the pool's processes before this process has any Dask client thread.
        pool = ProcessPoolExecutor(2)
        papermill_sweep(pool, nb, tmp, POINTS[:2])
        server = MlflowServer(work / "mlflow").start()
        os.environ["MLFLOW_TRACKING_URI"] = server.uri
        two = DaskCluster(work / "dask-2", preload=POOL).start(("w1", "w2"))
        one = DaskCluster(work / "dask-1", preload=POOL).start(("w1",))
        try:
            # Warm up: the workers' imports.
            dask_sweep(nb, two.executor, POINTS[:2])
            dask_sweep(nb, one.executor, POINTS[:1])
            ours, base, single, over, cold = [], [], [], [], []
            for _ in range(args.repeat):
                ours.append(dask_sweep(nb, two.executor))
                base.append(papermill_sweep(pool, nb, tmp))
                single.append(dask_sweep(nb, one.executor))
                for _ in range(3):
                    over.append(dask_overhead(nb, two.executor))
                    cold.append(papermill_overhead(nb, tmp))
        finally:
            pool.shutdown()
            from jupyter_mlops.jobs.executors.dask import close_clients

            close_clients()
            two.stop()
            one.stop()
            server.stop()
        print_table(
            "16-run sweep, wall time from submit to every run ended",
            [
                ("ours: Dask, 2 workers x 1 thread", ours),
                ("ours: Dask, 1 worker", single),
                ("baseline: papermill execute_notebook, ProcessPool(2)", base),
            ],
        )
        report(
            "bench_dask_sweep",
            "16-run sweep, 2 Dask workers vs papermill ProcessPool(2)",
            ("Dask 2 workers", ours),
            ("papermill ProcessPool(2)", base),
            f"<= {TARGET}x",
            statistics.median(ours) / statistics.median(base) <= TARGET,
        )
        report(
            "bench_dask_sweep",
            "scaling: 1 Dask worker vs 2 workers (same sweep)",
            ("Dask 1 worker", single),
            ("Dask 2 workers", ours),
            "reported (2.0x is perfect scaling)",
            None,
        )
        print_table(
            "per-job overhead, submit -> first cell running",
            [
                ("ours: submit_job on Dask (MLflow run, artifacts, task)", over),
                ("baseline: papermill execute_notebook, cold kernel", cold),
            ],
        )
        report(
            "bench_dask_sweep",
            "per-job overhead submit -> first cell vs cold papermill kernel",
            ("Dask submit -> first cell", over),
            ("papermill cold kernel -> first cell", cold),
            f"< {OVERHEAD_TARGET}x with the kernel pool",
            statistics.median(over) / statistics.median(cold) < OVERHEAD_TARGET,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
