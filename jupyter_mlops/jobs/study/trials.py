"""A study's trials as MLflow keeps them, read back as Optuna trials.

Each trial is a child run of the study tagged with its number. Its parameters are the typed
values on its ``mlops.job.parameters`` tag, its intermediate values the history of the
objective metric (``jupyter_mlops.report(step, value)`` logs them), and its value the
metric's latest value. A driver that starts again rebuilds the study from these alone.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from ...tracking import Store
from .. import spec
from .plan import StudyPlan

PRUNED = "pruned"


def read_request(store: Store, parent: str) -> dict[str, Any]:
    """What every trial of study ``parent`` runs, and its plan (``study/request.json``)."""
    with tempfile.TemporaryDirectory(prefix="mlops-study-") as folder:
        path = store.client.download_artifacts(parent, spec.STUDY_REQUEST, folder)
        with open(path, encoding="utf-8") as handle:
            return dict(json.load(handle))


def trial_number(run: Any) -> int:
    try:
        return int(run.data.tags.get(spec.STUDY_TRIAL, -1))
    except ValueError:
        return -1


def trial_params(run: Any, dists: dict[str, Any]) -> dict[str, Any] | None:
    """The swept values the trial ran with; None when they no longer fit the space."""
    try:
        values = json.loads(run.data.tags.get(spec.PARAMETERS) or "{}")
    except ValueError:
        return None
    params = {}
    for name, dist in dists.items():
        if name not in values:
            return None
        try:
            if not dist._contains(dist.to_internal_repr(values[name])):
                return None
        except (ValueError, TypeError):
            return None
        params[name] = values[name]
    return params


def intermediate_values(store: Store, run_id: str, metric: str) -> dict[int, float]:
    """The objective's value at each step the trial reported, the last one per step."""
    values: dict[int, float] = {}
    for point in sorted(store.client.get_metric_history(run_id, metric), key=lambda m: m.timestamp):
        values[int(point.step)] = float(point.value)
    return values


def outcome_of(run: Any, plan: StudyPlan) -> tuple[str, float | None]:
    """``("COMPLETE", value)``, ``("PRUNED", None)`` or ``("FAIL", None)`` for an ended trial."""
    status = run.info.status
    tags = run.data.tags
    if status == "KILLED" and (spec.STUDY_PRUNED_AT in tags or tags.get(spec.REASON) == PRUNED):
        return "PRUNED", None
    value = run.data.metrics.get(plan.objective)
    if status == "FINISHED" and value is not None:
        return "COMPLETE", float(value)
    return "FAIL", None


def frozen_trial(store: Store, run: Any, plan: StudyPlan, dists: dict[str, Any]) -> Any | None:
    """An ended trial run as an Optuna ``FrozenTrial``; None when it does not fit the space."""
    import optuna

    params = trial_params(run, dists)
    if params is None:
        return None
    state, value = outcome_of(run, plan)
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState[state],
        value=value,
        params=params,
        distributions=dists,
        intermediate_values=intermediate_values(store, run.info.run_id, plan.objective),
        user_attrs={"run_id": run.info.run_id},
    )
