"""Helpers for the governance tests: models made straight in a real MLflow registry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_mlops.card import ModelCard
from jupyter_mlops.tracking import get_client

LATER = datetime.now(timezone.utc) + timedelta(days=400)
"""A moment far enough ahead that every version is older than any staleness limit."""


def card_tags(**card: Any) -> dict[str, str]:
    return ModelCard(**card).to_tags()


def make_model(
    uri: str,
    name: str,
    versions: int = 1,
    aliases: dict[str, int] | None = None,
    version_tags: dict[int, dict[str, str]] | None = None,
    **card: Any,
) -> None:
    """A registered model carrying ``card`` (tags) with ``versions`` versions and aliases."""
    client = get_client(uri)
    tags = card_tags(name=name, **card)
    client.create_registered_model(name, tags=tags)
    for number in range(1, versions + 1):
        extra = (version_tags or {}).get(number, {})
        client.create_model_version(name, source=f"s3://nowhere/{name}", tags={**tags, **extra})
    for alias, number in (aliases or {}).items():
        client.set_registered_model_alias(name, alias, str(number))


def monitor_tags(
    at: datetime, drift: str = "ok", alerts: list[str] | None = None
) -> dict[str, str]:
    """The monitoring summary an evaluation leaves on a model or a version."""
    return {
        "mlops.monitor.last_eval_at": str(int(at.timestamp() * 1000)),
        "mlops.monitor.drift_status": drift,
        "mlops.monitor.drift_reasons": json.dumps(["PSI 0.40 on x"] if drift == "drift" else []),
        "mlops.monitor.alert_status": "alert" if alerts else "ok",
        "mlops.monitor.alert_reasons": json.dumps(alerts or []),
    }
