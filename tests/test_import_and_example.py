"""Lightweight import, the example notebook (nbval and as a job), the demo, the pytest plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from jupyter_mlops.tracking import get_client

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "notebooks" / "train_classifier.ipynb"
HEAVY = ("mlflow", "pandas", "papermill", "plotly", "sklearn", "nbclient")


def test_import_loads_nothing_heavy():
    code = (
        "import sys, jupyter_mlops; "
        f"print([m for m in {HEAVY!r} if m in sys.modules]); print(jupyter_mlops.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, version = out.stdout.splitlines()
    assert loaded == "[]"
    assert version


def test_lazy_api_resolves_and_unknown_names_fail():
    import jupyter_mlops

    assert callable(jupyter_mlops.register) and callable(jupyter_mlops.submit_job)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = jupyter_mlops.nope


def test_example_notebook_passes_nbval(mlops_env):
    # nbval executes it in a real kernel, interactively (no job): MLflow goes to the local store.
    nb = mlops_env / EXAMPLE.name
    shutil.copy(EXAMPLE, nb)
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{mlops_env / 'nbval.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", str(nb)],
        capture_output=True,
        text=True,
        cwd=mlops_env,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed" in result.stdout


def test_example_notebook_registers_its_model_as_a_job_when_asked(mlops_env):
    nb = mlops_env / EXAMPLE.name
    shutil.copy(EXAMPLE, nb)

    result = run_cli("run", str(nb), "-p", "register", "True", "--wait", "--json", timeout=600)

    assert result.returncode == 0, result.stderr[-3000:]
    run_id = json.loads(result.stdout)["run_id"]
    client = get_client(f"sqlite:///{mlops_env / 'mlflow.db'}")
    [version] = client.search_model_versions("name='breast-cancer-classifier'")
    assert version.run_id == run_id  # the notebook's own register() call landed in the job run
    assert version.tags["mlops.card.owner"] == "data-science@example.com"


def test_demo_sweeps_registers_best_and_says_where(mlops_env):
    result = run_cli("demo", "--json", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert len(data["jobs"]) == 3 and {j["status"] for j in data["jobs"]} == {"FINISHED"}
    assert data["registration"]["name"] == "breast-cancer-classifier"
    assert data["registration"]["version"] == "1" and data["registration"]["run_id"] == data["best"]
    uri = f"sqlite:///{mlops_env / 'mlflow.db'}"
    client = get_client(uri)
    scores = {
        j["run_id"]: client.get_run(j["run_id"]).data.metrics["accuracy"] for j in data["jobs"]
    }
    assert scores[data["best"]] == max(scores.values())
    champion = client.get_model_version_by_alias("breast-cancer-classifier", "champion")
    assert champion.run_id == data["best"]
    assert champion.tags["mlops.card.risk_tier"] == "medium"
    assert "tracking store: " + uri in result.stderr and (mlops_env / "mlops-demo").is_dir()


def test_pytest_plugin_runs_notebooks_as_jobs(mlops_notebook, mlops_env):
    good = mlops_notebook("y = x * 2", params="x = 1", name="good.ipynb", folder=mlops_env / "nbs")
    mlops_notebook("raise KeyError('missing column')", name="bad.ipynb", folder=mlops_env / "nbs")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--mlops-run",
            "--mlops-param",
            "x=5",
            "-p",
            "no:cacheprovider",
            "-q",
            str(good.parent),
        ],
        capture_output=True,
        text=True,
        cwd=mlops_env,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "bad.ipynb" in result.stdout and "KeyError" in result.stdout
