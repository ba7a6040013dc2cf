"""Starting a study: its parent run, what every trial runs (an artifact of that run), and the
driver process; and resuming a study whose driver is gone."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

from ...config import Settings, get_settings
from ...errors import InvalidRequestError
from ...tracking import RUN_TERMINAL, Store
from .. import spec
from ..environment import job_environment
from ..query import describe_in
from ..runs import RunFactory
from ..sweeps import create_parent
from .plan import StudyPlan

DRIVER_MODULE = "jupyter_mlops.jobs.study.driver"


def start_study(factory: RunFactory, plan: StudyPlan, handed: dict[str, Any]) -> str:
    """Create the study's parent run, record its plan and start its driver; the run id."""
    recorded = {
        "optimize": plan.selector,
        "space": plan.space,
        "base": plan.base,
        "trials": plan.trials,
        "sampler": plan.sampler,
        "pruner": plan.pruner,
        "seed": plan.seed,
    }
    tags: dict[str, Any] = {
        spec.STUDY: "true",
        spec.STUDY_OBJECTIVE: plan.objective,
        spec.STUDY_DIRECTION: plan.direction,
        spec.STUDY_SAMPLER: plan.sampler,
        spec.STUDY_PRUNER: plan.pruner,
    }
    if plan.max_concurrency:
        tags[spec.SWEEP_MAX_CONCURRENCY] = plan.max_concurrency
    label = f"study ({plan.trials} trials, {plan.sampler})"
    parent = create_parent(factory, label, recorded, plan.trials, plan.fail_fast, tags)
    kept = {k: v for k, v in handed.items() if k != "tracking_uri"}  # may hold credentials
    kept.update(
        executor=factory.settings.executor, resources=factory.resources, plan=plan.to_dict()
    )
    factory.store.client.log_dict(parent, kept, spec.STUDY_REQUEST)
    spawn_driver(factory.settings, parent)
    return parent


def spawn_driver(settings: Settings, parent: str) -> subprocess.Popen[bytes]:
    """The study's driver, in a session of its own: it outlives whoever started it."""
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(job_environment(), JUPYTER_MLOPS_HOME=str(settings.home))
    with open(logs / f"study-{parent}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", DRIVER_MODULE, parent, settings.tracking_uri],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )


def driver_process(run: Any) -> Any:
    """The live driver of study ``run`` on this machine, or None.

    Like a job's process, it is only believed when pid, start time and command line agree.
    """
    import psutil

    tags = run.data.tags
    if tags.get(spec.STUDY_DRIVER_HOST) != socket.gethostname():
        return None
    try:
        proc = psutil.Process(int(tags[spec.STUDY_DRIVER_PID]))
        if abs(proc.create_time() - float(tags[spec.STUDY_DRIVER_START])) > 1.0:
            return None
        command = proc.cmdline()
    except (psutil.Error, KeyError, ValueError):
        return None
    if DRIVER_MODULE in command and run.info.run_id in command:
        return proc
    return None


def resume_study(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """Start a new driver for study ``run_id``: it continues from the trials MLflow has."""
    settings = get_settings(tracking_uri)
    store = Store(settings.tracking_uri)
    job = describe_in(store, run_id)
    run = store.run(run_id)
    if run.data.tags.get(spec.STUDY) != "true":
        raise InvalidRequestError(
            f"Run {run_id} is not a study: only a run started with --optimize can be resumed."
        )
    if job.status in RUN_TERMINAL:
        raise InvalidRequestError(
            f"Study {run_id} has ended ({job.status}); there is nothing to resume. Start a new "
            "study with `jupyter mlops run ... --optimize`."
        )
    proc = driver_process(run)
    if proc is not None:
        raise InvalidRequestError(
            f"Study {run_id} is still driven by process {proc.pid}; it needs no resume."
        )
    executor = run.data.tags.get(spec.EXECUTOR, settings.executor)
    spawn_driver(get_settings(settings.tracking_uri, executor), run_id)
    return job
