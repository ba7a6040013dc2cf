"""evaluate(): metrics, drift against the registration profile, alert rules, summary tags."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import jupyter_mlops
from jupyter_mlops.errors import MlopsError, NotFoundError
from jupyter_mlops.governance.drift import build_profile, feature_drift, psi
from jupyter_mlops.governance.evaluate import EVAL_EXPERIMENT
from jupyter_mlops.governance.report import build_report, metric_history
from jupyter_mlops.tracking import get_client

CARD = {
    "name": "tumours",
    "owner": "ana",
    "risk_tier": "low",
    "alerts": [{"metric": "accuracy", "threshold": 0.9, "max_drop_pct": 5}],
}


@pytest.fixture(scope="module")
def mlops_data():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    return model, X_train, X_test, y_test


def shifted(X):
    out = X.copy()
    for column in list(X.columns)[:10]:
        out[column] = out[column] * 1.8 + out[column].std()
    return out


def test_profile_psi_and_ks_separate_shifted_from_unshifted_data():
    rng = np.random.default_rng(0)
    reference = {"a": rng.normal(0, 1, 5000), "b": rng.uniform(0, 1, 5000)}
    import pandas as pd

    profile = build_profile(pd.DataFrame(reference))
    same = feature_drift(
        profile, pd.DataFrame({"a": rng.normal(0, 1, 2000), "b": rng.uniform(0, 1, 2000)})
    )
    moved = feature_drift(
        profile, pd.DataFrame({"a": rng.normal(1, 1, 2000), "b": rng.uniform(0, 1, 2000)})
    )
    assert max(r["psi"] for r in same) < 0.05 and max(r["ks"] for r in same) < 0.05
    assert moved[0]["feature"] == "a" and moved[0]["psi"] > 0.5 and moved[0]["ks"] > 0.3
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_evaluate_unshifted_is_quiet_and_shifted_drifts_and_alerts(mlops_backend, mlops_data):
    model, X_train, X_test, y_test = mlops_data
    client = get_client(mlops_backend)
    reg = jupyter_mlops.register(model, card=CARD, reference=X_train, alias="champion")
    client.log_metric(reg.run_id, "accuracy", 0.97)  # the champion's training score
    calm = jupyter_mlops.evaluate("tumours", X_test, y_test)
    assert (calm.version, calm.task, calm.rows) == ("1", "classification", len(X_test))
    assert calm.metrics["accuracy"] > 0.93 and set(calm.metrics) == {
        "accuracy",
        "precision",
        "recall",
        "f1",
    }
    assert (calm.drift_status, calm.alert_status, calm.alerts) == ("ok", "ok", [])
    assert len(calm.drift) == X_test.shape[1]

    bad = jupyter_mlops.evaluate("tumours@champion", shifted(X_test), y_test)
    assert bad.drift_status == "drift" and bad.alert_status == "alert"
    assert bad.drift_reasons[0].startswith("PSI ") and bad.drift_reasons[-1].endswith(
        "more feature(s)"
    )
    assert any(a.startswith("accuracy ") and "below the threshold 0.9" in a for a in bad.alerts)
    assert any("dropped" in a and "% vs champion (0.970 -> " in a for a in bad.alerts)
    # the evaluation run is linked to the version, and its summary is on the version and model
    run = client.get_run(bad.run_id)
    assert (
        run.data.tags["mlops.eval.model"] == "tumours"
        and run.data.tags["mlops.eval.version"] == "1"
    )
    assert run.data.metrics["accuracy"] == bad.metrics["accuracy"]
    assert any(k.startswith("drift.psi.") for k in run.data.metrics)
    assert client.get_experiment(run.info.experiment_id).name == EVAL_EXPERIMENT
    # ...and to the version's LoggedModel and the dataset it was measured on
    (evaluated,) = run.inputs.dataset_inputs
    assert evaluated.dataset.name == "tumours-v1-evaluation"
    assert [t.value for t in evaluated.tags] == ["evaluation"]
    assert [m.model_id for m in run.inputs.model_inputs] == [reg.model_id]
    linked = {
        (m.key, m.run_id, m.dataset_name)
        for m in client.get_logged_model(reg.model_id).metrics or []
    }
    assert ("accuracy", bad.run_id, "tumours-v1-evaluation") in linked
    version_tags = client.get_model_version("tumours", "1").tags
    assert version_tags["mlops.monitor.last_eval_run"] == bad.run_id
    assert json.loads(version_tags["mlops.monitor.alert_reasons"]) == bad.alerts
    row = jupyter_mlops.inventory().set_index("name").loc["tumours"]
    assert row.rag == "red" and row.alert_status == "alert" and row.drift_status == "drift"
    assert f"alert: {bad.alerts[0]}" in row.rag_reasons
    assert bad.plot_drift().data[0].name == "PSI"
    assert "alert: " in str(bad) and bad.drift_frame().columns.tolist() == ["feature", "psi", "ks"]
    # the report's trends come from the evaluation runs
    history = metric_history()["accuracy"]["tumours"]
    assert [value for _, value in history] == [calm.metrics["accuracy"], bad.metrics["accuracy"]]
    assert "accuracy over time" in build_report()


def test_regression_without_profile_or_labels(mlops_env):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    jupyter_mlops.register(LinearRegression().fit(X, y), "sugar")
    scored = jupyter_mlops.evaluate("sugar/1", X, y)
    assert scored.task == "regression" and set(scored.metrics) == {"rmse", "mae", "r2"}
    assert scored.drift_status == "unknown" and scored.drift == []
    unlabeled = jupyter_mlops.evaluate("models:/sugar/1", X)
    assert unlabeled.metrics == {} and unlabeled.alert_status == "unknown"


def test_bad_evaluation_inputs(mlops_env, mlops_data):
    model, _, X_test, y_test = mlops_data
    jupyter_mlops.register(model, "bad-inputs")
    with pytest.raises(NotFoundError, match="No model version 'nope@champion'"):
        jupyter_mlops.evaluate("nope@champion", X_test)
    with pytest.raises(NotFoundError, match="No model version 'bad-inputs/9'"):
        jupyter_mlops.evaluate("bad-inputs/9", X_test)
    with pytest.raises(MlopsError, match="labels has 3 rows but the data gave"):
        jupyter_mlops.evaluate("bad-inputs", X_test, y_test[:3])
    with pytest.raises(MlopsError, match="Unknown task 'ranking'"):
        jupyter_mlops.evaluate("bad-inputs", X_test, y_test, task="ranking")
