"""Cancelling a sweep of 100 queued children: ``cancel_job(parent)`` vs bare MlflowClient calls.

The sweep's runs are made directly on the embedded store (a parent and 100 SCHEDULED children,
tagged as jobs of the local executor, none holding a process), so what is measured is the
tracking side of a cancel: telling each child, finding it has no process to stop, marking it
KILLED, then the parent. Baseline, same store, same process: for each child
``MlflowClient.set_tag(cancel)`` and ``set_terminated(KILLED)``, then the parent; the least
MLflow work that leaves the same runs. Target: under 2 s for 100 children.

    python tests/benchmarks/bench_sweep_cancel.py [-n 5] [--children 100]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, timed

TARGET_S = 2.0


def make_sweep(client, experiment_id: str, children: int) -> tuple[str, list[str]]:
    from jupyter_mlops.jobs import spec

    parent = client.create_run(experiment_id).info.run_id
    for key, value in {spec.JOB: "true", spec.SWEEP: "true", spec.EXECUTOR: "local"}.items():
        client.set_tag(parent, key, value)
    client.update_run(parent, status="SCHEDULED")
    runs = []
    for _ in range(children):
        run = client.create_run(experiment_id).info.run_id
        for key, value in {spec.JOB: "true", spec.PARENT: parent, spec.EXECUTOR: "local"}.items():
            client.set_tag(run, key, value)
        client.update_run(run, status="SCHEDULED")
        runs.append(run)
    return parent, runs


def main() -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        extra=lambda p: p.add_argument("--children", type=int, default=100),
    )
    header(
        f"bench_sweep_cancel: cancel a sweep of {args.children} queued children (N={args.repeat})"
    )
    with bench_folder("sweep-cancel", args.keep):
        import time

        from mlflow import MlflowClient

        from jupyter_mlops.config import get_settings
        from jupyter_mlops.jobs import spec
        from jupyter_mlops.jobs.cancel import cancel_job

        uri = get_settings().tracking_uri
        client = MlflowClient(uri)
        experiment = client.create_experiment("bench-sweep-cancel")

        def ours() -> None:
            parent, runs = make_sweep(client, experiment, args.children)
            elapsed, job = timed(lambda: cancel_job(parent, uri))
            assert job.status == "KILLED", job
            assert client.get_run(runs[-1]).info.status == "KILLED"
            return elapsed

        def baseline() -> float:
            parent, runs = make_sweep(client, experiment, args.children)

            def bare() -> None:
                for run in runs:
                    client.set_tag(run, spec.CANCEL, str(time.time()))
                    client.set_terminated(run, "KILLED")
                client.set_terminated(parent, "KILLED")

            elapsed, _ = timed(bare)
            return elapsed

        ours(), baseline()  # warm-up: store migrations, imports
        our_times, base_times = [], []
        for _ in range(args.repeat):  # interleaved against drift
            our_times.append(ours())
            base_times.append(baseline())
        print_table(
            f"cancel a sweep of {args.children} queued children (embedded store)",
            [
                ("jupyter_mlops cancel_job(parent)", our_times),
                ("baseline: MlflowClient set_tag + set_terminated", base_times),
            ],
        )
        met = statistics.median(our_times) < TARGET_S
        report(
            "bench_sweep_cancel",
            f"cancel a sweep of {args.children}",
            ("cancel_job(parent)", our_times),
            ("MlflowClient set_tag + set_terminated", base_times),
            f"< {TARGET_S} s",
            met,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
