"""jupyter-mlops: model cards in notebooks, papermill runs as MLflow runs, registration.

Importing this package is cheap: MLflow, pandas, papermill and plotly load on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"

# public name -> module that defines it; resolved lazily by __getattr__
_LAZY = {
    "ModelCard": "jupyter_mlops.card",
    "read_card": "jupyter_mlops.card",
    "write_card": "jupyter_mlops.card",
    "read_parameters": "jupyter_mlops.params",
    "register": "jupyter_mlops.registry",
    "list_models": "jupyter_mlops.registry",
    "describe_model": "jupyter_mlops.registry",
    "log_model": "jupyter_mlops.registry",
    "register_run": "jupyter_mlops.registry",
    "select_best": "jupyter_mlops.registry",
    "log": "jupyter_mlops.tracking.logging",
    "report": "jupyter_mlops.tracking.logging",
    "JobRequest": "jupyter_mlops.jobs.request",
    "submit": "jupyter_mlops.jobs.submit",
    "submit_job": "jupyter_mlops.jobs.submit",
    "launch_job": "jupyter_mlops.jobs.submit",
    "submit_sweep": "jupyter_mlops.jobs.submit",
    "cancel_job": "jupyter_mlops.jobs.cancel",
    "list_jobs": "jupyter_mlops.jobs.query",
    "wait_for_job": "jupyter_mlops.jobs.query",
    "get_receipt": "jupyter_mlops.provenance",
    "sync": "jupyter_mlops.registry",
    "replay": "jupyter_mlops.reproduce.replay",
    "diff": "jupyter_mlops.reproduce.run_diff",
    "card_editor": "jupyter_mlops.widgets",
    "launcher": "jupyter_mlops.widgets",
    "job_monitor": "jupyter_mlops.widgets",
    "models": "jupyter_mlops.widgets",
    "compare": "jupyter_mlops.widgets",
    "inventory": "jupyter_mlops.governance.inventory",
    "zombies": "jupyter_mlops.governance.zombies",
    "promote": "jupyter_mlops.governance.promotion",
    "set_stage": "jupyter_mlops.governance.promotion",
    "audit_trail": "jupyter_mlops.governance.audit",
    "evaluate": "jupyter_mlops.governance.evaluate",
    "load_model": "jupyter_mlops.governance.loading",
    "schedule": "jupyter_mlops.schedules.service",
    "list_schedules": "jupyter_mlops.schedules.service",
    "get_schedule": "jupyter_mlops.schedules.service",
    "pause_schedule": "jupyter_mlops.schedules.service",
    "resume_schedule": "jupyter_mlops.schedules.service",
    "update_schedule": "jupyter_mlops.schedules.service",
    "delete_schedule": "jupyter_mlops.schedules.service",
    "run_now": "jupyter_mlops.schedules.service",
    "fired_runs": "jupyter_mlops.schedules.service",
}

__all__ = ["__version__", *sorted(_LAZY)]

if TYPE_CHECKING:
    from .card import ModelCard, read_card, write_card
    from .governance.audit import audit_trail
    from .governance.evaluate import evaluate
    from .governance.inventory import inventory
    from .governance.loading import load_model
    from .governance.promotion import promote, set_stage
    from .governance.zombies import zombies
    from .jobs.cancel import cancel_job
    from .jobs.query import list_jobs, wait_for_job
    from .jobs.request import JobRequest
    from .jobs.submit import launch_job, submit, submit_job, submit_sweep
    from .params import read_parameters
    from .provenance import get_receipt
    from .registry import (
        describe_model,
        list_models,
        log_model,
        register,
        register_run,
        select_best,
        sync,
    )
    from .reproduce.replay import replay
    from .reproduce.run_diff import diff
    from .schedules.service import (
        delete_schedule,
        fired_runs,
        get_schedule,
        list_schedules,
        pause_schedule,
        resume_schedule,
        run_now,
        schedule,
        update_schedule,
    )
    from .tracking.logging import log, report
    from .widgets import card_editor, compare, job_monitor, launcher, models


class _JobsPackage(types.ModuleType):
    """``jupyter_mlops.jobs`` is the jobs package; calling it is the old name of
    :func:`job_monitor`, kept for one release."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            "jupyter_mlops.jobs() is now jupyter_mlops.job_monitor(); the old name will be "
            "removed in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        from .widgets import job_monitor

        return job_monitor(*args, **kwargs)


importlib.import_module(f"{__name__}.jobs")  # a docstring only: cheap
sys.modules[f"{__name__}.jobs"].__class__ = _JobsPackage


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_mlops``: registers ``%mlops``; MLflow, pandas and plotly load later."""
    from .magics import MlopsMagics

    ipython.register_magics(MlopsMagics)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import MlopsApp

    return [{"module": "jupyter_mlops", "app": MlopsApp}]
