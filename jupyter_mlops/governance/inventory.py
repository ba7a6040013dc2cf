"""One inventory of every registered model: card, aliases, monitoring and RAG status."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .facts import ModelFacts, fetch_facts
from .policy import Policy, load_policy
from .rag import assess

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = [
    "name",
    "owner",
    "use_case",
    "risk_tier",
    "materiality",
    "stage",
    "champion",
    "challenger",
    "latest_version",
    "last_training_run",
    "last_trained_at",
    "last_evaluation",
    "drift_status",
    "alert_status",
    "documentation_status",
    "validation_status",
    "rag",
    "rag_reasons",
]
"""The inventory's columns, in order."""


def now_ms(now: datetime | None = None) -> int:
    """``now`` (default: the current time) in milliseconds since the epoch."""
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as an ISO 8601 UTC string, or None."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds")


def inventory_row(model: ModelFacts, policy: Policy, at_ms: int) -> dict[str, Any]:
    """One inventory row (JSON-friendly: times as ISO strings) for one model."""
    rag, findings = assess(model, policy, at_ms)
    latest = model.versions.get(model.latest_version or "")
    return {
        "name": model.name,
        "owner": model.card("owner"),
        "use_case": model.card("use_case"),
        "risk_tier": model.card("risk_tier"),
        "materiality": model.card("materiality"),
        "stage": model.card("stage"),
        "champion": model.aliases.get("champion"),
        "challenger": model.aliases.get("challenger"),
        "latest_version": model.latest_version,
        "last_training_run": latest.run_id if latest else None,
        "last_trained_at": iso(latest.created_at) if latest else None,
        "last_evaluation": iso(model.last_eval_at),
        "drift_status": model.drift_status,
        "alert_status": model.alert_status,
        "documentation_status": model.card("documentation_status") or "missing",
        "validation_status": model.card("validation_status") or "not_started",
        "rag": rag,
        "rag_reasons": [f.reason for f in findings] or ["meets the policy"],
    }


def inventory_rows(
    tracking_uri: str | None = None,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """The inventory as JSON-friendly rows, sorted by model name."""
    rules = policy or load_policy()
    at_ms = now_ms(now)
    return [inventory_row(m, rules, at_ms) for m in fetch_facts(tracking_uri)]


def inventory(
    tracking_uri: str | None = None,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Every registered model with its owner, risk, stage, monitoring and RAG status.

    Parameters
    ----------
    tracking_uri
        The MLflow tracking server (default: the configured one).
    now
        The time the staleness rules are judged at (default: now).
    policy
        The governance policy (default: ``[tool.jupyter-mlops.policy]`` or its defaults).

    Returns
    -------
    pandas.DataFrame
        One row per model, columns :data:`COLUMNS`; ``rag_reasons`` is a list of strings.
    """
    import pandas as pd

    frame = pd.DataFrame(inventory_rows(tracking_uri, now=now, policy=policy), columns=COLUMNS)
    for column in ("last_trained_at", "last_evaluation"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
