"""``pytest --mlops-run``: notebooks run with their card's smoke parameters, and fail on a
metric regression against the registered champion. A real inner pytest, kernels and store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from jupyter_mlops.config import resolve_tracking_uri
from jupyter_mlops.tracking import get_client

TRAIN = (
    "import mlflow\n"
    "mlflow.log_metric('accuracy', 0.5 if rows < 100 else 0.9)\n"
    "mlflow.log_metric('rows_seen', rows)"
)
RULE = {"metric": "accuracy", "direction": "higher_is_better", "max_drop_pct": 5}


def _card(name: str, **extra) -> dict:
    return {
        "name": name,
        "owner": "ana",
        "alerts": [RULE],
        "smoke_parameters": {"rows": 10},
        **extra,
    }


def _champion(name: str, accuracy: float) -> None:
    """A registered version whose training run logged ``accuracy``, holding ``champion``."""
    client = get_client(resolve_tracking_uri())
    experiment = client.get_experiment_by_name("Default") or client.get_experiment("0")
    run = client.create_run(experiment.experiment_id)
    client.log_metric(run.info.run_id, "accuracy", accuracy)
    client.set_terminated(run.info.run_id)
    client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.set_registered_model_alias(name, "champion", version.version)


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MLFLOW_TRACKING_URI=resolve_tracking_uri())
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--mlops-run",
            "-p",
            "no:cacheprovider",
            "-rA",
            *args,
            str(folder),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def ci_folder(mlops_env: Path) -> Path:
    folder = mlops_env / "ci"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n")  # the inner run's own root
    return folder


def test_smoke_run_that_regresses_vs_the_champion_fails(ci_folder, mlops_notebook):
    _champion("smoke-model", 0.9)
    mlops_notebook(TRAIN, params="rows: int = 1000", card=_card("smoke-model"), folder=ci_folder)

    result = _pytest(ci_folder)

    assert result.returncode == 1, result.stdout
    assert "accuracy dropped 44.4% vs champion (0.900 -> 0.500)" in result.stdout
    assert "champion smoke-model v1" in result.stdout
    client = get_client(resolve_tracking_uri())
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        filter_string="tags.`mlops.job` = 'true'",
    )
    assert [r.data.params["rows"] for r in runs] == ["10"]  # the card's smoke value was used


def test_smoke_run_without_regression_passes_and_params_override(ci_folder, mlops_notebook):
    _champion("steady-model", 0.9)
    mlops_notebook(TRAIN, params="rows: int = 1000", card=_card("steady-model"), folder=ci_folder)

    result = _pytest(ci_folder, "--mlops-param", "rows=500")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_rule_metric_the_run_never_logged_fails(ci_folder, mlops_notebook):
    card = _card("quiet-model", alerts=[{**RULE, "metric": "auc"}])
    mlops_notebook(TRAIN, params="rows: int = 1000", card=card, folder=ci_folder)

    result = _pytest(ci_folder)

    assert result.returncode == 1
    assert "logged no auc, which the card's alert rules check" in result.stdout


def test_check_refuses_smoke_parameters_the_notebook_does_not_take(mlops_notebook):
    nb = mlops_notebook(
        TRAIN, params="rows: int = 1000", card={**_card("m"), "smoke_parameters": {"epochs": 1}}
    )

    result = run_cli("check", str(nb))

    assert result.returncode == 1
    assert "smoke_parameters" in result.stdout and "Unknown parameter 'epochs'" in result.stdout
