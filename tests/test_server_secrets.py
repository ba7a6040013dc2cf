"""A tracking URI carrying credentials is never shown: not by ``GET mlops/health``, not in a
job's MLflow link, not in an error. A real Jupyter server and a real ``mlflow server``."""

from __future__ import annotations

import json

import pytest
from server_support import mlops_get_error

from jupyter_mlops.tracking import shown_uri

pytestmark = pytest.mark.server

SECRET = "s3cr3t-pass-0455"


@pytest.fixture
def mlops_tracking_uri(mlops_server) -> str:
    return str(mlops_server.uri).replace("http://", f"http://ana:{SECRET}@")


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("https://ana:pw@mlflow.example.com/path?token=x", "https://mlflow.example.com/path"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("sqlite:////tmp/mlflow.db", "sqlite:////tmp/mlflow.db"),
        ("databricks", "databricks"),
    ],
)
def test_shown_uri_drops_credentials_only(uri, shown):
    assert shown_uri(uri) == shown


async def test_health_links_and_errors_never_show_the_password(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_server
):
    health = json.loads((await jp_fetch("mlops", "health")).body)
    assert health["tracking_uri"] == str(mlops_server.uri)

    from mlflow import MlflowClient

    from jupyter_mlops.jobs import spec

    client = MlflowClient(str(mlops_server.uri))
    experiment = client.create_experiment("secret-links")
    run = client.create_run(experiment).info.run_id
    client.set_tag(run, spec.JOB, "true")
    described = (await jp_fetch("mlops", "jobs", run)).body.decode()
    assert SECRET not in described and json.loads(described)["run_url"].startswith(
        str(mlops_server.uri)
    )

    code, answer = await mlops_get_error(jp_fetch, "mlops", "jobs", "0" * 32)
    assert code == 404 and SECRET not in answer["message"]
