"""The governance policy: ``[tool.jupyter-mlops.policy]`` in pyproject.toml, with defaults.

Example::

    [tool.jupyter-mlops.policy]
    staleness_days = 30          # evaluations older than this are stale
    drift_psi = 0.2              # PSI above this on any feature is drift
    drift_ks = 0.2               # KS statistic above this on any feature is drift
    decay_pct = 5.0              # default drop vs champion for alert rules without max_drop_pct
    gated_aliases = ["champion"]

    [tool.jupyter-mlops.policy.required_fields]
    high = ["owner", "use_case", "materiality", "documentation_url"]

    [tool.jupyter-mlops.policy.approval.high]
    validation = ["passed", "waived"]
    approver = "not_owner"       # "none", "any" or "not_owner"
    complete_card = true         # the tier's required_fields must be filled in
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..card import ModelCard, ValidationStatus
from ..errors import ConfigError

Tier = Literal["unrated", "low", "medium", "high"]
TIERS: tuple[Tier, ...] = ("unrated", "low", "medium", "high")
ANY_VALIDATION: list[ValidationStatus] = [
    "not_started",
    "in_progress",
    "passed",
    "failed",
    "waived",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRule(_Strict):
    """What moving a gated alias (or to the production stage) needs, for one risk tier."""

    validation: list[ValidationStatus] = Field(
        default_factory=lambda: list(ANY_VALIDATION),
        description="Validation statuses that allow the promotion.",
    )
    approver: Literal["none", "any", "not_owner"] = Field(
        "none", description="Whether an approver is needed, and whether it may be the owner."
    )
    complete_card: bool = Field(
        False, description="Whether the tier's required card fields must all be filled in."
    )


def _default_required() -> dict[Tier, list[str]]:
    return {
        "unrated": ["owner"],
        "low": ["owner"],
        "medium": ["owner", "use_case"],
        "high": ["owner", "use_case", "materiality", "documentation_url"],
    }


def _default_approval() -> dict[Tier, ApprovalRule]:
    return {
        "unrated": ApprovalRule(),
        "low": ApprovalRule(),
        "medium": ApprovalRule(validation=["not_started", "in_progress", "passed", "waived"]),
        "high": ApprovalRule(
            validation=["passed", "waived"], approver="not_owner", complete_card=True
        ),
    }


class Policy(_Strict):
    """Governance rules: required card fields, staleness, drift and decay limits, approvals."""

    staleness_days: int = Field(30, ge=1, description="Days after which an evaluation is stale.")
    drift_psi: float = Field(0.2, gt=0, description="PSI above this on a feature is drift.")
    drift_ks: float = Field(0.2, gt=0, le=1, description="KS statistic above this is drift.")
    decay_pct: float = Field(
        5.0, gt=0, le=100, description="Drop vs champion that alerts, when a rule sets none."
    )
    gated_aliases: list[str] = Field(
        default_factory=lambda: ["champion"], description="Aliases whose moves need approval."
    )
    required_fields: dict[Tier, list[str]] = Field(default_factory=_default_required)
    approval: dict[Tier, ApprovalRule] = Field(default_factory=_default_approval)

    @field_validator("required_fields")
    @classmethod
    def _known_fields(cls, value: dict[Tier, list[str]]) -> dict[Tier, list[str]]:
        for tier, fields in value.items():
            unknown = [f for f in fields if f not in ModelCard.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown card field(s) {', '.join(unknown)} for tier {tier!r}; card fields: "
                    f"{', '.join(ModelCard.model_fields)}"
                )
        return {**_default_required(), **value}

    @field_validator("approval")
    @classmethod
    def _all_tiers(cls, value: dict[Tier, ApprovalRule]) -> dict[Tier, ApprovalRule]:
        return {**_default_approval(), **value}

    def tier_of(self, risk_tier: str | None) -> Tier:
        """The policy tier of a card's risk tier (``unrated`` when it has none)."""
        return risk_tier if risk_tier in ("low", "medium", "high") else "unrated"  # type: ignore[return-value]


def _key(loc: tuple[int | str, ...]) -> str:
    # pydantic marks a bad dict key with a trailing "[key]": the key itself is the culprit
    return ".".join(str(part) for part in loc if part != "[key]") or "policy"


def parse_policy(table: Any, source: str = "[tool.jupyter-mlops.policy]") -> Policy:
    """Validate a policy table, raising :class:`ConfigError` that names the bad key."""
    if table is None:
        return Policy()
    if not isinstance(table, dict):
        raise ConfigError(f"{source} must be a table, got {type(table).__name__}.")
    try:
        return Policy.model_validate(table)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = _key(err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{key}'")
            else:
                problems.append(f"key '{key}': {err['msg']} (got {err['input']!r})")
        raise ConfigError(
            f"Invalid policy in {source}: " + "; ".join(problems) + ".",
            keys=[_key(e["loc"]) for e in exc.errors()],
        ) from None


def load_policy() -> Policy:
    """The policy of the nearest pyproject.toml's ``[tool.jupyter-mlops.policy]``, or defaults."""
    from ..config import find_pyproject, project_config

    table = project_config().get("policy")
    found = find_pyproject()
    where = f"[tool.jupyter-mlops.policy] of {found}" if found else "[tool.jupyter-mlops.policy]"
    return parse_policy(table, where)
