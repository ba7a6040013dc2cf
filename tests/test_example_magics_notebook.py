"""The magics-and-widgets example notebook, executed end to end by nbval in a real kernel.

Cells whose output holds run ids, paths or widget models are tagged ``nbval-ignore-output``;
every other output (parameters table, promotion, model list, sweep statuses, chart names,
inventory frame) must match what is stored in the notebook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "magics_and_widgets.ipynb"
TRAIN = ROOT / "notebooks" / "train_classifier.ipynb"


def test_example_uses_the_magics_and_every_widget():
    source = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"])
    for used in (
        "%load_ext jupyter_mlops",
        "%mlops params",
        "%mlops card",
        "%%mlops track",
        "%mlops register",
        "%mlops promote",
        "%mlops models",
        "%mlops run",
        "%mlops jobs",
        "%mlops receipt",
    ):
        assert used in source
    for widget in ("card_editor(", "launcher(", "compare(", "job_monitor(", "models("):
        assert f"mlops.{widget}" in source


@pytest.mark.timeout(900)
def test_magics_and_widgets_notebook_passes_nbval(mlops_env):
    for path in (NOTEBOOK, TRAIN):
        shutil.copy(path, mlops_env / path.name)
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{mlops_env / 'mlflow.db'}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval-cell-timeout=800",
            str(mlops_env / NOTEBOOK.name),
        ],
        capture_output=True,
        text=True,
        cwd=mlops_env,
        env=env,
        timeout=880,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    assert "failed" not in result.stdout and "passed" in result.stdout
