"""Replay a run as a new job: the notebook snapshot, parameters and inputs of the original.

Before it runs, the inputs are checked against the receipt's fingerprints (a changed or missing
file refuses the replay) and the environment against the receipt's package list (reported).
After it runs, the metrics are compared within tolerances and the verdict is tagged on both runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..errors import InputDataChangedError, InvalidParameterError
from ..jobs import spec
from ..tracking import get_client, set_tags
from . import facts as f

# "Exact" for floats that went through MLflow and back: equal up to rounding noise.
REL_EPSILON = 1e-9
ABS_EPSILON = 1e-12


def parse_tolerances(items: Iterable[str]) -> dict[str, float]:
    """``["accuracy=0.01", ...]`` (``METRIC=ABS``) as ``{"accuracy": 0.01}``."""
    tolerances: dict[str, float] = {}
    for item in items:
        metric, sep, value = item.rpartition("=")
        try:
            tolerance = float(value)
        except ValueError:
            tolerance = -1.0
        if not sep or not metric.strip() or not tolerance >= 0:
            raise InvalidParameterError(
                f"Tolerance {item!r} must look like METRIC=ABS with ABS a number >= 0, "
                "e.g. accuracy=0.01."
            )
        tolerances[metric.strip()] = tolerance
    return tolerances


def check_inputs(original: f.RunFacts) -> list[dict[str, Any]]:
    """Inputs whose sha256 now differs from the receipt's: changed, missing or new."""
    from ..provenance import fingerprint_inputs

    recorded = original.receipt.get("inputs") or []
    if not recorded:
        return []
    folder = original.cwd or Path.cwd()
    now = fingerprint_inputs([r["path"] for r in recorded], folder)
    changed = []
    for old, new in zip(recorded, now, strict=True):
        if old.get("sha256") == new.get("sha256"):
            continue
        state = "missing" if new.get("missing") else "new" if old.get("missing") else "changed"
        changed.append(
            {
                "path": old["path"],
                "status": state,
                "old_sha256": old.get("sha256"),
                "new_sha256": new.get("sha256"),
                "location": str(folder / old["path"]),
            }
        )
    return changed


def _refusal(run_id: str, changed: list[dict[str, Any]]) -> InputDataChangedError:
    lines = [
        f"  {c['path']} ({c['status']}): sha256 was {c['old_sha256'] or 'absent'}, "
        f"now {c['new_sha256'] or 'absent'}"
        for c in changed
    ]
    return InputDataChangedError(
        f"Input data of run {run_id} changed since it ran, so a replay would not use the same "
        "data:\n" + "\n".join(lines) + "\nRestore the files, or pass --allow-changed-data "
        "(allow_changed_data=True) to replay anyway; the override is recorded on the replay run.",
        run_id=run_id,
        changed_inputs=changed,
    )


def environment_changes(original: f.RunFacts) -> dict[str, Any]:
    """This environment against the receipt's: Python version and package changes."""
    from ..provenance import environment_facts

    now = environment_facts("", None)
    before = original.receipt.get("environment") or {}
    return {
        "python": {"a": before.get("python"), "b": now["python"]},
        **f.package_changes(original.packages, now["packages"]),
    }


def _same(a: float, b: float, tolerance: float | None) -> bool:
    if a == b:
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if tolerance is None:
        return math.isclose(a, b, rel_tol=REL_EPSILON, abs_tol=ABS_EPSILON)
    return abs(a - b) <= tolerance


def compare_metrics(
    original: dict[str, float], replayed: dict[str, float], tolerances: dict[str, float]
) -> list[dict[str, Any]]:
    """Metrics that differ beyond their tolerance, or that only one run logged."""
    differences = []
    for name in sorted(set(original) | set(replayed)):
        a, b = original.get(name), replayed.get(name)
        tolerance = tolerances.get(name)
        if a is not None and b is not None and _same(a, b, tolerance):
            continue
        differences.append(
            {
                "metric": name,
                "original": a,
                "replay": b,
                "difference": None if a is None or b is None else b - a,
                "tolerance": tolerance,
            }
        )
    return differences


@dataclass
class ReplayResult:
    """The outcome of :func:`replay`; ``str()`` is the text the CLI prints."""

    run_id: str
    replay_run_id: str
    verdict: str
    status: str
    original_status: str
    metric_differences: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    changed_inputs: list[dict[str, Any]] = field(default_factory=list)
    allow_changed_data: bool = False
    environment: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None

    @property
    def reproduced(self) -> bool:
        return self.verdict == f.REPRODUCED

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reproduced": self.reproduced}

    def __str__(self) -> str:
        lines = [f"run {self.run_id} replayed as {self.replay_run_id}: {self.verdict}"]
        if self.failure:
            lines.append(f"  {self.failure}")
        for d in self.metric_differences:
            within = f" (tolerance {d['tolerance']})" if d["tolerance"] is not None else ""
            delta = f", difference {d['difference']:+.6g}" if d["difference"] is not None else ""
            lines.append(
                f"  {d['metric']}: original {d['original']}, replay {d['replay']}{delta}{within}"
            )
        if self.reproduced and self.metrics:
            lines.append(f"  {len(self.metrics)} metrics match: {', '.join(sorted(self.metrics))}")
        for c in self.changed_inputs:
            lines.append(f"  input {c['path']} {c['status']} (allowed by --allow-changed-data)")
        return "\n".join(lines)


