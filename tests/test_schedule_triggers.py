"""Trigger schedules: a notebook fired by a registry event or a changed input, once per event.

The registry events are real (versions registered, aliases moved on a real ``mlflow server``),
the jobs they fire are real kernels, and two schedulers poll at once.
"""

from __future__ import annotations

import pytest
from conftest import run_cli
from governance_support import make_model

import jupyter_mlops
from jupyter_mlops.errors import InvalidRequestError
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.schedules import service
from jupyter_mlops.schedules.scheduler import Scheduler
from jupyter_mlops.tags import SCHEDULE_EVENT
from jupyter_mlops.tracking import get_client

CELL = "import mlflow\nmlflow.log_metric('rows_seen', rows)"


@pytest.fixture
def train(mlops_notebook):
    return mlops_notebook(CELL, params="rows: int = 10", name="retrain.ipynb")


def on(train, trigger: str, name: str) -> service.Schedule:
    request = JobRequest(notebook=train, parameters={"rows": 2})
    return service.create_schedule(request, trigger=trigger, name=name)


def new_version(uri: str, name: str) -> str:
    return str(get_client(uri).create_model_version(name, source=f"s3://nowhere/{name}").version)


def events(ref: str) -> list[str]:
    """The events of the runs ``ref`` fired, each waited for and finished."""
    runs = [jupyter_mlops.wait_for_job(r.run_id) for r in service.fired_runs(ref)]
    assert {r.status for r in runs} <= {"FINISHED"}, runs
    client = get_client(jupyter_mlops.config.resolve_tracking_uri())
    return sorted(client.get_run(r.run_id).data.tags[SCHEDULE_EVENT] for r in runs)


def test_a_model_version_trigger_fires_its_notebook_once_per_new_version(
    mlops_schedules_server, train
):
    make_model(mlops_schedules_server, "churn-v", 1)
    created = on(train, "version:churn-v", "on-churn")
    assert created.trigger == "version:churn-v" and created.last_event == "1"
    first, second = Scheduler(poll=0), Scheduler(poll=0)
    assert first.tick() == [] and second.tick() == []  # version 1 was there before
    new_version(mlops_schedules_server, "churn-v")
    new_version(mlops_schedules_server, "churn-v")  # two versions between polls: each fires
    fired = [f for s in (first, second, first) for f in s.tick()]
    assert sorted(f.slot for f in fired if f.run_id) == ["version:churn-v=2", "version:churn-v=3"]
    assert Scheduler(poll=0).tick() == []  # a scheduler started afterwards fires nothing again
    new_version(mlops_schedules_server, "churn-v")
    assert [f.slot for s in (second, first) for f in s.tick()] == ["version:churn-v=4"]
    assert events("on-churn") == ["version:churn-v=2", "version:churn-v=3", "version:churn-v=4"]
    (row,) = service.describe_schedules(service.list_schedules())
    assert row["fired"] == 3 and row["next"] == []
    assert row["description"] == "When a new version of churn-v is registered"


def test_an_alias_trigger_fires_when_the_alias_moves_not_while_paused_nor_after(
    mlops_schedules_server, train
):
    make_model(mlops_schedules_server, "churn-a", 2)
    on(train, "alias:churn-a@champion", "on-champion")
    scheduler = Scheduler(poll=0)
    client = get_client(mlops_schedules_server)
    client.set_registered_model_alias("churn-a", "champion", "1")
    assert [f.slot for f in scheduler.tick()] == ["alias:churn-a@champion=1"]
    assert scheduler.tick() == []
    client.set_registered_model_alias("churn-a", "champion", "2")
    assert [f.slot for f in scheduler.tick()] == ["alias:churn-a@champion=2"]
    service.pause_schedule("on-champion")
    client.set_registered_model_alias("churn-a", "champion", "1")
    assert scheduler.tick() == []
    service.resume_schedule("on-champion")  # what moved while paused is not caught up
    assert Scheduler(poll=0).tick() == []
    client.set_registered_model_alias("churn-a", "champion", "2")
    assert [f.slot for f in scheduler.tick()] == ["alias:churn-a@champion=2"]
    assert events("on-champion") == [
        "alias:churn-a@champion=1",
        "alias:churn-a@champion=2",
        "alias:churn-a@champion=2",
    ]


def test_an_input_trigger_fires_when_the_file_changes(train):
    data = train.parent / "data.csv"
    data.write_text("x\n1\n")
    on(train, "input:data.csv", "on-data")
    scheduler = Scheduler(poll=0)
    assert scheduler.tick() == []
    data.write_text("x\n1\n2\n")
    (firing,) = scheduler.tick()
    assert firing.run_id and firing.slot.startswith("input:data.csv=")
    assert scheduler.tick() == []
    assert len(events("on-data")) == 1


def test_an_alert_trigger_runs_the_retraining_notebook_for_each_alerting_evaluation(train):
    from sklearn.datasets import load_breast_cancer
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    card = {"owner": "ana", "alerts": [{"metric": "accuracy", "threshold": 0.999}]}
    jupyter_mlops.register(model, name="tumours-t", card=card, input_example=X.head(20))
    on(train, "alert:tumours-t", "retrain-tumours")
    scheduler = Scheduler(poll=0)
    assert scheduler.tick() == []
    jupyter_mlops.evaluate("tumours-t", X, y)  # accuracy below 0.999: the rule fires
    (firing,) = scheduler.tick()
    assert firing.run_id and firing.slot.startswith("alert:tumours-t=")
    assert scheduler.tick() == []
    jupyter_mlops.evaluate("tumours-t", X.head(100), y.head(100))
    assert len(scheduler.tick()) == 1
    assert len(events("retrain-tumours")) == 2


def test_a_trigger_naming_a_model_that_does_not_exist_is_refused_and_nothing_is_stored(train):
    with pytest.raises(InvalidRequestError, match="No registered model 'ghost'"):
        on(train, "version:ghost", "ghostly")
    with pytest.raises(InvalidRequestError, match="not a trigger"):
        on(train, "verzion:churn", "typo")
    with pytest.raises(InvalidRequestError, match="not a file or folder"):
        on(train, "input:missing.csv", "nofile")
    request = JobRequest(notebook=train)
    with pytest.raises(InvalidRequestError, match="not both"):
        service.create_schedule(request, "0 6 * * *", trigger="version:x")
    with pytest.raises(InvalidRequestError, match="either a time"):
        service.create_schedule(request)
    assert service.list_schedules() == []
    failed = run_cli("schedule", "create", str(train), "--on", "alias:ghost@champion")
    assert failed.returncode == 2 and "No registered model 'ghost'" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert service.list_schedules() == []


def test_the_cli_creates_lists_and_shows_a_trigger_schedule(train):
    make_model(jupyter_mlops.config.resolve_tracking_uri(), "churn-c", 1)
    made = run_cli("schedule", "create", str(train), "--on", "version:churn-c", "-p", "rows", "4")
    assert made.returncode == 0, made.stderr
    listed = run_cli("schedule", "list")
    assert "on version:churn-c" in listed.stdout and "WHEN" in listed.stdout
    shown = run_cli("schedule", "show", "retrain")
    assert "on        version:churn-c" in shown.stdout
    assert "When a new version of churn-c is registered" in shown.stdout
    refused = run_cli("schedule", "update", "retrain", "--cron", "0 6 * * *")
    assert refused.returncode == 2 and "fires on version:churn-c" in refused.stderr
