"""A study's outcome on its parent run: the best trial, every trial's state, the final status."""

from __future__ import annotations

import json
from typing import Any

from ...tracking import Store
from .. import spec
from .plan import StudyPlan


def trial_rows(study: Any) -> list[dict[str, Any]]:
    """Every trial: number, run id, state, value, parameters, last reported step."""
    rows = []
    for number, trial in enumerate(study.trials):
        steps = sorted(trial.intermediate_values)
        rows.append(
            {
                "number": number,
                "run_id": trial.user_attrs.get("run_id"),
                "state": trial.state.name,
                "value": trial.value,
                "params": trial.params,
                "last_step": steps[-1] if steps else None,
            }
        )
    return rows


def finish(store: Store, parent: str, study: Any, plan: StudyPlan, stop_reason: str | None) -> str:
    """Record the best trial and end the study run: FINISHED when a trial completed and no
    rule stopped the study, else FAILED with the reason."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    tags: dict[str, Any] = {}
    metrics: dict[str, float] = {}
    if complete:
        best = study.best_trial
        tags = {
            spec.STUDY_BEST_RUN: best.user_attrs.get("run_id", ""),
            spec.STUDY_BEST_VALUE: best.value,
            spec.STUDY_BEST_PARAMS: json.dumps(best.params, default=str),
        }
        metrics = {f"best_{plan.objective}": float(best.value)}
    counts: dict[str, int] = {}
    for trial in study.trials:
        counts[trial.state.name.lower()] = counts.get(trial.state.name.lower(), 0) + 1
    metrics.update({f"trials_{state}": float(n) for state, n in counts.items()})
    if stop_reason is None and not complete:
        stop_reason = f"no trial finished with a value of {plan.objective!r}"
    if stop_reason:
        tags.update({spec.REASON: "study stopped", spec.EVALUE: stop_reason})
    store.log(parent, metrics=metrics, tags=tags)
    store.client.log_dict(parent, {"trials": trial_rows(study)}, spec.STUDY_TRIALS)
    status = "FAILED" if stop_reason else "FINISHED"
    store.end(parent, status)
    return status
