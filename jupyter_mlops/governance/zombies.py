"""Zombies: models and versions that live on in the registry with nobody looking after them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .facts import DAY_MS, ModelFacts, fetch_facts
from .inventory import now_ms
from .policy import Policy, load_policy

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("stale_production", "no_owner", "retired_alias", "unused_version")
COLUMNS = ["name", "version", "kind", "reason"]


def _days(now: int, then: int) -> int:
    return int((now - then) // DAY_MS)


def _stale_production(m: ModelFacts, limit: int, now: int) -> list[dict[str, Any]]:
    found = []
    for number in m.production_versions():
        version = m.versions.get(number)
        if version is None:
            continue
        last = version.last_eval_at
        since = last if last is not None else version.created_at
        if since is None or _days(now, since) <= limit:
            continue
        if last is None:
            why = (
                f"in production, never evaluated in the {_days(now, since)} days since registration"
            )
        else:
            why = f"in production, no evaluation in {_days(now, last)} days (limit {limit})"
        found.append({"version": number, "kind": "stale_production", "reason": why})
    return found


def _unused(m: ModelFacts, limit: int, now: int) -> list[dict[str, Any]]:
    return [
        {
            "version": number,
            "kind": "unused_version",
            "reason": "never evaluated nor loaded in the "
            f"{_days(now, v.created_at)} days since registration",
        }
        for number, v in sorted(m.versions.items(), key=lambda kv: int(kv[0]))
        if v.last_eval_at is None
        and v.loaded_at is None
        and v.created_at is not None
        and _days(now, v.created_at) > limit
    ]


def model_zombies(model: ModelFacts, policy: Policy, at_ms: int) -> list[dict[str, Any]]:
    """The zombie findings of one model, each with its kind and reason."""
    found: list[dict[str, Any]] = []
    if not model.card("owner"):
        found.append({"version": None, "kind": "no_owner", "reason": "the model has no owner"})
    found += _stale_production(model, policy.staleness_days, at_ms)
    for alias, number in sorted(model.aliases.items()):
        version = model.versions.get(number)
        if version is not None and version.stage == "retired":
            reason = f"alias '{alias}' points at retired version {number}"
            found.append({"version": number, "kind": "retired_alias", "reason": reason})
    found += _unused(model, policy.staleness_days, at_ms)
    return [{"name": model.name, **item} for item in found]


def zombies(
    tracking_uri: str | None = None,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Every zombie in the registry: one row per finding, with its kind and reason.

    Kinds: ``stale_production`` (a champion or production version not evaluated within the
    staleness limit), ``no_owner``, ``retired_alias`` (an alias on a retired version) and
    ``unused_version`` (never evaluated nor loaded, registered longer ago than the limit).
    """
    import pandas as pd

    rules = policy or load_policy()
    at_ms = now_ms(now)
    rows = [
        z
        for m in fetch_facts(tracking_uri, every_version=True)
        for z in model_zombies(m, rules, at_ms)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
