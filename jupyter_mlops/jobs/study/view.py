"""A study as Optuna shows one: its trials loaded from MLflow, the best so far, and Optuna's
own plotly figures (optimization history, parameter importances, parallel coordinates)."""

from __future__ import annotations

import contextlib
from typing import Any

from ...tracking import RUN_TERMINAL, Store
from .. import spec
from ..sweep_state import children_of
from .plan import StudyPlan
from .space import distributions
from .trials import frozen_trial, read_request, trial_number


def is_study(store: Store, target: str) -> bool:
    """Whether ``target`` (a run id, or an experiment's name) is a study's run."""
    from mlflow.exceptions import MlflowException

    try:
        return store.run(target).data.tags.get(spec.STUDY) == "true"
    except MlflowException:
        return False


def load_study(store: Store, parent: str) -> tuple[Any, StudyPlan]:
    """An in-memory Optuna study of the ended trials of ``parent``, and its plan."""
    import optuna

    plan = StudyPlan.from_dict(read_request(store, parent)["plan"])
    dists = distributions(plan.space)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=plan.direction)  # type: ignore[arg-type]
    for run in sorted(children_of(store, parent), key=trial_number):
        if run.info.status in RUN_TERMINAL:
            trial = frozen_trial(store, run, plan, dists)
            if trial is not None:
                study.add_trial(trial)
    return study, plan


def best_so_far(study: Any) -> dict[str, Any] | None:
    """The best completed trial: its run id, value and parameters; None before the first."""
    import optuna

    if not any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
        return None
    best = study.best_trial
    return {"run_id": best.user_attrs.get("run_id"), "value": best.value, "params": best.params}


def study_figures(study: Any, plan: StudyPlan) -> dict[str, Any]:
    """Optuna's figures of the study; the ones its trials cannot draw yet are left out."""
    import optuna.visualization as vis

    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    figures = {"optimization_history": vis.plot_optimization_history(study)}
    if len(complete) >= 2 and plan.space:
        # Optuna cannot rank parameters whose trials never varied them.
        with contextlib.suppress(RuntimeError, ValueError):
            figures["param_importances"] = vis.plot_param_importances(study)
        figures["parallel_coordinate"] = vis.plot_parallel_coordinate(study)
    return figures
