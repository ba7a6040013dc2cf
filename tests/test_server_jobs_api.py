"""Jobs through the REST API: a real Jupyter server, a real MLflow server, real kernels."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from server_support import mlops_get_error, mlops_post

from jupyter_mlops.server.models import CreateJobResponse, DescribeJob, ListJobsResponse

pytestmark = pytest.mark.server

CARD = {"name": "api-model", "owner": "ana", "risk_tier": "low"}


@pytest.fixture
def mlops_tracking_uri(mlops_server) -> str:
    return str(mlops_server.uri)


def run_count(uri: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return len(client.search_runs(experiments, max_results=50000)) if experiments else 0


async def wait_for(jp_fetch, run_id: str, done, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = json.loads((await jp_fetch("mlops", "jobs", run_id)).body)
        if done(job):
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.5)


async def test_run_submitted_listed_described_with_output_and_receipt(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    mlops_notebook(
        "import mlflow\nmlflow.log_metric('double', x * 2)",
        params="x: int = 1",
        card=CARD,
        name="train.ipynb",
        folder=jp_root_dir / "project",
    )

    created = await mlops_post(
        jp_fetch, "mlops", "jobs", body={"path": "project/train.ipynb", "parameters": {"x": 21}}
    )

    CreateJobResponse.model_validate(created)
    assert created["sweep"] is False and created["children"] == []
    run_id = created["run_id"]
    job = await wait_for(jp_fetch, run_id, lambda j: j["status"] in ("FINISHED", "FAILED"))
    DescribeJob.model_validate(job)
    assert job["status"] == "FINISHED", job
    assert job["parameters"] == {"x": 21}
    assert job["cells_done"] == job["cells_total"] > 0
    assert job["duration_s"] > 0
    assert job["notebook"] == str((jp_root_dir / "project" / "train.ipynb").resolve())
    assert job["run_url"] == (
        f"{mlops_tracking_uri}/#/experiments/{job['experiment_id']}/runs/{run_id}"
    )

    listed = json.loads((await jp_fetch("mlops", "jobs", params={"status": "FINISHED"})).body)
    ListJobsResponse.model_validate(listed)
    assert run_id in [j["run_id"] for j in listed["jobs"]]
    assert all(j["status"] == "FINISHED" for j in listed["jobs"])
    running = json.loads((await jp_fetch("mlops", "jobs", params={"status": "RUNNING"})).body)
    assert run_id not in [j["run_id"] for j in running["jobs"]]

    output = await mlops_post(jp_fetch, "mlops", "jobs", run_id, "output", body={})
    assert output == {"path": f"mlops-outputs/{run_id}/output/train.ipynb"}
    executed = json.loads((jp_root_dir / output["path"]).read_text())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])

    # An outputs folder that is a symlink leaving the root is refused before anything lands.
    outside = jp_root_dir.parent / "outside"
    outside.mkdir()
    shutil.rmtree(jp_root_dir / "mlops-outputs")
    (jp_root_dir / "mlops-outputs").symlink_to(outside, target_is_directory=True)
    status, error = await mlops_get_error(
        jp_fetch, "mlops", "jobs", run_id, "output", method="POST", body="{}"
    )
    assert status == 400 and "mlops-outputs/ must be a folder inside the root" in error["message"]
    assert list(outside.iterdir()) == []

    receipt = json.loads((await jp_fetch("mlops", "receipts", run_id)).body)
    assert receipt["run_id"] == run_id
    assert receipt["receipt"]["parameters"] == {"x": 21}
    assert receipt["receipt"]["card"]["owner"] == "ana"


async def test_sweep_is_cancelled_with_its_children(jp_fetch, jp_root_dir, mlops_notebook):
    mlops_notebook(
        "import time\ntime.sleep(120)", params="x = 1", name="slow.ipynb", folder=jp_root_dir
    )

    created = await mlops_post(
        jp_fetch,
        "mlops",
        "jobs",
        body={"path": "slow.ipynb", "parameters": {}, "sweep": {"x": [1, 2]}},
    )

    assert created["sweep"] is True and len(created["children"]) == 2
    parent = created["run_id"]
    children = json.loads((await jp_fetch("mlops", "jobs", params={"parent": parent})).body)
    assert sorted(j["run_id"] for j in children["jobs"]) == sorted(created["children"])
    assert sorted(j["parameters"]["x"] for j in children["jobs"]) == [1, 2]

    cancelled = await mlops_post(jp_fetch, "mlops", "jobs", parent, "cancel", body={})

    assert cancelled["run_id"] == parent and cancelled["status"] == "KILLED"
    for child in created["children"]:
        job = json.loads((await jp_fetch("mlops", "jobs", child)).body)
        assert job["status"] == "KILLED"
    code, again = await mlops_get_error(
        jp_fetch, "mlops", "jobs", parent, "cancel", method="POST", body="{}"
    )
    assert (code, again["error"]) == (409, "JOB_ENDED")
    assert "already ended KILLED" in again["message"]


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        (
            {"path": "p.ipynb", "parameters": {}, "executor": "dask://10.0.0.1:8786"},
            "INVALID_REQUEST",
            "unknown field 'executor'",
        ),
        (
            {"path": "p.ipynb", "tracking_uri": "http://10.0.0.1:5000"},
            "INVALID_REQUEST",
            "unknown field 'tracking_uri'",
        ),
        ({"path": "p.ipynb", "parameters": {"y": 1}}, "INVALID_PARAMETER", "Unknown parameter 'y'"),
        (
            {"path": "p.ipynb", "parameters": {"x": "one"}},
            "INVALID_PARAMETER",
            "Parameter 'x' is declared int, got str 'one'",
        ),
        ({"path": "p.ipynb", "sweep": {"x": []}}, "INVALID_PARAMETER", "non-empty list"),
        ({"path": "p.ipynb", "sweep": {"x": 3}}, "INVALID_REQUEST", "'sweep.x'"),
        ({"parameters": {}}, "INVALID_REQUEST", "'path': Field required"),
        ({"path": "nope.ipynb"}, "INVALID_NOTEBOOK", "Notebook not found"),
        ({"path": "data.csv"}, "INVALID_NOTEBOOK", "is not a notebook"),
        ([1, 2], "INVALID_REQUEST", "Invalid CreateJob request"),
        ({"path": "p.ipynb", "sample": 2}, "INVALID_REQUEST", "apply to a sweep"),
        ({"path": "p.ipynb", "timeout": -1}, "INVALID_REQUEST", "'timeout'"),
        ({"path": "p.ipynb", "resources": {"GPU": 1}}, "INVALID_PARAMETER", "cannot reserve"),
        ({"path": "p.ipynb", "include": ["missing.py"]}, "INVALID_PARAMETER", "missing.py"),
        (
            {"path": "p.ipynb", "sweep": {"x": ["1:3"]}, "optimize": "max(a)", "trials": 0},
            "INVALID_REQUEST",
            "'trials'",
        ),
        (
            {
                "path": "p.ipynb",
                "sweep": {"x": ["1:3"]},
                "optimize": "max(a)",
                "trials": 2,
                "sampler": "bayes",
            },
            "INVALID_PARAMETER",
            "use tpe, random, cmaes, qmc, grid",
        ),
        (
            {"path": "p.ipynb", "sweep": {"x": ["1:3"]}, "optimize": "a", "trials": 2},
            "INVALID_PARAMETER",
            "max(METRIC) or min(METRIC)",
        ),
        ({"path": "p.ipynb", "trials": 3}, "INVALID_REQUEST", "--trials belongs to a study"),
    ],
    ids=[
        "executor-in-body",
        "tracking-uri-in-body",
        "unknown-parameter",
        "wrong-type",
        "empty-sweep",
        "sweep-not-a-list",
        "no-path",
        "missing-notebook",
        "not-a-notebook",
        "not-an-object",
        "sample-without-sweep",
        "negative-timeout",
        "resources-on-local",
        "missing-include",
        "zero-trials",
        "unknown-sampler",
        "objective-not-max-or-min",
        "trials-without-optimize",
    ],
)
async def test_bad_submissions_are_refused_before_anything_runs(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri, body, error, fragment
):
    mlops_notebook("print(x)", params="x: int = 1", name="p.ipynb", folder=jp_root_dir)
    (jp_root_dir / "data.csv").write_text("a\n1\n")
    before = run_count(mlops_tracking_uri)

    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "jobs", method="POST", body=json.dumps(body)
    )

    assert code == 400
    assert answer["error"] == error
    assert fragment in answer["message"]
    assert set(answer) == {"error", "message"}
    assert run_count(mlops_tracking_uri) == before


@pytest.mark.parametrize("path", ["../outside.py", "..%2Foutside.py", "/etc/passwd"])
async def test_included_paths_stay_inside_the_root(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri, path
):
    mlops_notebook("x = 1", name="p.ipynb", folder=jp_root_dir)
    (jp_root_dir.parent / "outside.py").write_text("SECRET = 1\n")
    before = run_count(mlops_tracking_uri)

    code, answer = await mlops_get_error(
        jp_fetch,
        "mlops",
        "jobs",
        method="POST",
        body=json.dumps({"path": "p.ipynb", "include": [path]}),
    )

    assert code == 403 and answer["error"] == "PATH_OUTSIDE_ROOT"
    assert "Refused included path" in answer["message"]
    assert run_count(mlops_tracking_uri) == before


async def test_sweep_options_and_included_files_reach_the_runs(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    """What the CLI's --include, --sample, --seed, --max-concurrency and --experiment do,
    the REST body does too."""
    (jp_root_dir / "lib").mkdir()
    (jp_root_dir / "lib" / "helper.py").write_text("def twice(v):\n    return 2 * v\n")
    mlops_notebook(
        "import mlflow, helper\nmlflow.log_metric('twice', helper.twice(lr))",
        params="lr: float = 0.1",
        name="train.ipynb",
        folder=jp_root_dir / "project",
    )
    body = {
        "path": "project/train.ipynb",
        "sweep": {"lr": ["0.001:0.1:log"]},
        "sample": 3,
        "seed": 7,
        "max_concurrency": 1,
        "include": ["lib/helper.py"],
        "experiment": "rest-options",
        "timeout": 300,
    }

    created = await mlops_post(jp_fetch, "mlops", "jobs", body=body)

    assert created["sweep"] is True and len(created["children"]) == 3
    from mlflow import MlflowClient

    client = MlflowClient(mlops_tracking_uri)
    parent = client.get_run(created["run_id"])
    assert client.get_experiment(parent.info.experiment_id).name == "rest-options"
    assert parent.data.tags["mlops.sweep.max_concurrency"] == "1"
    for child in created["children"]:
        job = await wait_for(jp_fetch, child, lambda j: j["status"] in {"FINISHED", "FAILED"})
        assert job["status"] == "FINISHED", job
        assert job["attempt"] == 1
        assert 0.001 <= job["parameters"]["lr"] <= 0.1
        run = client.get_run(child)
        assert run.data.metrics["twice"] == pytest.approx(2 * job["parameters"]["lr"])
        assert json.loads(run.data.tags["mlops.job.includes"]) == ["helper.py"]
        assert run.data.tags["mlops.job.timeout"] == "300.0"


async def test_a_study_runs_through_the_rest_api_against_the_real_server(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    mlops_notebook(
        "import mlflow\nmlflow.log_metric('score', -(x - 2) ** 2)",
        params="x: float = 0.0",
        name="quad.ipynb",
        folder=jp_root_dir,
    )
    body = {
        "path": "quad.ipynb",
        "sweep": {"x": ["0:4"]},
        "optimize": "max(score)",
        "trials": 3,
        "seed": 1,
        "max_concurrency": 1,
        "pruner": "none",
    }
    created = await mlops_post(jp_fetch, "mlops", "jobs", body=body)
    assert (created["study"], created["sweep"], created["children"]) == (True, True, [])
    done = {"FINISHED", "FAILED", "KILLED"}
    study = await wait_for(jp_fetch, created["run_id"], lambda j: j["status"] in done)
    assert study["status"] == "FINISHED", study
    listed = await jp_fetch("mlops", "jobs", params={"parent": created["run_id"]})
    trials = json.loads(listed.body)["jobs"]
    assert sorted(t["status"] for t in trials) == ["FINISHED"] * 3
    from mlflow import MlflowClient

    tags = MlflowClient(mlops_tracking_uri).get_run(created["run_id"]).data.tags
    assert tags["mlops.study.best_run"] in {t["run_id"] for t in trials}


async def test_request_body_that_is_not_json_is_refused(jp_fetch):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "jobs", method="POST", body="{nope")

    assert code == 400
    assert answer["error"] == "INVALID_REQUEST"
    assert answer["message"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize(
    ("parts", "params", "code", "error"),
    [
        (("jobs", "0" * 32), {}, 404, "NOT_FOUND"),
        (("jobs",), {"status": "DONE"}, 400, "INVALID_PARAMETER"),
        (("jobs",), {"parent": "x' or '1'='1"}, 400, "INVALID_REQUEST"),
        (("jobs",), {"max_results": "0"}, 400, "INVALID_REQUEST"),
        (("receipts", "0" * 32), {}, 404, "NOT_FOUND"),
    ],
    ids=["unknown-job", "unknown-status", "parent-not-a-run-id", "max-results", "no-receipt"],
)
async def test_bad_job_queries(jp_fetch, parts, params, code, error):
    got, answer = await mlops_get_error(jp_fetch, "mlops", *parts, params=params)

    assert (got, answer["error"]) == (code, error)


class TestExecutorFromConfiguration:
    @pytest.fixture
    def mlops_app_config(self, mlops_tracking_uri) -> dict[str, Any]:
        return {
            "tracking_uri": mlops_tracking_uri,
            "warm_models_cache": False,
            "executor": "no-such-executor",
        }

    async def test_configured_executor_is_the_one_used(
        self, jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
    ):
        mlops_notebook("x = 1", name="e.ipynb", folder=jp_root_dir)

        code, answer = await mlops_get_error(
            jp_fetch, "mlops", "jobs", method="POST", body=json.dumps({"path": "e.ipynb"})
        )

        assert code == 400
        assert answer["error"] == "INVALID_CONFIG"
        assert "Unknown executor 'no-such-executor'" in answer["message"]


def test_dask_address_makes_the_executor_name(jp_serverapp):
    app = jp_serverapp.extension_manager.extension_apps["jupyter_mlops"]
    (mlops_app,) = app
    mlops_app.executor, mlops_app.dask_address = "dask", "127.0.0.1:8786"
    assert mlops_app.job_executor() == "dask://127.0.0.1:8786"
    mlops_app.executor = "local"
    assert mlops_app.job_executor() == "local"


def test_paths_in_job_answers_are_relative_to_root(jp_root_dir: Path):
    from jupyter_mlops.server.paths import relative_to_root

    assert relative_to_root(jp_root_dir, jp_root_dir / "a" / "b.ipynb") == "a/b.ipynb"
    assert relative_to_root(jp_root_dir, jp_root_dir.parent / "b.ipynb") is None
