"""Schedules: stored in MLflow, fired by the scheduler once per slot, whatever runs at once.

The scheduler's clock is a process boundary and is injected, so a test walks through many slots
in seconds; every slot still fires a real job (a real kernel). One test runs the real clock
with a seconds-resolution schedule. Two schedulers share a real ``mlflow server``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from conftest import run_cli

import jupyter_mlops
from jupyter_mlops.config import resolve_tracking_uri
from jupyter_mlops.errors import InvalidRequestError, NotFoundError
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.schedules import service
from jupyter_mlops.schedules.scheduler import Scheduler
from jupyter_mlops.tags import SCHEDULE_REVISION, SCHEDULE_SLOT

T0 = datetime(2030, 1, 7, 0, 0, 30, tzinfo=UTC).timestamp()  # a Monday, just after 00:00
HOUR = 3600.0
CELL = "import mlflow\nmlflow.log_metric('rows_seen', rows)"


@pytest.fixture
def train(mlops_notebook):
    return mlops_notebook(CELL, params="rows: int = 10", name="train.ipynb")


@pytest.fixture
def on_server(mlops_schedules_server):
    return mlops_schedules_server


def hourly(train, name: str, **options) -> service.Schedule:
    request = JobRequest(notebook=train, parameters={"rows": 3})
    return service.create_schedule(request, "0 * * * *", name=name, clock=lambda: T0, **options)


def fired(ref: str) -> list[jupyter_mlops.JobInfo]:
    """The runs ``ref`` fired, each waited for to its end."""
    runs = service.fired_runs(ref)
    return [jupyter_mlops.wait_for_job(r.run_id) for r in runs]


def slots(runs) -> list[str]:
    from jupyter_mlops.tracking import get_client

    client = get_client(resolve_tracking_uri())
    return sorted(client.get_run(r.run_id).data.tags[SCHEDULE_SLOT] for r in runs)


def test_two_schedulers_on_one_server_fire_each_slot_once(on_server, train):
    hourly(train, "nightly-a")
    first, second = Scheduler(), Scheduler()
    for hour in range(1, 4):
        now = T0 + hour * HOUR
        fired_now = [f for s in (first, second, first) for f in s.tick(now)]
        assert [f.schedule for f in fired_now if f.run_id] == ["nightly-a"], fired_now
    restarted = Scheduler()  # a scheduler started again within the same slot
    assert restarted.tick(T0 + 3 * HOUR + 10) == []
    runs = fired("nightly-a")
    assert slots(runs) == [
        "2030-01-07T01:00:00+00:00",
        "2030-01-07T02:00:00+00:00",
        "2030-01-07T03:00:00+00:00",
    ]
    assert {(r.status, r.parameters["rows"]) for r in runs} == {("FINISHED", 3)}
    listed = service.describe_schedules(service.list_schedules())
    assert [(s["name"], s["fired"], s["last_status"]) for s in listed] == [
        ("nightly-a", 3, "FINISHED")
    ]


def test_slots_missed_while_no_scheduler_ran_fire_once_or_are_skipped(train):
    hourly(train, "catch-up")
    hourly(train, "skipper", catch_up="skip")
    late = T0 + 10 * HOUR + 5 * 60  # ten slots passed, the last five minutes ago
    done = {f.schedule: f for f in Scheduler().tick(late)}
    assert done["catch-up"].run_id and done["catch-up"].slot == "2030-01-07T10:00:00+00:00"
    assert done["skipper"].skipped and done["skipper"].run_id is None
    assert Scheduler().tick(late + 60) == []  # the skip is recorded: not skipped again
    on_time = {f.schedule: f for f in Scheduler().tick(T0 + 11 * HOUR)}
    assert on_time["skipper"].run_id and on_time["catch-up"].run_id
    assert slots(fired("catch-up")) == ["2030-01-07T10:00:00+00:00", "2030-01-07T11:00:00+00:00"]
    assert slots(fired("skipper")) == ["2030-01-07T11:00:00+00:00"]


def test_paused_schedules_fire_nothing_and_resume_does_not_catch_up(train):
    hourly(train, "paused")
    service.pause_schedule("paused")
    assert Scheduler().tick(T0 + 2 * HOUR) == []
    assert service.get_schedule("paused").to_dict(T0)["next"] == []
    service.resume_schedule("paused", clock=lambda: T0 + 2 * HOUR + 60)
    assert Scheduler().tick(T0 + 2 * HOUR + 120) == []  # the 02:00 slot passed while paused
    (next_slot,) = Scheduler().tick(T0 + 3 * HOUR)
    assert next_slot.slot == "2030-01-07T03:00:00+00:00" and next_slot.run_id


def test_update_takes_a_new_snapshot_and_run_now_fires_outside_the_slots(train, mlops_notebook):
    hourly(train, "snap")
    mlops_notebook(
        CELL + "\nmlflow.log_metric('edited', 1)", params="rows: int = 10", name="train.ipynb"
    )  # the notebook changes after it was scheduled
    (before,) = Scheduler().tick(T0 + HOUR)
    request = JobRequest(notebook=train, parameters={"rows": "8"}, from_text=True)
    updated = service.update_schedule("snap", request=request, clock=lambda: T0 + HOUR + 1)
    assert updated.revision == 2
    now_run = service.run_now("snap")
    (after,) = Scheduler().tick(T0 + 2 * HOUR)
    from jupyter_mlops.tracking import get_client

    client = get_client(resolve_tracking_uri())
    for run_id, revision, metrics in (
        (before.run_id, "1", {"rows_seen": 3.0}),
        (after.run_id, "2", {"rows_seen": 8.0, "edited": 1.0}),
        (now_run, "2", {"rows_seen": 8.0, "edited": 1.0}),
    ):
        assert jupyter_mlops.wait_for_job(run_id).status == "FINISHED"
        run = client.get_run(run_id)
        assert run.data.tags[SCHEDULE_REVISION] == revision
        assert run.data.metrics == metrics
    assert client.get_run(now_run).data.tags[SCHEDULE_SLOT] == "now"
    service.delete_schedule("snap")
    assert Scheduler().tick(T0 + 3 * HOUR) == []
    with pytest.raises(NotFoundError):
        service.get_schedule("snap")
    assert client.get_run(after.run_id).info.lifecycle_stage == "active"  # its runs stay


def test_a_seconds_schedule_fires_real_jobs_on_the_real_clock(train):
    request = JobRequest(notebook=train)
    service.create_schedule(request, "* * * * * */4", name="every-4s")
    scheduler = Scheduler(refresh=1.0)
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, args=(stop,), daemon=True)
    loop.start()
    try:
        stop.wait(13.0)  # three or four slots
    finally:
        stop.set()
        loop.join(timeout=30)
    runs = fired("every-4s")
    assert len(runs) >= 2, runs
    assert len(set(slots(runs))) == len(runs)  # one run per slot
    assert {r.status for r in runs} == {"FINISHED"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cron", "61 * * * *"), "is not a cron expression"),
        (("--cron", "0 6 * * *", "--timezone", "Mars/Base"), "is not a timezone"),
        (("--cron", "0 6 * * *", "-p", "epochs", "3"), "Unknown parameter 'epochs'"),
        (("--cron", "0 6 * * *", "--catch-up", "always"), "invalid choice"),
        (("--cron", "0 6 * * *", "--name", "../x"), "is not a schedule name"),
        (("--cron", "0 6 * * *", "--wait"), "--wait belongs to `run`"),
    ],
)
def test_bad_schedules_are_refused_before_anything_is_stored(train, args, message):
    result = run_cli("schedule", "create", str(train), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert service.list_schedules() == []


def test_the_cli_creates_lists_shows_and_deletes(train):
    created = run_cli(
        "schedule",
        "create",
        str(train),
        "--cron",
        "0 6 * * 1-5",
        "--timezone",
        "Europe/London",
        "-p",
        "rows",
        "4",
    )
    assert created.returncode == 0, created.stderr
    assert "train  0 6 * * 1-5 (Europe/London)" in created.stdout
    again = run_cli("schedule", "create", str(train), "--cron", "0 7 * * *")
    assert again.returncode == 2 and "A schedule named 'train' exists" in again.stderr
    shown = run_cli("schedule", "show", "train")
    assert shown.returncode == 0 and "no runs fired yet" in shown.stdout
    assert shown.stdout.count("  next      ") == 5
    assert "  when      At 06:00, Monday through Friday" in shown.stdout
    assert run_cli("schedule", "delete", "train").returncode == 0
    missing = run_cli("schedule", "show", "train")
    assert missing.returncode == 2 and "No schedule 'train'" in missing.stderr


def test_a_notebook_that_does_not_exist_is_refused(mlops_env):
    with pytest.raises(Exception, match="Notebook not found"):
        service.create_schedule(JobRequest(notebook=mlops_env / "nope.ipynb"), "0 6 * * *")
    with pytest.raises(InvalidRequestError):
        service.create_schedule(JobRequest(notebook=mlops_env / "nope.ipynb"), "0 6 * *")


class TestTheJupyterServerFiresSchedules:
    """``c.MlopsApp.run_scheduler = True``: the server runs the same loop for its user."""

    @pytest.fixture
    def every_3s(self, train, mlops_tracking_uri):
        return service.create_schedule(
            JobRequest(notebook=train), "* * * * * */3", tracking_uri=mlops_tracking_uri
        )

    @pytest.fixture
    def mlops_app_config(self, mlops_tracking_uri):
        return {
            "tracking_uri": mlops_tracking_uri,
            "warm_models_cache": False,
            "run_scheduler": True,
        }

    async def test_slots_fire_while_the_server_runs(
        self, every_3s, jp_serverapp, mlops_tracking_uri
    ):
        import asyncio
        import time

        deadline = time.monotonic() + 90
        while not service.fired_runs(every_3s.id, mlops_tracking_uri):
            assert time.monotonic() < deadline, "the server's scheduler fired nothing"
            await asyncio.sleep(0.5)
        service.pause_schedule(every_3s.id, mlops_tracking_uri)
        for run in service.fired_runs(every_3s.id, mlops_tracking_uri):
            ended = await asyncio.to_thread(
                jupyter_mlops.wait_for_job, run.run_id, tracking_uri=mlops_tracking_uri
            )
            assert ended.status == "FINISHED"


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory):
    """A real ``mlflow server`` on a real PostgreSQL, both on 127.0.0.1, for this module."""
    from conftest import MlflowServer, free_port
    from postgres_support import Postgres

    database = Postgres(free_port()).start()
    server = MlflowServer(tmp_path_factory.mktemp("pg-mlflow"), backend=database.uri)
    try:
        yield server.start()
    finally:
        server.stop()
        database.stop()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_schedulers_racing_for_each_slot_fire_it_once(request, database, train, monkeypatch):
    """Two schedulers tick at the same instant, slot after slot: one claim wins each time."""
    server = request.getfixturevalue("mlops_server" if database == "sqlite" else "postgres_server")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
    name = f"race-{database}"
    hourly(train, name)
    racers = [Scheduler(), Scheduler()]
    for hour in range(1, 4):
        start = threading.Barrier(len(racers))
        results: list[list] = [[] for _ in racers]

        def race(i: int, start=start, results=results, now=T0 + hour * HOUR) -> None:
            start.wait()
            results[i] = racers[i].tick(now)

        threads = [threading.Thread(target=race, args=(i,)) for i in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        won = [f for r in results for f in r if f.run_id]
        assert len(won) == 1, results
    runs = fired(name)
    assert slots(runs) == [f"2030-01-07T0{h}:00:00+00:00" for h in (1, 2, 3)]
    assert {r.status for r in runs} == {"FINISHED"}
    service.delete_schedule(name)
