"""Gated promotion: the one service behind the CLI, the magics, the API and registration.

The policy is checked before anything moves; a refusal names every rule that failed. Each alias
move or stage change is then written to the audit trail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, get_args

from ..card import Stage
from ..config import get_settings
from ..errors import NotFoundError, PromotionRefusedError, RegistrationError
from ..tags import CARD_PREFIX
from ..tracking import get_client
from .audit import AuditEvent, new_event, record_event
from .policy import Policy, load_policy


@dataclass(frozen=True)
class Refusal:
    """One policy rule a promotion breaks."""

    rule: str
    message: str


def gate(
    tags: dict[str, str],
    *,
    alias: str | None = None,
    stage: str | None = None,
    approver: str | None = None,
    policy: Policy | None = None,
) -> list[Refusal]:
    """The rules a move of ``alias`` (or to ``stage``) breaks, for a version carrying ``tags``.

    Gated aliases (``policy.gated_aliases``) and the production stage need what the approval
    rule of the card's risk tier asks; no alias may point at a retired version.
    """
    rules = policy or load_policy()

    def card(key: str) -> str | None:
        return tags.get(CARD_PREFIX + key) or None

    refused = []
    if alias and card("stage") == "retired":
        refused.append(Refusal("retired", "the version is retired"))
    if not ((alias and alias in rules.gated_aliases) or stage == "production"):
        return refused
    tier = rules.tier_of(card("risk_tier"))
    label = "an unrated" if tier == "unrated" else f"a {tier}-risk"
    rule = rules.approval[tier]
    validation = card("validation_status") or "not_started"
    if validation not in rule.validation:
        refused.append(
            Refusal(
                f"approval.{tier}.validation",
                f"{label} model needs validation status {' or '.join(rule.validation)}; "
                f"it is {validation}",
            )
        )
    owner = card("owner")
    if rule.approver != "none" and not approver:
        refused.append(Refusal(f"approval.{tier}.approver", f"{label} model needs an approver"))
    elif rule.approver == "not_owner" and approver and owner and approver.lower() == owner.lower():
        refused.append(
            Refusal(
                f"approval.{tier}.approver",
                f"{label} model needs an approver other than its owner {owner}",
            )
        )
    missing = [f for f in rules.required_fields[tier] if rule.complete_card and not card(f)]
    if missing:
        refused.append(
            Refusal(f"required_fields.{tier}", f"card fields missing: {', '.join(missing)}")
        )
    return refused


def check_gate(name: str, version: str, target: str, refused: list[Refusal]) -> None:
    """Raise :class:`PromotionRefusedError` listing ``refused``, if any."""
    if not refused:
        return
    listed = "; ".join(f"rule {r.rule}: {r.message}" for r in refused)
    raise PromotionRefusedError(
        f"Refused to move {name} version {version} to {target} by the policy: {listed}. "
        "Fix the card (and register again) or pass --approver WHO; the policy is "
        "[tool.jupyter-mlops.policy] in pyproject.toml.",
        rules=[r.rule for r in refused],
    )


def _checked(uri: str, version: Any, target: str, refused: list[Refusal]) -> None:
    """:func:`check_gate`, telling the card's owner and the channels of a refusal first
    (once per version and target)."""
    if refused:
        from ..notifications import tell

        name, number = str(version.name), str(version.version)
        key = hashlib.sha256(f"{name}/{number}/{target}".encode()).hexdigest()[:16]
        tell(
            uri,
            version.run_id or None,
            f"promotion_refused.{key}",
            f"[jupyter-mlops] {name} v{number}: promotion to {target} refused",
            f"Moving {name} version {number} to {target} was refused by the policy: "
            + "; ".join(f"{r.rule}: {r.message}" for r in refused),
            owner=dict(version.tags or {}).get(CARD_PREFIX + "owner"),
        )
    check_gate(str(version.name), str(version.version), target, refused)


def _version(client: Any, name: str, version: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version(name, version)
    except MlflowException as exc:
        raise NotFoundError(
            f"No version {version} of registered model {name!r}. List them with "
            "`jupyter mlops models`."
        ) from exc


def move_alias(tracking_uri: str, name: str, version: str, alias: str, **event: Any) -> AuditEvent:
    """Point ``alias`` at ``version`` and record the move; no policy check (see :func:`promote`)."""
    from mlflow.exceptions import MlflowException

    client = get_client(tracking_uri)
    previous = client.get_registered_model(name).aliases.get(alias)
    try:
        client.set_registered_model_alias(name, alias, version)
    except MlflowException as exc:
        raise RegistrationError(f"Cannot set alias {alias!r}: {exc.message}") from None
    moved = new_event(
        name,
        "set_alias",
        alias=alias,
        from_version=str(previous) if previous is not None else None,
        to_version=version,
        **event,
    )
    return record_event(tracking_uri, moved)


def promote(
    name: str,
    version: str | int,
    alias: str,
    tracking_uri: str | None = None,
    *,
    approver: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    policy: Policy | None = None,
) -> AuditEvent:
    """Point ``alias`` of model ``name`` at ``version`` if the policy allows; audit the move.

    Raises
    ------
    PromotionRefusedError
        Naming each failed rule (e.g. a high-risk model without validation or approver).
    NotFoundError
        When the version does not exist.
    """
    uri = get_settings(tracking_uri).tracking_uri
    number = str(version)
    found = _version(get_client(uri), name, number)
    refused = gate(dict(found.tags or {}), alias=alias, approver=approver, policy=policy)
    _checked(uri, found, f"alias {alias!r}", refused)
    return move_alias(uri, name, number, alias, approver=approver, reason=reason, actor=actor)


def set_stage(
    name: str,
    version: str | int,
    stage: str,
    tracking_uri: str | None = None,
    *,
    approver: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    policy: Policy | None = None,
) -> AuditEvent:
    """Change the lifecycle stage on a version's card (gated for production); audit it."""
    stages = get_args(Stage)
    if stage not in stages:
        raise RegistrationError(f"Unknown stage {stage!r}; stages: {', '.join(stages)}.")
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    number = str(version)
    found = _version(client, name, number)
    tags = dict(found.tags or {})
    _checked(
        uri, found, f"stage {stage!r}", gate(tags, stage=stage, approver=approver, policy=policy)
    )
    client.set_model_version_tag(name, number, CARD_PREFIX + "stage", stage)
    event = new_event(
        name,
        "set_stage",
        from_version=number,
        to_version=number,
        from_stage=tags.get(CARD_PREFIX + "stage"),
        to_stage=stage,
        approver=approver,
        reason=reason,
        actor=actor,
    )
    return record_event(uri, event)
