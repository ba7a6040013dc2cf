"""What a job sees of the environment it was started from, and what it stores: real jobs on
the local executor, with fake secrets set (Dask kernels start through the same manager)."""

from __future__ import annotations

import json

import pytest

from jupyter_mlops.jobs.environment import (
    MASK,
    job_environment,
    scrub,
    secret_values,
)
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.jobs.submit import submit
from jupyter_mlops.tracking import read_artifact_text

SECRETS = {
    "JUPYTER_TOKEN": "fake-jupyter-token-0451",
    "AWS_SECRET_ACCESS_KEY": "fake-aws-secret-0452",
    "MY_SERVICE_PASSWORD": "fake-service-pass-0453",
    "MLFLOW_TRACKING_PASSWORD": "fake-mlflow-pass-0454",
}

PRINTS = """
import os
print(json.dumps(dict(os.environ)))
print("sees mlflow password:", "MLFLOW_TRACKING_PASSWORD" in os.environ)
print("sees aws key:", "AWS_SECRET_ACCESS_KEY" in os.environ)
print("sees token:", "JUPYTER_TOKEN" in os.environ)
print("path set:", bool(os.environ.get("PATH")))
"""


def test_the_allowlist_keeps_what_a_job_needs_and_drops_the_rest(monkeypatch):
    source = {
        "PATH": "/usr/bin",
        "HOME": "/home/ana",
        "LC_ALL": "C.UTF-8",
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:5000",
        "JUPYTER_MLOPS_HOME": "/tmp/h",
        "OMP_NUM_THREADS": "1",
        **SECRETS,
    }
    monkeypatch.delenv("JUPYTER_MLOPS_JOB_ENV", raising=False)
    kept = job_environment(source)
    assert set(kept) == {
        "PATH", "HOME", "LC_ALL", "MLFLOW_TRACKING_URI", "JUPYTER_MLOPS_HOME",
        "OMP_NUM_THREADS", "MLFLOW_TRACKING_PASSWORD",
    }  # fmt: skip

    monkeypatch.setenv("JUPYTER_MLOPS_JOB_ENV", "AWS_*, MY_SERVICE_PASSWORD")
    assert {"AWS_SECRET_ACCESS_KEY", "MY_SERVICE_PASSWORD"} <= set(job_environment(source))
    assert "JUPYTER_TOKEN" not in job_environment(source)


def test_secret_values_are_masked_as_written_and_inside_json(monkeypatch):
    source = {"API_KEY": 'a"b\\c-long', "SHORT_TOKEN": "1", "USER": "ana-the-user"}
    secrets = secret_values(source)
    text = json.dumps({"out": 'key a"b\\c-long here'}) + ' raw a"b\\c-long'
    clean = scrub(text, secrets)
    assert 'a"b\\c-long' not in clean and json.dumps('a"b\\c-long')[1:-1] not in clean
    assert clean.count(MASK) == 2
    assert scrub("ana-the-user 1", secrets) == "ana-the-user 1"  # not secrets: kept


@pytest.fixture
def fake_secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def _stored(job) -> str:
    from jupyter_mlops.config import get_settings

    uri = get_settings().tracking_uri
    return read_artifact_text(uri, job.run_id, f"output/{job.notebook.rsplit('/', 1)[-1]}")


def test_a_job_never_sees_or_stores_the_submitters_secrets(mlops_notebook, fake_secrets):
    nb = mlops_notebook(
        "import json",
        PRINTS,
        "raise ValueError('leaked ' + os.environ['MLFLOW_TRACKING_PASSWORD'])",
        name="env.ipynb",
    )

    [job] = submit(JobRequest(notebook=nb)).wait()

    assert job.status == "FAILED" and job.ename == "ValueError"
    assert job.evalue == f"leaked {MASK}"  # the failure message is masked too
    stored = _stored(job)
    for value in fake_secrets.values():
        assert value not in stored
    assert "sees token: False" in stored and "sees aws key: False" in stored
    assert "sees mlflow password: True" in stored  # MLflow's credentials pass, masked
    assert MASK in stored and "path set: True" in stored


def test_an_extended_allowlist_passes_a_variable_but_still_masks_it(
    mlops_notebook, fake_secrets, monkeypatch
):
    monkeypatch.setenv("JUPYTER_MLOPS_JOB_ENV", "AWS_*")
    nb = mlops_notebook("import json", PRINTS, name="aws.ipynb")

    [job] = submit(JobRequest(notebook=nb)).wait()

    assert job.status == "FINISHED"
    stored = _stored(job)
    assert "sees aws key: True" in stored and fake_secrets["AWS_SECRET_ACCESS_KEY"] not in stored
    assert "sees token: False" in stored
