"""The scheduler's cost: one tick over 1,000 schedules, and how late a slot's job starts.

1. 1,000 schedules (each with 30 slots already fired) on a real ``mlflow server``; one tick
   (read every schedule, work out which slot is due and whether it already fired) against
   the bare MLflow search it needs, ``MlflowClient.search_runs`` over the schedules
   experiment, paged, in the same run. No slot is due, so nothing fires. Target <= 1.5x.
2. Slot-to-job-start latency on the local executor (the warm job host): a schedule firing
   every 3 seconds, the scheduler loop on the real clock, the same 1,000 schedules on the
   server; for each fired run, its MLflow start time minus its slot. Target p50 < 2 s.

    python tests/benchmarks/bench_schedules.py [-n 5] [--slots 8]
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, timed, write_notebook
from bench_sidebar import start_mlflow, stop

SCHEDULES = 1000
FIRED = 30


def populate(db: Path, notebook: Path) -> float:
    """Schedules written straight into the store: tags as ``create_schedule`` sets them."""
    from mlflow.entities import Param, RunTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from jupyter_mlops import tags as t
    from jupyter_mlops.schedules.spec import slot_key

    start = time.perf_counter()
    store = SqlAlchemyStore(f"sqlite:///{db}", str(db.parent / "artifacts"))
    experiment = store.create_experiment(t.SCHEDULES_EXPERIMENT)
    now = time.time()
    for i in range(SCHEDULES):
        name = f"nightly-{i:04d}"
        values = {
            t.SCHEDULE: "true",
            t.SCHEDULE_NAME: name,
            t.SCHEDULE_CRON: f"{i % 60} {i % 24} * * *",
            t.SCHEDULE_TIMEZONE: ("UTC", "Europe/London", "America/New_York")[i % 3],
            t.SCHEDULE_CATCH_UP: "once",
            t.SCHEDULE_PAUSED: "false",
            t.SCHEDULE_NOTEBOOK: str(notebook),
            t.SCHEDULE_REVISION: "1",
            t.SCHEDULE_SINCE: repr(now),  # created now: no slot is due yet
            t.SCHEDULE_REQUEST: json.dumps({"parameters": {"rows": i}}),
        }
        run = store.create_run(
            experiment, "bench", int(now * 1000), [RunTag(k, v) for k, v in values.items()], name
        )
        fired = [Param(slot_key(now - 86_400 * (d + 1)), "bench") for d in range(FIRED)]
        store.log_batch(run.info.run_id, metrics=[], params=fired, tags=[])
    store.engine.dispose()
    return time.perf_counter() - start


def bare_search(uri: str) -> int:
    """What a tick must read: every schedule run, paged."""
    from mlflow import MlflowClient

    from jupyter_mlops.tags import SCHEDULE, SCHEDULES_EXPERIMENT

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(SCHEDULES_EXPERIMENT).experiment_id
    count, token = 0, None
    while True:
        page = client.search_runs(
            [experiment], f"tags.`{SCHEDULE}` = 'true'", max_results=1000, page_token=token
        )
        count += len(page)
        token = page.token
        if not token:
            return count


def latency(uri: str, notebook: Path, slots: int) -> list[float]:
    from mlflow import MlflowClient

    from jupyter_mlops.jobs.query import wait_for_job
    from jupyter_mlops.jobs.request import JobRequest
    from jupyter_mlops.schedules import service
    from jupyter_mlops.schedules.scheduler import Scheduler
    from jupyter_mlops.tags import SCHEDULE_SLOT

    fast = service.create_schedule(
        JobRequest(notebook=notebook), "* * * * * */3", name="every-3s", tracking_uri=uri
    )
    stop_loop = threading.Event()
    loop = threading.Thread(target=Scheduler(uri, refresh=5.0).run, args=(stop_loop,))
    loop.start()
    try:
        while len(service.fired_runs(fast.id, uri)) < slots:
            time.sleep(0.5)
    finally:
        stop_loop.set()
        loop.join()
    client = MlflowClient(uri)
    late = []
    for job in service.fired_runs(fast.id, uri):
        wait_for_job(job.run_id, tracking_uri=uri)
        run = client.get_run(job.run_id)
        slot = datetime.fromisoformat(run.data.tags[SCHEDULE_SLOT]).astimezone(UTC).timestamp()
        late.append(run.info.start_time / 1000 - slot)
    return late


def main() -> None:
    def extra(parser):
        parser.add_argument("--slots", type=int, default=8, help="slots fired for the latency")

    args = parse_args(__doc__.splitlines()[0], default_n=5, extra=extra)
    header(f"schedules: {SCHEDULES} schedules x {FIRED} fired slots, real mlflow server")
    with bench_folder("schedules", keep=args.keep) as work:
        from jupyter_mlops.schedules.scheduler import Scheduler

        notebook = work / "train.ipynb"
        write_notebook(notebook, "import mlflow\nmlflow.log_metric('rows', rows)", "rows = 1")
        print(f"store populated in {populate(work / 'mlflow.db', notebook):.1f} s")
        server, uri = start_mlflow(work)
        try:
            scheduler = Scheduler(uri)
            assert bare_search(uri) == SCHEDULES
            assert scheduler.tick() == []  # warm both sides; nothing is due
            ours, base = [], []
            for _ in range(args.repeat):  # interleaved, so load changes hit both alike
                base.append(timed(lambda: bare_search(uri))[0])
                elapsed, fired = timed(scheduler.tick)
                assert fired == [] and len(scheduler.schedules) == SCHEDULES
                ours.append(elapsed)
            print_table(
                "one tick",
                [("Scheduler.tick()", ours), ("bare MlflowClient.search_runs, paged", base)],
            )
            ratio = statistics.median(ours) / statistics.median(base)
            report(
                "schedules",
                "tick_1000",
                ("Scheduler.tick()", ours),
                ("bare MlflowClient.search_runs", base),
                "<= 1.5x",
                ratio <= 1.5,
            )
            late = latency(uri, notebook, args.slots)
            print_table("slot to job start (local executor, job host)", [("latency", late)])
            print(f"  p50 {statistics.median(late):.2f} s  max {max(late):.2f} s")
            report(
                "schedules",
                "slot_to_start",
                ("slot -> run start", late),
                ("slot -> run start", late),
                "p50 < 2 s",
                statistics.median(late) < 2.0,
            )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