@dataclass
class ReplayPlan:
    """A checked replay, ready to run: what :func:`plan_replay` found before running."""

    original: f.RunFacts
    tracking_uri: str
    executor: str | None
    tolerances: dict[str, float]
    changed_inputs: list[dict[str, Any]]
    allow_changed_data: bool
    environment: dict[str, Any]


def plan_replay(
    run_id: str,
    executor: str | None = None,
    tolerances: dict[str, float] | None = None,
    allow_changed_data: bool = False,
    tracking_uri: str | None = None,
) -> ReplayPlan:
    """Check that run ``run_id`` can be replayed; raises before anything runs when it cannot."""
    uri = get_settings(tracking_uri).tracking_uri
    original = f.load_run(run_id, uri)
    tolerances = dict(tolerances or {})
    for name, value in tolerances.items():
        if name not in original.metrics:
            logged = ", ".join(sorted(original.metrics)) or "none"
            raise InvalidParameterError(
                f"Tolerance for {name!r}, but run {run_id} logged no such metric "
                f"(it logged: {logged})."
            )
        if not isinstance(value, int | float) or not value >= 0:
            raise InvalidParameterError(f"Tolerance of {name!r} must be a number >= 0.")
    original.snapshot_name()  # a run with no snapshot cannot be replayed: say so now
    changed = check_inputs(original)
    if changed and not allow_changed_data:
        raise _refusal(run_id, changed)
    environment = environment_changes(original)
    return ReplayPlan(original, uri, executor, tolerances, changed, allow_changed_data, environment)


def run_replay(
    plan: ReplayPlan, on_progress: Callable[[list[spec.JobInfo]], None] | None = None
) -> ReplayResult:
    """Submit the replay of a checked plan, wait for it, and tag the verdict on both runs."""
    from ..jobs.query import failure_message, wait_for_job
    from ..jobs.submit import submit_job

    original, uri = plan.original, plan.tracking_uri
    settings = get_settings(uri, plan.executor)
    client = get_client(uri)
    tags: dict[str, Any] = {
        f.REPLAY_OF: original.run_id,
        f.REPLAY_TOLERANCES: json.dumps(plan.tolerances),
    }
    if plan.allow_changed_data:
        tags[f.REPLAY_ALLOW_CHANGED_DATA] = "true"
        tags[f.REPLAY_CHANGED_INPUTS] = json.dumps(plan.changed_inputs)
    snapshot = original.download_snapshot(settings.home / "replays" / original.run_id)
    timeout = original.tags.get(spec.TIMEOUT)
    replay_id = submit_job(
        snapshot,
        original.parameters,
        experiment=client.get_experiment(original.run.info.experiment_id).name,
        timeout=float(timeout) if timeout else None,
        kernel_name=original.tags.get(spec.KERNEL) or None,
        executor=settings.executor,
        tracking_uri=uri,
        cwd=original.cwd if original.cwd and original.cwd.is_dir() else None,
        tags=tags,
    )
    job = wait_for_job(replay_id, tracking_uri=uri, raise_on_failure=False, on_progress=on_progress)
    replayed = client.get_run(replay_id).data.metrics
    differences = compare_metrics(original.metrics, replayed, plan.tolerances)
    original_status = original.run.info.status
    failure = None
    if job.status != original_status:
        failure = f"the original run {original_status}, the replay {job.status}"
        if job.status != "FINISHED":
            failure += f": {failure_message(job)}"
    verdict = f.NOT_REPRODUCED if differences or failure else f.REPRODUCED
    result = ReplayResult(
        run_id=original.run_id,
        replay_run_id=replay_id,
        verdict=verdict,
        status=job.status,
        original_status=original_status,
        metric_differences=differences,
        metrics={
            k: {"original": original.metrics.get(k), "replay": replayed.get(k)}
            for k in sorted(set(original.metrics) | set(replayed))
        },
        tolerances=plan.tolerances,
        changed_inputs=plan.changed_inputs,
        allow_changed_data=plan.allow_changed_data,
        environment=plan.environment,
        failure=failure,
    )
    verdict_tags = {
        f.REPLAY_VERDICT: verdict,
        f.REPLAY_AT: time.time(),
        f.REPLAY_DIFFERENCES: json.dumps(differences),
    }
    set_tags(uri, replay_id, verdict_tags)
    set_tags(uri, original.run_id, {**verdict_tags, f.REPLAY_LAST_RUN: replay_id})
    return result


def replay(
    run_id: str,
    executor: str | None = None,
    tolerances: dict[str, float] | None = None,
    allow_changed_data: bool = False,
    tracking_uri: str | None = None,
) -> ReplayResult:
    """Re-execute run ``run_id`` as a new job and check that it reproduces the original.

    The new run executes the notebook snapshot stored on the original run (not the file on
    disk) with the original parameters, in the original notebook's folder.

    Parameters
    ----------
    tolerances
        Allowed absolute difference per metric (``{"accuracy": 0.01}``); other metrics must
        match up to float rounding.
    allow_changed_data
        Replay even when an input file differs from the receipt's fingerprint; recorded as
        the ``mlops.replay.allow_changed_data`` tag on the replay run.

    Raises
    ------
    NotFoundError
        The run, its receipt or its notebook snapshot does not exist.
    InputDataChangedError
        An input file changed or is missing, and ``allow_changed_data`` is false.
    """
    plan = plan_replay(run_id, executor, tolerances, allow_changed_data, tracking_uri)
    return run_replay(plan)
