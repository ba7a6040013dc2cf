"""An alert firing and a promotion refused are told once, through apprise, to a real HTTP
receiver on 127.0.0.1 (apprise's ``json://`` scheme)."""

from __future__ import annotations

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.tree import DecisionTreeClassifier

import jupyter_mlops
from jupyter_mlops.errors import PromotionRefusedError
from jupyter_mlops.governance.promotion import promote


@pytest.fixture
def received(mlops_webhook, monkeypatch):
    url, messages = mlops_webhook
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_URLS", url.replace("http://", "json://"))
    return messages


@pytest.fixture(scope="module")
def tumours():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), X, y


def test_each_alerting_evaluation_is_told_once_and_a_quiet_one_not_at_all(received, tumours):
    model, X, y = tumours
    strict = {"owner": "ana", "alerts": [{"metric": "accuracy", "threshold": 0.999}]}
    jupyter_mlops.register(model, name="loud", card=strict, input_example=X.head(5))
    relaxed = {"owner": "ana", "alerts": [{"metric": "accuracy", "threshold": 0.5}]}
    jupyter_mlops.register(model, name="quiet", card=relaxed, input_example=X.head(5))

    first = jupyter_mlops.evaluate("loud", X, y)
    assert jupyter_mlops.evaluate("quiet", X, y).alert_status == "ok"
    second = jupyter_mlops.evaluate("loud", X.head(200), y.head(200))

    assert [m["title"] for m in received] == ["[jupyter-mlops] loud v1: alert"] * 2
    assert first.run_id in received[0]["message"] and second.run_id in received[1]["message"]
    assert "is below the threshold 0.999" in received[0]["message"]


def test_a_refused_promotion_is_told_once_per_version_and_target(received, tumours):
    model, X, _ = tumours
    card = {"owner": "ana", "risk_tier": "high", "validation_status": "in_progress"}
    jupyter_mlops.register(model, name="risky", card=card, input_example=X.head(5))

    for _ in range(2):
        with pytest.raises(PromotionRefusedError):
            promote("risky", 1, "champion")

    (message,) = received
    assert message["title"] == "[jupyter-mlops] risky v1: promotion to alias 'champion' refused"
    assert "refused by the policy" in message["message"]
