"""Schedules through the REST API: a real Jupyter server, a real MLflow server, real kernels."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from mlflow import MlflowClient
from server_support import mlops_get_error, mlops_post
from test_server_jobs_api import wait_for

from jupyter_mlops.server.models import DescribeJob
from jupyter_mlops.server.schedule_models import (
    DescribeSchedule,
    DescribeScheduleRuns,
    ListSchedulesResponse,
    PreviewCron,
)
from jupyter_mlops.tags import SCHEDULE_ID, SCHEDULE_SLOT

pytestmark = pytest.mark.server


@pytest.fixture
def mlops_tracking_uri(mlops_server) -> str:
    return str(mlops_server.uri)


async def get(jp_fetch, *parts: str, **kwargs):
    return json.loads((await jp_fetch("mlops", "schedules", *parts, **kwargs)).body)


async def test_preview_says_the_expression_in_words_with_its_next_slots(jp_fetch):
    shown = await get(
        jp_fetch, "preview", params={"cron": "0 6 * * 1-5", "timezone": "Europe/London"}
    )

    PreviewCron.model_validate(shown)
    assert shown["description"] == "At 06:00, Monday through Friday"
    slots = [datetime.fromisoformat(t) for t in shown["next"]]
    assert len(slots) == 5 and slots == sorted(slots)
    assert all((s.hour, s.minute) == (6, 0) and s.isoweekday() <= 5 for s in slots)
    assert {s.utcoffset().total_seconds() for s in slots} <= {0.0, 3600.0}  # London time


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"cron": "61 * * * *"}, "is not a cron expression"),
        ({"cron": ""}, "is not a cron expression"),
        ({"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "Mars/Olympus"),
    ],
)
async def test_preview_of_bad_input_is_a_400_that_says_why(jp_fetch, query, says):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "schedules", "preview", params=query)

    assert code == 400 and says in answer["message"], answer


async def test_schedule_created_listed_paused_changed_run_and_deleted(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    mlops_notebook(
        "import mlflow\nmlflow.log_metric('double', x * 2)",
        params="x: int = 1",
        name="nightly.ipynb",
        folder=jp_root_dir / "project",
    )
    name = f"nightly {uuid.uuid4().hex[:6]}"
    body = {"path": "project/nightly.ipynb", "parameters": {"x": 4}, "cron": "0 3 * * *"}

    created = await mlops_post(jp_fetch, "mlops", "schedules", body={**body, "name": name})

    DescribeSchedule.model_validate(created)
    assert (created["name"], created["cron"], created["timezone"]) == (name, "0 3 * * *", "UTC")
    assert created["description"] == "At 03:00" and len(created["next"]) == 5
    assert created["options"]["parameters"] == {"x": 4} and created["paused"] is False
    assert created["notebook"] == str((jp_root_dir / "project" / "nightly.ipynb").resolve())
    sid = created["id"]
    listed = await get(jp_fetch)
    ListSchedulesResponse.model_validate(listed)
    assert [s["id"] for s in listed["schedules"] if s["name"] == name] == [sid]

    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "schedules", method="POST", body=json.dumps({**body, "name": name})
    )
    assert code == 400 and "exists" in answer["message"]

    paused = await mlops_post(jp_fetch, "mlops", "schedules", sid, "pause", body=None)
    assert paused["paused"] is True and paused["next"] == []
    resumed = await mlops_post(jp_fetch, "mlops", "schedules", name, "resume", body=None)
    assert resumed["paused"] is False and resumed["next"] == created["next"]

    changed = await mlops_post(
        jp_fetch, "mlops", "schedules", sid, method="PATCH", body={"cron": "30 7 * * 6,0"}
    )
    assert changed["cron"] == "30 7 * * 6,0" and changed["revision"] == 1
    assert changed["description"] == "At 07:30, only on Saturday and Sunday"

    fired = await mlops_post(jp_fetch, "mlops", "schedules", sid, "run", body=None)
    job = await wait_for(jp_fetch, fired["run_id"], lambda j: j["status"] in ("FINISHED", "FAILED"))
    assert job["status"] == "FINISHED", job
    detail = await get(jp_fetch, sid)
    DescribeScheduleRuns.model_validate(detail)
    assert [r["run_id"] for r in detail["runs"]] == [fired["run_id"]]
    DescribeJob.model_validate(detail["runs"][0])
    assert detail["runs"][0]["parameters"] == {"x": 4}
    assert (detail["schedule"]["last_run"], detail["schedule"]["last_status"]) == (
        fired["run_id"],
        "FINISHED",
    )
    tags = MlflowClient(mlops_tracking_uri).get_run(fired["run_id"]).data.tags
    assert (tags[SCHEDULE_ID], tags[SCHEDULE_SLOT]) == (sid, "now")

    deleted = json.loads((await jp_fetch("mlops", "schedules", sid, method="DELETE")).body)
    assert deleted["id"] == sid
    code, answer = await mlops_get_error(jp_fetch, "mlops", "schedules", sid)
    assert code == 404, answer
    listed = await get(jp_fetch)
    assert sid not in [s["id"] for s in listed["schedules"]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"path": "../outside.ipynb", "cron": "0 3 * * *"}, "'..' is not allowed"),
        ({"path": "project/bad.ipynb", "cron": "every day"}, "is not a cron expression"),
        ({"path": "project/bad.ipynb", "cron": "0 3 * * *", "timezone": "Nowhere"}, "Nowhere"),
        ({"path": "project/bad.ipynb", "cron": "0 3 * * *", "catch_up": "all"}, "catch_up"),
        ({"path": "project/bad.ipynb", "cron": "0 3 * * *", "name": "../x"}, "schedule name"),
        (
            {"path": "project/bad.ipynb", "cron": "0 3 * * *", "parameters": {"x": "a"}},
            "declared int",
        ),
        ({"path": "project/bad.ipynb"}, "either a time"),
        ({"path": "project/bad.ipynb", "cron": "0 3 * * *", "every": 1}, "unknown field"),
        ({"path": "project/bad.ipynb", "trigger": "version:ghost"}, "No registered model 'ghost'"),
        ({"path": "project/bad.ipynb", "trigger": "when:ever"}, "is not a trigger"),
        ({"path": "project/bad.ipynb", "cron": "0 3 * * *", "trigger": "alert:m"}, "not both"),
    ],
)
async def test_a_bad_schedule_is_refused_and_nothing_is_stored(
    jp_fetch, jp_root_dir, mlops_notebook, body, says
):
    mlops_notebook("y = x", params="x: int = 1", name="bad.ipynb", folder=jp_root_dir / "project")
    before = await get(jp_fetch)

    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "schedules", method="POST", body=json.dumps(body)
    )

    assert code == (403 if "'..'" in says else 400) and says in answer["message"], answer
    assert await get(jp_fetch) == before


async def test_actions_on_a_schedule_that_is_not_there_or_not_named_so(jp_fetch):
    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "schedules", "no-such", "pause", method="POST", body=""
    )
    assert code == 404 and "no-such" in answer["message"], answer
    code, answer = await mlops_get_error(jp_fetch, "mlops", "schedules", "..%2Fetc")
    assert code == 400 and "neither a schedule id nor" in answer["message"], answer
    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "schedules", "no-such", method="PATCH", body="{}"
    )
    assert code == 400 and "at least one of cron" in answer["message"], answer


async def test_a_trigger_schedule_is_created_and_listed_in_words(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    mlops_notebook("y = 1", name="retrain.ipynb", folder=jp_root_dir / "project")
    model = f"churn-{uuid.uuid4().hex[:6]}"
    MlflowClient(mlops_tracking_uri).create_registered_model(model)
    body = {"path": "project/retrain.ipynb", "trigger": f"alias:{model}@champion"}

    created = await mlops_post(jp_fetch, "mlops", "schedules", body={**body, "name": model})

    DescribeSchedule.model_validate(created)
    assert (created["trigger"], created["cron"], created["next"]) == (body["trigger"], "", [])
    assert created["description"] == f"When the alias champion of {model} moves"
    listed = await get(jp_fetch)
    assert [s["trigger"] for s in listed["schedules"] if s["name"] == model] == [body["trigger"]]
    await jp_fetch("mlops", "schedules", created["id"], method="DELETE")
