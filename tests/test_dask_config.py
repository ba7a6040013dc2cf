"""Choosing the executor and describing what a job needs: every bad input has its error."""

from __future__ import annotations

import pytest
from conftest import run_cli

from jupyter_mlops import submit_job
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import ConfigError, ExecutorUnavailableError, InvalidParameterError
from jupyter_mlops.jobs.executors import get_executor
from jupyter_mlops.jobs.executors.dask import DaskExecutor
from jupyter_mlops.jobs.inputs import parse_resources
from jupyter_mlops.jobs.query import describe_job, list_jobs

UNREACHABLE = "dask://127.0.0.1:9"  # the discard port: nothing listens there


def test_dask_address_selects_the_dask_executor():
    executor = get_executor("dask://10.0.0.5:8786")
    assert isinstance(executor, DaskExecutor) and executor.address == "10.0.0.5:8786"
    assert executor.supported_features()["resources"] is True


def test_project_config_selects_the_executor(mlops_env):
    (mlops_env / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nexecutor = "dask://10.0.0.5:8786"\n'
    )
    settings = get_settings()
    assert settings.executor == "dask://10.0.0.5:8786"
    assert get_executor(settings.executor).address == "10.0.0.5:8786"


def test_unknown_executor_lists_the_valid_ones(mlops_notebook):
    with pytest.raises(
        ConfigError, match=r"Unknown executor 'slurm://x'\. Valid executors: dask, local"
    ):
        submit_job(mlops_notebook("x = 1"), executor="slurm://x")
    result = run_cli("run", str(mlops_notebook("x = 1", name="b.ipynb")), "--executor", "k8s")
    assert result.returncode == 2 and "Valid executors: dask, local" in result.stderr


def test_dask_without_an_address_says_how_to_give_one(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with pytest.raises(ConfigError, match="needs a scheduler address: use dask://HOST:PORT"):
        get_executor("dask")


def test_dask_address_from_dask_own_setting(monkeypatch):
    import dask.config

    with dask.config.set({"scheduler-address": "tcp://10.0.0.7:8786"}):
        assert get_executor("dask").address == "tcp://10.0.0.7:8786"


@pytest.mark.parametrize("retries", ["-1", "two"])
def test_bad_retries_setting_is_rejected(monkeypatch, retries):
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_RETRIES", retries)
    with pytest.raises(ConfigError, match="JUPYTER_MLOPS_DASK_RETRIES must be a whole number"):
        get_executor(UNREACHABLE)


def test_unreachable_scheduler_fails_the_run_it_created(mlops_notebook, monkeypatch):
    monkeypatch.setattr("jupyter_mlops.jobs.executors.dask.CONNECT_TIMEOUT_S", 2.0)
    with pytest.raises(ExecutorUnavailableError, match="Cannot reach the Dask scheduler at"):
        submit_job(mlops_notebook("x = 1"), executor=UNREACHABLE)
    (job,) = list_jobs()
    assert job.status == "FAILED" and "not started" in (job.evalue or "")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("GPU", "Expected --resources NAME=AMOUNT"),
        ("GPU=1,", "Expected --resources NAME=AMOUNT"),
        ("=1", "Expected --resources NAME=AMOUNT"),
        ("GPU=many", "Resource GPU needs a positive number, got 'many'"),
        ("GPU=0", "Resource GPU needs a positive number"),
        ("MEMORY=-8e9", "Resource MEMORY needs a positive number"),
        ("GPU=inf", "Resource GPU needs a positive number"),
        ("G PU=1", "Resource name 'G PU' must be letters"),
    ],
)
def test_bad_resources_are_rejected(text, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        parse_resources(text)


def test_resources_parse_to_dask_amounts():
    assert parse_resources("GPU=1, MEMORY=8e9") == {"GPU": 1.0, "MEMORY": 8e9}
    assert parse_resources({"GPU": 2}) == {"GPU": 2.0}
    with pytest.raises(InvalidParameterError, match="Resource GPU needs a positive number"):
        parse_resources({"GPU": True})


def test_resources_need_an_executor_that_reserves_them(mlops_notebook):
    with pytest.raises(InvalidParameterError, match="The local executor cannot reserve resources"):
        submit_job(mlops_notebook("x = 1"), resources="GPU=1")
    result = run_cli("run", str(mlops_notebook("x = 1", name="b.ipynb")), "--resources", "GPU")
    assert result.returncode == 2 and "Expected --resources NAME=AMOUNT" in result.stderr


def test_bad_includes_are_rejected_before_any_run(mlops_notebook, mlops_env):
    nb = mlops_notebook("x = 1")
    with pytest.raises(
        InvalidParameterError, match=r"--include missing\.py: no such file or folder"
    ):
        submit_job(nb, include=["missing.py"])
    (mlops_env / "other").mkdir()
    (mlops_env / "other" / "job.ipynb").write_text("{}")
    with pytest.raises(InvalidParameterError, match=r"another input is already named .job\.ipynb."):
        submit_job(nb, include=[mlops_env / "other" / "job.ipynb"])
    assert list_jobs() == []


def test_local_job_with_includes_runs_beside_them(mlops_notebook, tmp_path):
    helpers = tmp_path / "lib" / "helpers.py"
    helpers.parent.mkdir()
    helpers.write_text("VALUE = 7\n")
    nb = mlops_notebook("import helpers, mlflow\nmlflow.log_metric('v', helpers.VALUE)")
    run_id = submit_job(nb, include=[helpers])
    from jupyter_mlops import wait_for_job

    assert wait_for_job(run_id).status == "FINISHED"
    assert describe_job(run_id).status == "FINISHED"
