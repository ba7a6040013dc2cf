"""New alerts are posted once to the webhook set in the server configuration."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest
from governance_support import make_model, monitor_tags

from jupyter_mlops.config import get_settings
from jupyter_mlops.governance.notify import NOTIFIED_RUN, post_alerts
from jupyter_mlops.tracking import get_client


def alerting_model(uri: str, name: str, run: str) -> None:
    tags = {
        **monitor_tags(datetime.now(timezone.utc), alerts=["accuracy dropped 9.0% vs champion"]),
        "mlops.monitor.last_eval_run": run,
        "mlops.monitor.last_eval_version": "1",
    }
    make_model(uri, name, 1, owner="ana")
    for key, value in tags.items():
        get_client(uri).set_registered_model_tag(name, key, value)


def test_each_alert_is_posted_once(mlops_env, mlops_webhook):
    url, received = mlops_webhook
    uri = get_settings().tracking_uri
    alerting_model(uri, "loud", "run-1")
    make_model(uri, "quiet", 1, owner="bo")
    assert post_alerts(url) == 1
    assert received == [
        {
            "model": "loud",
            "version": "1",
            "evaluation_run": "run-1",
            "alerts": ["accuracy dropped 9.0% vs champion"],
            "drift_status": "ok",
        }
    ]
    assert post_alerts(url) == 0 and len(received) == 1
    assert get_client(uri).get_registered_model("loud").tags[NOTIFIED_RUN] == "run-1"
    get_client(uri).set_registered_model_tag("loud", "mlops.monitor.last_eval_run", "run-2")
    assert post_alerts(url) == 1 and received[-1]["evaluation_run"] == "run-2"


@pytest.fixture
def mlops_app_config(mlops_tracking_uri: str, mlops_webhook) -> dict[str, Any]:
    url, _ = mlops_webhook
    return {
        "tracking_uri": mlops_tracking_uri,
        "warm_models_cache": False,
        "alert_webhook_url": url,
        "alert_poll_s": 0.2,
    }


def test_the_server_posts_new_alerts_to_its_configured_webhook(
    mlops_tracking_uri, mlops_webhook, jp_serverapp
):
    _, received = mlops_webhook
    alerting_model(mlops_tracking_uri, "watched", "run-9")
    deadline = time.monotonic() + 60
    while not received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [r["model"] for r in received] == ["watched"]
