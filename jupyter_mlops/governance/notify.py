"""Post new alerts to a webhook. The URL comes from server configuration only.

An alert is new when the model's last evaluation fired one and that evaluation run was not
posted yet; after a successful post the run is remembered in a ``mlops.monitor.notified_run``
tag, so each alert is posted once, whichever server posts it.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from ..config import get_settings
from ..tags import LAST_EVAL_RUN, LAST_EVAL_VERSION, NOTIFIED_RUN
from ..tracking import get_client
from .facts import fetch_facts


def pending_alerts(tracking_uri: str | None = None) -> list[dict[str, Any]]:
    """Alerts of the last evaluations that were not posted yet."""
    return [
        {
            "model": m.name,
            "version": m.tags.get(LAST_EVAL_VERSION),
            "evaluation_run": m.tags[LAST_EVAL_RUN],
            "alerts": m.alert_reasons,
            "drift_status": m.drift_status,
        }
        for m in fetch_facts(tracking_uri)
        if m.alert_status == "alert"
        and m.tags.get(LAST_EVAL_RUN)
        and m.tags.get(NOTIFIED_RUN) != m.tags[LAST_EVAL_RUN]
    ]


def post_alerts(url: str, tracking_uri: str | None = None, timeout: float = 10.0) -> int:
    """POST each pending alert as JSON to ``url``; returns how many were posted."""
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    posted = 0
    for alert in pending_alerts(uri):
        request = urllib.request.Request(
            url,
            data=json.dumps(alert).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout):
            pass
        client.set_registered_model_tag(alert["model"], NOTIFIED_RUN, alert["evaluation_run"])
        posted += 1
    return posted
