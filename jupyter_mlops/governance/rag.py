"""Red, amber, green: explicit rules, each finding stated as a human-readable reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..notebook_path import file_name
from .facts import DAY_MS, ModelFacts
from .policy import Policy

SIGNED_OFF = ("passed", "waived")
LEVELS = ("green", "amber", "red")


@dataclass(frozen=True)
class Finding:
    """One rule that a model breaks: ``level`` is ``red`` or ``amber``."""

    rule: str
    level: str
    reason: str


Rule = Callable[[ModelFacts, Policy, int], list[Finding]]


def _no_owner(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    return [] if m.card("owner") else [Finding("no_owner", "red", "no owner")]


def _production_without_validation(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    status = m.card("validation_status") or "not_started"
    if not m.in_production or status in SIGNED_OFF:
        return []
    reason = f"production model without validation sign-off (validation {status})"
    return [Finding("production_without_validation", "red", reason)]


def _validation_failed(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    if m.card("validation_status") != "failed":
        return []
    return [Finding("validation_failed", "red", "validation failed")]


def _alerts(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    if m.alert_status != "alert":
        return []
    reasons = m.alert_reasons or ["an alert rule fired"]
    return [Finding("alert", "red", f"alert: {reason}") for reason in reasons]


def _missing_fields(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    tier = policy.tier_of(m.card("risk_tier"))
    # a missing owner is its own red finding
    required = [f for f in policy.required_fields.get(tier, []) if f != "owner"]
    missing = [f for f in required if not m.card(f)]
    if not missing:
        return []
    label = "unrated" if tier == "unrated" else f"{tier}-risk"
    reason = f"missing card fields for a {label} model: {', '.join(missing)}"
    return [Finding("missing_fields", "amber", reason)]


def _no_risk_tier(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    return [] if m.card("risk_tier") else [Finding("no_risk_tier", "amber", "no risk tier")]


def _drift(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    if m.drift_status != "drift":
        return []
    detail = "; ".join(m.drift_reasons) or "a feature drifted"
    return [Finding("drift", "amber", f"drift: {detail}")]


def _stale_evaluation(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    if not m.in_production:
        return []
    last = m.last_eval_at
    if last is None:
        return [Finding("stale_evaluation", "amber", "production model never evaluated")]
    days = (now - last) // DAY_MS
    if days <= policy.staleness_days:
        return []
    return [Finding("stale_evaluation", "amber", f"no evaluation in {days} days")]


def _undocumented_production(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    status = m.card("documentation_status") or "missing"
    if not m.in_production or status not in ("missing", "draft"):
        return []
    reason = f"production model with {status} documentation"
    return [Finding("undocumented_production", "amber", reason)]


def _unmonitored_production(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    if not m.in_production:
        return []
    monitoring = m.monitoring
    if monitoring is None:
        reason = (
            "production model with no scheduled monitoring: name its monitoring notebook and "
            "cron on the card (monitoring: {notebook, cron})"
        )
        return [Finding("unmonitored_production", "amber", reason)]
    notebook = file_name(str(monitoring["notebook"]))
    if notebook in m.scheduled:
        return []
    reason = (
        f"monitoring notebook {notebook} is not scheduled: jupyter mlops schedule create "
        f"{monitoring['notebook']} --cron '{monitoring.get('cron', '0 6 * * *')}'"
    )
    return [Finding("unmonitored_production", "amber", reason)]


def _retired_alias(m: ModelFacts, policy: Policy, now: int) -> list[Finding]:
    return [
        Finding("retired_alias", "amber", f"alias '{alias}' points at retired version {number}")
        for alias, number in sorted(m.aliases.items())
        if number in m.versions and m.versions[number].stage == "retired"
    ]


RULES: dict[str, Rule] = {
    "no_owner": _no_owner,
    "production_without_validation": _production_without_validation,
    "validation_failed": _validation_failed,
    "alert": _alerts,
    "missing_fields": _missing_fields,
    "no_risk_tier": _no_risk_tier,
    "drift": _drift,
    "stale_evaluation": _stale_evaluation,
    "undocumented_production": _undocumented_production,
    "unmonitored_production": _unmonitored_production,
    "retired_alias": _retired_alias,
}
"""Every RAG rule by name, in the order its findings are listed."""


def assess(model: ModelFacts, policy: Policy, now_ms: int) -> tuple[str, list[Finding]]:
    """The RAG status of ``model`` and the findings behind it, red ones first.

    Parameters
    ----------
    model
        What the registry says about the model.
    policy
        The governance policy.
    now_ms
        The time of the assessment, in milliseconds since the epoch.
    """
    findings = [f for rule in RULES.values() for f in rule(model, policy, now_ms)]
    findings.sort(key=lambda f: -LEVELS.index(f.level))
    status = findings[0].level if findings else "green"
    return status, findings
