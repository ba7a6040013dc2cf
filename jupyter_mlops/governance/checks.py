"""``jupyter mlops check``: notebook cards against the policy, and a typed parameters cell.

Reads notebook files only: no MLflow, no kernel, so it is quick enough for a pre-commit hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..card import ModelCard, card_from_notebook, load_notebook_json
from ..errors import InvalidCardError, InvalidParameterError, NotebookError
from ..params import read_contract, validate
from .policy import Policy, load_policy


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one notebook: ``field`` is a card field or ``parameters.NAME``."""

    path: str
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


def notebook_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The notebooks named, and those inside named folders (checkpoints left out)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from (
                p for p in sorted(path.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts
            )
        else:
            yield path


def _card_problems(
    shown: str, data: dict[str, Any], policy: Policy, require_card: bool
) -> list[Problem] | None:
    try:
        card = card_from_notebook(data)
    except InvalidCardError as exc:
        fields = exc.details.get("fields") or ["card"]
        return [Problem(shown, str(fields[0]), exc.message)]
    if card is None and not require_card:
        return None  # not a model notebook
    if card is None:
        hint = f"no model card; add one with `jupyter mlops card {shown} --set owner=...`"
        return [Problem(shown, "card", hint)]
    tier = policy.tier_of(card.risk_tier)
    label = "an unrated" if tier == "unrated" else f"a {tier}-risk"
    values = card.model_dump()
    return [
        Problem(shown, field, f"required for {label} model by the policy")
        for field in policy.required_fields[tier]
        if values.get(field) in (None, "", [], {})
    ] + _monitoring_problems(shown, card)


def _monitoring_problems(shown: str, card: ModelCard) -> list[Problem]:
    """A production model names its monitoring notebook, and that notebook is there."""
    if card.monitoring is None:
        if card.stage != "production":
            return []
        hint = (
            "a production model needs monitoring on a schedule: `jupyter mlops card "
            f'{shown} --set monitoring=\'{{"notebook": "monitor.ipynb", "cron": "0 6 * * *"}}\'`'
        )
        return [Problem(shown, "monitoring", hint)]
    if (Path(shown).parent / card.monitoring.notebook).is_file():
        return []
    hint = f"{card.monitoring.notebook} is not a notebook next to {Path(shown).name}"
    return [Problem(shown, "monitoring.notebook", hint)]


def _parameter_problems(shown: str, data: dict[str, Any]) -> list[Problem]:
    try:
        contract = read_contract(data)
    except InvalidParameterError as exc:
        return [Problem(shown, "parameters", exc.message)]
    if not contract.has_cell:
        return [Problem(shown, "parameters", "no cell tagged 'parameters'")]
    problems = [
        Problem(
            shown,
            f"parameters.{p.name}",
            f"no type: annotate it, e.g. `{p.name}: float = ...`, or give a literal default",
        )
        for p in contract.parameters
        if p.type == "any"
    ]
    card = card_from_notebook(data)
    if card is not None and card.smoke_parameters:
        try:  # the CI smoke run would refuse them: say so before CI runs it
            validate(contract, dict(card.smoke_parameters))
        except InvalidParameterError as exc:
            problems.append(Problem(shown, "smoke_parameters", exc.message))
    return problems


def check_notebook(
    path: str | Path, policy: Policy | None = None, *, require_card: bool = False
) -> list[Problem] | None:
    """The problems of one notebook: its card against the policy, and its parameters cell.

    Returns None for a notebook without a card (not a model notebook) unless ``require_card``.
    """
    shown = str(path)
    try:
        data = load_notebook_json(path)
    except NotebookError as exc:
        return [Problem(shown, "notebook", exc.message)]
    card = _card_problems(shown, data, policy or load_policy(), require_card)
    return None if card is None else card + _parameter_problems(shown, data)


def check_notebooks(
    paths: Iterable[str | Path], policy: Policy | None = None, *, require_card: bool = False
) -> tuple[list[Path], list[Path], list[Problem]]:
    """Check every notebook under ``paths``: the checked ones, those skipped, the problems.

    Notebooks without a card are skipped, unless ``require_card`` makes that a problem.
    """
    rules = policy or load_policy()
    checked, skipped, problems = [], [], []
    for path in notebook_paths(paths):
        found = check_notebook(path, rules, require_card=require_card)
        if found is None:
            skipped.append(path)
        else:
            checked.append(path)
            problems += found
    return checked, skipped, problems
