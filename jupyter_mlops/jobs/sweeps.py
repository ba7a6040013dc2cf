"""Sweeps: a parent run with one child run per point of a grid or of a random sample."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..errors import InvalidParameterError, NotFoundError
from ..params import expand_grid
from ..tracking import get_client, log_batch, probe
from . import spec
from .prepare import PreparedNotebook, check_timeout
from .sampling import ranges_in, sample_points


def submit_sweep(
    notebook: str | Path,
    sweep: dict[str, list[Any]],
    parameters: dict[str, Any] | None = None,
    *,
    experiment: str | None = None,
    timeout: float | None = None,
    kernel_name: str | None = None,
    executor: str | None = None,
    tracking_uri: str | None = None,
    from_text: bool = False,
    include: Sequence[str | Path] | None = None,
    resources: str | Mapping[str, Any] | None = None,
    sample: int | None = None,
    seed: int | None = None,
    max_concurrency: int | None = None,
    fail_fast: bool = False,
) -> tuple[str, list[str]]:
    """Submit a sweep: a parent run and one child run per point. Returns (parent, children).

    Parameters
    ----------
    sweep
        Values per parameter: the grid of all combinations, or with ``sample`` the space to
        draw from (lists of values, ``"LOW:HIGH"`` and ``"LOW:HIGH:log"`` ranges).
    sample
        Draw this many random points instead of running the whole grid.
    seed
        Seed of the random draw, recorded on the parent run.
    max_concurrency
        At most this many children of the sweep run at once.
    fail_fast
        When a child fails, the children still queued or running are cancelled.
    """
    settings = get_settings(tracking_uri, executor)
    check_timeout(timeout)
    if max_concurrency is not None and (
        isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int)
    ):
        raise InvalidParameterError(
            f"--max-concurrency must be a whole number, got {max_concurrency!r}."
        )
    if max_concurrency is not None and max_concurrency < 1:
        raise InvalidParameterError(f"--max-concurrency must be at least 1, got {max_concurrency}.")
    prepared = PreparedNotebook(notebook, settings, experiment, None, include, resources)
    base = parameters or {}
    if sample is not None:
        points = sample_points(
            prepared.contract, base, sweep, sample, seed=seed, from_text=from_text
        )
    else:
        ranged = ranges_in(prepared.contract, sweep)
        if ranged:
            raise InvalidParameterError(
                f"--sweep {next(iter(ranged))} is a range: add --sample N to draw N points from it."
            )
        points = expand_grid(prepared.contract, base, sweep, from_text=from_text)
    probe(settings.tracking_uri)  # a server that is down is said at once, not after retries
    client = get_client(settings.tracking_uri)
    kind = f"random sweep ({len(points)} samples)" if sample else f"sweep ({len(points)} runs)"
    parent = client.create_run(
        prepared.experiment_id, run_name=f"{prepared.path.stem} {kind}"
    ).info.run_id
    client.update_run(parent, status="SCHEDULED")
    tags: dict[str, Any] = {
        spec.JOB: "true",
        spec.SWEEP: "true",
        spec.SWEEP_SIZE: len(points),
        spec.NOTEBOOK: str(prepared.path),
        spec.EXECUTOR: settings.executor,
        spec.PARAMETERS: json.dumps(
            {"sweep": sweep, "base": base, "sample": sample, "seed": seed}, default=str
        ),
        spec.SUBMITTED_AT: time.time(),
        spec.SWEEP_FAIL_FAST: "true" if fail_fast else "false",
        **(prepared.card.to_tags() if prepared.card else {}),
    }
    child_tags = {}
    if max_concurrency:
        tags[spec.SWEEP_MAX_CONCURRENCY] = max_concurrency
        child_tags[spec.SWEEP_MAX_CONCURRENCY] = max_concurrency
    log_batch(settings.tracking_uri, parent, tags=tags)
    children = [
        prepared.create_run(
            p, timeout=timeout, kernel_name=kernel_name, parent=parent, extra_tags=child_tags
        )
        for p in points
    ]
    # On the local executor the sweep's children use only the first N job slots.
    limited = (
        dataclasses.replace(
            settings, max_concurrency=min(settings.max_concurrency, max_concurrency)
        )
        if max_concurrency
        else settings
    )
    for child in children:
        prepared.start(child, limited)
    return parent, children


def select_best(parent_run_id: str, selector: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """The finished child of a sweep with the best metric: ``"max(accuracy)"`` or ``"min(loss)"``."""
    import re

    match = re.fullmatch(r"\s*(max|min)\(\s*([\w.\-/ ]+?)\s*\)\s*", selector)
    if not match:
        raise InvalidParameterError(
            f"Selector {selector!r} must look like max(METRIC) or min(METRIC)."
        )
    how, metric = match.groups()
    from .submit import list_jobs

    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    scored = []
    for job in list_jobs(parent=parent_run_id, status="FINISHED", tracking_uri=uri):
        value = client.get_run(job.run_id).data.metrics.get(metric)
        if value is not None:
            scored.append((value, job))
    if not scored:
        raise NotFoundError(f"No finished run of sweep {parent_run_id} logged metric {metric!r}.")
    pick = max if how == "max" else min
    return pick(scored, key=lambda pair: pair[0])[1]


def register_best(
    parent_run_id: str, selector: str, name: str | None, tracking_uri: str | None = None
) -> tuple[spec.JobInfo, Any]:
    """Pick the best child of a sweep; register its logged model when ``name`` is not None.

    An empty ``name`` uses the card's name. The best version gets the ``champion`` alias.
    """
    from ..registry import register_run

    best = select_best(parent_run_id, selector, tracking_uri)
    if name is None:
        return best, None
    return best, register_run(
        best.run_id, name or None, alias="champion", tracking_uri=tracking_uri
    )
