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


FLAVOUR_CELL = """
import numpy as np
import jupyter_mlops
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True, as_frame=True)
X.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in X.columns]
picked = np.random.RandomState(0).permutation(len(X))[:rows]
Xt, yt = X.iloc[picked], y.iloc[picked]
if kind == "forest":
    from sklearn.ensemble import RandomForestClassifier
    model, data = RandomForestClassifier(n_estimators=5, random_state=0).fit(Xt, yt), X
elif kind == "xgboost":
    import xgboost
    model, data = xgboost.XGBClassifier(n_estimators=5).fit(Xt, yt), X
elif kind == "lightgbm":
    import lightgbm
    model, data = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(Xt, yt), X
elif kind == "catboost":
    import catboost
    model = catboost.CatBoostClassifier(
        iterations=5, random_seed=0, verbose=0, allow_writing_files=False
    ).fit(Xt, yt)
    data = X
else:
    import statsmodels.api as sm
    model, data = sm.OLS(yt.astype(float), sm.add_constant(Xt)).fit(), sm.add_constant(X)
predicted = np.asarray(model.predict(data), dtype=float).reshape(len(X), -1)[:, 0]
jupyter_mlops.log({"accuracy": float((np.round(predicted) == y).mean())})
reg = jupyter_mlops.register(model, input_example=data.head(3))
jupyter_mlops.log({"registered_version": int(reg.version)})
"""
FLAVOURS = {
    "forest": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "statsmodels": "statsmodels",
}


def test_smoke_check_against_a_champion_of_every_flavour(ci_folder, mlops_notebook, tmp_path):
    """Each notebook trains and registers a model of one library; its champion is the version
    a full run registered, and the smoke run (the card's smoke_parameters) is checked against
    that champion's metrics, then registers its own version in the same native flavour."""
    import xml.etree.ElementTree as ET

    import jupyter_mlops

    client = get_client(resolve_tracking_uri())
    books = {}
    for kind in FLAVOURS:
        books[kind] = mlops_notebook(
            FLAVOUR_CELL,
            params=f"kind = {kind!r}\nrows = 150",
            card={**_card(f"smoke-{kind}"), "smoke_parameters": {"rows": 150}},
            name=f"train_{kind}.ipynb",
            folder=ci_folder,
        )
    first = {kind: jupyter_mlops.submit_job(nb) for kind, nb in books.items()}
    for kind, run_id in first.items():
        assert jupyter_mlops.wait_for_job(run_id).status == "FINISHED", kind
        client.set_registered_model_alias(f"smoke-{kind}", "champion", "1")

    report = tmp_path / "smoke.xml"
    result = _pytest(ci_folder, f"--junitxml={report}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(FLAVOURS)} passed" in result.stdout
    checks = {
        case.get("classname", "").removesuffix(".ipynb"): {
            p.get("name"): p.get("value") for p in case.iter("property")
        }
        for case in ET.parse(report).getroot().iter("testcase")
    }
    for kind, flavour in FLAVOURS.items():
        props = checks[f"train_{kind}"]
        assert props["mlops_champion_check"] == f"no regression vs champion smoke-{kind} v1"
        smoke_run = client.get_run(props["mlops_run_id"])
        assert smoke_run.data.params["rows"] == "150"
        again = client.get_model_version(f"smoke-{kind}", "2")
        assert (again.run_id, again.tags["mlops.flavor"]) == (smoke_run.info.run_id, flavour)
