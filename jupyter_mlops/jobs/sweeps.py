"""Sweeps: a parent run with one child run per point of a grid or of a random sample."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from ..config import Settings
from ..errors import InvalidParameterError
from ..params import ParametersContract, expand_grid
from . import spec
from .request import JobRequest
from .runs import RunFactory
from .sampling import ranges_in, sample_points


def sweep_points(request: JobRequest, contract: ParametersContract) -> list[dict[str, Any]]:
    """The checked parameter values of every run of the sweep ``request`` asks for."""
    base = dict(request.parameters)
    sweep = {k: list(v) for k, v in request.sweep.items()}
    if request.sample is not None:
        return sample_points(
            contract, base, sweep, request.sample, seed=request.seed, from_text=request.from_text
        )
    ranged = ranges_in(contract, sweep)
    if ranged:
        raise InvalidParameterError(
            f"--sweep {next(iter(ranged))} is a range: add --sample N to draw N points from it."
        )
    return expand_grid(contract, base, sweep, from_text=request.from_text)


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    """What a sweep's parent run records and its children obey, and the checked points: all a
    job host needs to create the sweep's runs in its place."""

    points: list[dict[str, Any]]
    sweep: dict[str, list[Any]]
    base: dict[str, Any]
    sample: int | None = None
    seed: int | None = None
    fail_fast: bool = False
    max_concurrency: int | None = None

    @classmethod
    def of(cls, request: JobRequest, points: list[dict[str, Any]]) -> SweepPlan:
        return cls(
            points=points,
            sweep={k: list(v) for k, v in request.sweep.items()},
            base=dict(request.parameters),
            sample=request.sample,
            seed=request.seed,
            fail_fast=request.fail_fast,
            max_concurrency=request.max_concurrency,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepPlan:
        return cls(**data)


def create_parent(
    factory: RunFactory,
    label: str,
    recorded: dict[str, Any],
    size: int,
    fail_fast: bool,
    extra_tags: dict[str, Any] | None = None,
) -> str:
    """The SCHEDULED parent run of a sweep or study of ``size`` runs; its id."""
    store = factory.store
    parent = store.client.create_run(
        factory.experiment_id, run_name=f"{factory.snapshot.stem} {label}"
    ).info.run_id
    store.set_status(parent, "SCHEDULED")
    tags: dict[str, Any] = {
        spec.JOB: "true",
        spec.SWEEP: "true",
        spec.SWEEP_SIZE: size,
        spec.NOTEBOOK: factory.snapshot.path,
        spec.EXECUTOR: factory.settings.executor,
        spec.PARAMETERS: json.dumps(recorded, default=str),
        spec.SUBMITTED_AT: time.time(),
        spec.SWEEP_FAIL_FAST: "true" if fail_fast else "false",
        **factory.snapshot.card_tags,
        **(extra_tags or {}),
    }
    store.log(parent, tags=tags)
    return str(parent)


def create_sweep(factory: RunFactory, plan: SweepPlan) -> tuple[str, list[str]]:
    """Create the parent run and one SCHEDULED child per point; (parent, children)."""
    points = plan.points
    kind = f"random sweep ({len(points)} samples)" if plan.sample else f"sweep ({len(points)} runs)"
    recorded = {"sweep": plan.sweep, "base": plan.base, "sample": plan.sample, "seed": plan.seed}
    limit = {spec.SWEEP_MAX_CONCURRENCY: plan.max_concurrency} if plan.max_concurrency else {}
    parent = create_parent(factory, kind, recorded, len(points), plan.fail_fast, limit)
    children = [factory.create(p, parent=parent, extra_tags=limit) for p in points]
    return parent, children


def sweep_settings(settings: Settings, plan: SweepPlan) -> Settings:
    """On the local executor the sweep's children use only the first N job slots."""
    if not plan.max_concurrency:
        return settings
    limit = min(settings.max_concurrency, plan.max_concurrency)
    return dataclasses.replace(settings, max_concurrency=limit)
