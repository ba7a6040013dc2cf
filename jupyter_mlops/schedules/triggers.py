"""Events a schedule can fire on instead of a time, read from MLflow and the file system.

A trigger is written ``KIND:TARGET``:

- ``version:NAME``: a new version of the registered model NAME (each new version fires once);
- ``alias:NAME@ALIAS``: the alias moves to another version of NAME;
- ``alert:NAME``: an evaluation of NAME fired an alert (to run its retraining notebook);
- ``input:PATH``: the fingerprint (sha256) of a file or folder, relative to the notebook's
  folder, changes.

Each is polled: its *state* (the latest version number, the alias's version, the evaluation
run that alerted, the fingerprint) is compared with the last state the schedule fired for.
A webhook from the tracking server only makes the poll come sooner; what fires is always
what the registry says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..errors import InvalidRequestError
from ..tags import ALERT_STATUS, LAST_EVAL_AT, LAST_EVAL_RUN
from ..tracking.client import filter_literal, get_client, shown_uri

KINDS = ("version", "alias", "alert", "input")
FORMS = "version:MODEL, alias:MODEL@ALIAS, alert:MODEL or input:PATH"


@dataclasses.dataclass(frozen=True)
class Trigger:
    kind: str
    target: str  # the model's name, or the input's path
    alias: str = ""

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.target}" + (f"@{self.alias}" if self.alias else "")

    @property
    def model(self) -> str | None:
        """The registered model the trigger watches (None for an input file)."""
        return None if self.kind == "input" else self.target

    def describe(self) -> str:
        return {
            "version": f"When a new version of {self.target} is registered",
            "alias": f"When the alias {self.alias} of {self.target} moves",
            "alert": f"When an alert fires on {self.target}",
            "input": f"When {self.target} changes",
        }[self.kind]

    def event(self, state: str) -> str:
        """One firing, as the run it starts is tagged: ``version:churn=4``."""
        return f"{self.text}={state}"


def parse_trigger(text: Any) -> Trigger:
    kind, _, target = str(text or "").strip().partition(":")
    alias = ""
    if kind == "alias":
        target, _, alias = target.rpartition("@")
    if kind not in KINDS or not target.strip() or (kind == "alias" and not alias):
        raise InvalidRequestError(
            f"{text!r} is not a trigger: give {FORMS}, as in --on version:churn (a new version "
            "of the model churn)."
        )
    return Trigger(kind, target.strip(), alias.strip())


def check_trigger(trigger: Trigger, tracking_uri: str, folder: Path) -> str:
    """The trigger's state now (what it fires *after*); a model or file that is not there
    is refused."""
    if trigger.model is not None:
        from mlflow.exceptions import MlflowException

        try:
            get_client(tracking_uri).get_registered_model(trigger.model)
        except MlflowException:
            raise InvalidRequestError(
                f"No registered model {trigger.model!r} on {shown_uri(tracking_uri)}: check the "
                "name (`jupyter mlops models` lists them), or register the model first."
            ) from None
    elif not (folder / trigger.target).exists():
        raise InvalidRequestError(
            f"{trigger.target!r} is not a file or folder in {folder}: give the input's path "
            "relative to the notebook's folder, as the card's inputs are."
        )
    return state(trigger, tracking_uri, folder)


def state(trigger: Trigger, tracking_uri: str, folder: Path) -> str:
    """What the trigger watches, now: '' when there is nothing yet (no version, no alert)."""
    if trigger.kind == "input":
        from ..provenance import fingerprint_inputs

        return str(fingerprint_inputs([trigger.target], folder)[0].get("sha256", ""))
    if trigger.kind == "alias":
        aliases = get_client(tracking_uri).get_registered_model(trigger.target).aliases or {}
        return str(aliases.get(trigger.alias, ""))
    versions = _versions(tracking_uri, trigger.target)
    if trigger.kind == "version":
        return str(max((int(v.version) for v in versions), default=0))
    alerted = [
        (int(v.tags.get(LAST_EVAL_AT, "0") or 0), v.tags[LAST_EVAL_RUN])
        for v in versions
        if v.tags.get(ALERT_STATUS) == "alert" and v.tags.get(LAST_EVAL_RUN)
    ]
    return max(alerted)[1] if alerted else ""


def _versions(tracking_uri: str, name: str) -> list[Any]:
    return list(get_client(tracking_uri).search_model_versions(f"name = {filter_literal(name)}"))


def pending(trigger: Trigger, last: str, tracking_uri: str, folder: Path) -> list[str]:
    """The states to fire for, in order, after ``last`` (the state last fired or created at).

    A model-version trigger fires once per new version, so versions registered between two
    polls each fire; the others fire for the state they find.
    """
    if trigger.kind == "version":
        numbers = sorted(int(v.version) for v in _versions(tracking_uri, trigger.target))
        return [str(n) for n in numbers if n > int(last or 0)]
    now = state(trigger, tracking_uri, folder)
    return [now] if now and now != last else []
