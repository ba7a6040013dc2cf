"""A scheduler tells how each run it fired ended, and a slot it could not fire, once each,
through apprise to a real HTTP receiver on 127.0.0.1 (apprise's ``json://`` scheme)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

import jupyter_mlops
from jupyter_mlops.config import resolve_tracking_uri
from jupyter_mlops.errors import ConfigError
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.notifications import notify_urls, send
from jupyter_mlops.schedules import service
from jupyter_mlops.schedules.scheduler import Scheduler
from jupyter_mlops.tags import SCHEDULE_REQUEST
from jupyter_mlops.tracking import get_client

T0 = datetime(2030, 1, 7, 0, 0, 30, tzinfo=UTC).timestamp()
HOUR = 3600.0


@pytest.fixture
def channel(mlops_webhook):
    url, received = mlops_webhook
    return url.replace("http://", "json://"), received


def test_each_fired_run_is_told_once_with_the_failing_cell(channel, mlops_notebook):
    url, received = channel
    good = mlops_notebook(
        "x = rows * 2",
        params="rows = 1",
        name="good.ipynb",
        card={"name": "good-model", "owner": "ana"},
    )
    bad = mlops_notebook(
        "x = 1", "raise ValueError('no data for ' + day)", params="day = 'mon'", name="bad.ipynb"
    )
    for nb in (good, bad):
        service.create_schedule(JobRequest(notebook=nb), "0 * * * *", clock=lambda: T0)
    scheduler = Scheduler(notify=[url])
    fired = {f.schedule: f.run_id for f in scheduler.tick(T0 + HOUR)}
    for run_id in fired.values():
        jupyter_mlops.wait_for_job(run_id, raise_on_failure=False)
    deadline = time.monotonic() + 60
    while len(received) < 2:
        assert time.monotonic() < deadline, received
        scheduler.tick(T0 + HOUR + 60)
        time.sleep(0.2)
    scheduler.tick(T0 + HOUR + 120)  # ended and told: nothing more
    assert Scheduler(notify=[url]).notifier.check() == []
    by_title = {m["title"]: m["message"] for m in received}
    assert len(received) == 2, received
    assert f"run {fired['good']} finished" in by_title["[jupyter-mlops] good: run finished"]
    failed = by_title["[jupyter-mlops] bad: run failed"]
    assert fired["bad"] in failed and "ValueError: no data for mon" in failed
    assert "at In [3]" in failed, failed  # the cell as the notebook numbers it
    tags = get_client(resolve_tracking_uri()).get_run(fired["bad"]).data.tags
    assert "mlops.notified.job_failed" in tags


def test_a_slot_that_cannot_fire_is_told_once(channel, mlops_notebook):
    url, received = channel
    nb = mlops_notebook("x = 1", name="train.ipynb")
    made = service.create_schedule(JobRequest(notebook=nb), "0 * * * *", clock=lambda: T0)
    # A schedule stored by another installation, naming a kernel this machine lacks.
    get_client(resolve_tracking_uri()).set_tag(
        made.id, SCHEDULE_REQUEST, '{"kernel_name": "no-such-kernel"}'
    )
    (firing,) = Scheduler(notify=[url]).tick(T0 + HOUR)
    assert firing.run_id is None and "no-such-kernel" in firing.error
    assert Scheduler(notify=[url]).tick(T0 + HOUR + 5) == []  # the slot is taken: not retried
    (message,) = received
    assert message["title"] == "[jupyter-mlops] train: slot 2030-01-07T01:00:00+00:00 not fired"
    assert "no-such-kernel" in message["message"]
    assert "no-such-kernel" in service.get_schedule("train").last_error


def test_channels_come_from_the_environment_and_the_project(mlops_env, monkeypatch):
    (mlops_env / "pyproject.toml").write_text(
        '[tool.jupyter-mlops.notify]\nurls = ["json://127.0.0.1:1/a"]\n'
        '[tool.jupyter-mlops.notify.owners]\nana = "json://127.0.0.1:1/ana"\n'
    )
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_URLS", "json://127.0.0.1:1/env, json://127.0.0.1:1/a")
    assert notify_urls(owner="ana") == [
        "json://127.0.0.1:1/env",
        "json://127.0.0.1:1/a",
        "json://127.0.0.1:1/ana",
    ]
    with pytest.raises(ConfigError, match="URL #1 is not an apprise URL") as caught:
        send(["nothing-secret-here://token@x"], "t", "b")
    assert "token" not in caught.value.message


def test_a_restarted_scheduler_tells_how_the_runs_fired_before_it_ended(channel, mlops_notebook):
    url, received = channel
    nb = mlops_notebook("import time\ntime.sleep(seconds)", params="seconds = 3", name="slow.ipynb")
    service.create_schedule(JobRequest(notebook=nb), "0 * * * *", clock=lambda: T0)
    (firing,) = Scheduler(notify=[url]).tick(T0 + HOUR)  # then this scheduler is gone
    assert firing.run_id

    restarted = Scheduler(notify=[url])
    restarted.tick(T0 + HOUR + 1)
    assert list(restarted.notifier.following) == [firing.run_id]
    jupyter_mlops.wait_for_job(firing.run_id)
    deadline = time.monotonic() + 60
    while not received:
        assert time.monotonic() < deadline
        restarted.tick(T0 + HOUR + 2)
        time.sleep(0.2)
    (message,) = received
    assert message["title"] == "[jupyter-mlops] slow: run finished"
    # told: the next scheduler to start follows nothing, and nothing is sent twice
    again = Scheduler(notify=[url])
    again.tick(T0 + HOUR + 3)
    assert again.notifier.following == {} and len(received) == 1
