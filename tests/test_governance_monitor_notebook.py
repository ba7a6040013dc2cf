"""The monitoring example notebook, run as a job in a real kernel, raises an alert."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import jupyter_mlops

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "monitor_model.ipynb"


@pytest.mark.timeout(600)
def test_monitor_notebook_evaluates_shifted_data_and_raises_an_alert(mlops_env):
    nb = mlops_env / NOTEBOOK.name
    shutil.copy(NOTEBOOK, nb)
    job = jupyter_mlops.wait_for_job(jupyter_mlops.submit_job(nb, timeout=500))
    assert job.status == "FINISHED", job.failure_reason
    row = jupyter_mlops.inventory().set_index("name").loc["monitored-classifier"]
    assert (row.champion, row.drift_status, row.alert_status, row.rag) == (
        "1",
        "drift",
        "alert",
        "red",
    )
    alerts = [r for r in row.rag_reasons if r.startswith("alert: accuracy")]
    assert any("below the threshold 0.9" in r for r in alerts)
    assert any("% vs champion" in r for r in alerts)
    assert any(r.startswith("drift: PSI ") for r in row.rag_reasons)
