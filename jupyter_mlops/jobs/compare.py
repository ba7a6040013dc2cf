"""The runs of a sweep (or an experiment) as one table of parameters and metrics."""

from __future__ import annotations

from typing import Any

from ..errors import NotFoundError
from ..tracking import Store
from . import spec


def _runs_of(target: str, store: Store) -> tuple[str, list[Any]]:
    from mlflow.exceptions import MlflowException

    from .sweep_state import children_of

    client = store.client
    try:
        run = client.get_run(target)
    except MlflowException:
        run = None
    if run is not None:
        children = children_of(store, target)
        if not children:
            raise NotFoundError(f"Run {target} has no child runs: it is not a sweep.")
        return f"sweep {target}", children
    experiment = client.get_experiment_by_name(target)
    if experiment is None:
        try:
            experiment = client.get_experiment(target)
        except MlflowException:
            experiment = None
    if experiment is None:
        raise NotFoundError(
            f"{target!r} is neither a run id nor an experiment on {store.shown}. Pass a sweep's parent "
            "run id (jupyter mlops jobs) or an experiment name."
        )
    runs = store.search([experiment.experiment_id], max_results=5000)
    return f"experiment {experiment.name}", [
        r for r in runs if r.data.tags.get(spec.SWEEP) != "true"
    ]


def _number_or_text(value: str) -> Any:
    try:
        return float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return value


def sweep_frame(experiment_or_parent_run: str, tracking_uri: str | None = None) -> Any:
    """A DataFrame with one row per run: ``run_id``, ``status``, ``param.*`` and ``metric.*``.

    ``experiment_or_parent_run`` is a sweep's parent run id, or an experiment name or id.
    The frame's ``attrs["title"]`` says which one it is.
    """
    import pandas as pd

    title, runs = _runs_of(experiment_or_parent_run, Store.at(tracking_uri))
    rows = []
    for run in runs:
        row: dict[str, Any] = {"run_id": run.info.run_id, "status": run.info.status}
        row.update({f"param.{k}": _number_or_text(v) for k, v in run.data.params.items()})
        row.update({f"metric.{k}": v for k, v in run.data.metrics.items()})
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["title"] = title
    return frame
