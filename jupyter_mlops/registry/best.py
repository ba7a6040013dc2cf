"""Best-run selection: the finished child of a sweep with the best metric, and registering it."""

from __future__ import annotations

from typing import Any

from ..config import get_settings
from ..errors import NotFoundError
from ..jobs import spec
from ..jobs.query import list_jobs
from ..jobs.study.space import parse_objective
from ..tracking import get_client


def select_best(parent_run_id: str, selector: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """The finished child of a sweep with the best metric: ``"max(accuracy)"`` or ``"min(loss)"``."""
    direction, metric = parse_objective(selector, "Selector")
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    scored = []
    for job in list_jobs(parent=parent_run_id, status="FINISHED", tracking_uri=uri):
        value = client.get_run(job.run_id).data.metrics.get(metric)
        if value is not None:
            scored.append((value, job))
    if not scored:
        raise NotFoundError(f"No finished run of sweep {parent_run_id} logged metric {metric!r}.")
    pick = max if direction == "maximize" else min
    return pick(scored, key=lambda pair: pair[0])[1]


def register_best(
    parent_run_id: str, selector: str, name: str | None, tracking_uri: str | None = None
) -> tuple[spec.JobInfo, Any]:
    """Pick the best child of a sweep; register its logged model when ``name`` is not None.

    An empty ``name`` uses the card's name. The best version gets the ``champion`` alias.
    """
    from .registration import register_run

    best = select_best(parent_run_id, selector, tracking_uri)
    if name is None:
        return best, None
    return best, register_run(
        best.run_id, name or None, alias="champion", tracking_uri=tracking_uri
    )
