"""What to launch: one request object, built by every surface and checked when it is made."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import limits
from ..errors import InvalidParameterError, InvalidRequestError
from .inputs import parse_resources
from .study.plan import check_study_options, parse_duration

SWEEP_ONLY = ("sample", "seed", "max_concurrency", "fail_fast")
STUDY_ONLY = ("trials", "sampler", "pruner", "timeout_total")
KERNEL_NAME = re.compile(
    r"^(?!\.+$)[A-Za-z0-9._-]{1,100}$"
)  # jupyter_client's rule for kernel names


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobRequest:
    """One run of a notebook, or a sweep of runs when ``sweep`` is not empty.

    The CLI, ``%mlops run``, the launcher widget and ``POST mlops/jobs`` each build one and
    hand it to :func:`~jupyter_mlops.jobs.submit.submit`. Checks that need no notebook are
    made here, when the request is built; the notebook is read once, by ``submit``.

    Attributes
    ----------
    notebook
        The notebook to run (a saved ``.ipynb``).
    parameters
        Values for the notebook's ``parameters`` cell; strings are coerced when ``from_text``.
    sweep
        Values per parameter: the grid of all combinations, or with ``sample`` the space to
        draw from (lists of values, ``"LOW:HIGH"`` and ``"LOW:HIGH:log"`` ranges).
    from_text
        Parameter and sweep values are text (as typed on a command line or in a form), coerced
        by the notebook's typed parameters contract.
    experiment
        MLflow experiment name (default: the configured one).
    timeout
        Seconds after which the whole job is stopped and marked FAILED (reason ``timeout``).
    kernel_name
        Kernel to run the notebook in (default: the notebook's).
    executor
        ``local`` (default), ``dask://HOST:PORT`` or an executor registered by entry point.
    tracking_uri
        Tracking store (default: ``MLFLOW_TRACKING_URI`` or the embedded store).
    cwd
        Folder the notebook runs in and its card's inputs are read from (default: the
        notebook's folder); lets a copy of a notebook run where the original lived.
    tags
        Extra tags set on the run when it is created.
    include
        Files or folders uploaded with the run and placed beside the notebook where it runs.
    resources
        Dask worker resources the job needs, ``"GPU=1,MEMORY=8e9"`` or a mapping.
    sample
        Sweep: draw this many random points instead of running the whole grid.
    seed
        Sweep: seed of the random draw, recorded on the parent run.
    max_concurrency
        Sweep: at most this many children run at once.
    fail_fast
        Sweep: when a child fails, the children still queued or running are cancelled.
    optimize
        ``"max(METRIC)"`` or ``"min(METRIC)"``: an Optuna study of ``trials`` runs over the
        sweep's space instead of a grid, with ``sampler`` (``tpe``), ``pruner`` (``median``)
        and at most ``timeout_total`` seconds (or ``"2h"``) for the whole study.
    """

    notebook: Path
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    sweep: Mapping[str, Sequence[Any]] = dataclasses.field(default_factory=dict)
    from_text: bool = False
    experiment: str | None = None
    timeout: float | None = None
    kernel_name: str | None = None
    executor: str | None = None
    tracking_uri: str | None = None
    cwd: Path | None = None
    tags: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    include: tuple[Path, ...] = ()
    resources: Mapping[str, float] = dataclasses.field(default_factory=dict)
    sample: int | None = None
    seed: int | None = None
    max_concurrency: int | None = None
    fail_fast: bool = False
    optimize: str | None = None
    trials: int | None = None
    sampler: str | None = None
    pruner: str | None = None
    timeout_total: float | str | None = None

    def __post_init__(self) -> None:
        # Normalise what surfaces pass in their own shapes, so equal requests compare equal.
        notebook = Path(self.notebook).expanduser().resolve()
        cwd = Path(self.cwd).expanduser().resolve() if self.cwd else None
        include = tuple(Path(p).expanduser() for p in self.include or ())  # named as given
        resources = parse_resources(self.resources)
        for name, value in {
            "notebook": notebook,
            "cwd": cwd,
            "include": include,
            "resources": resources,
            "parameters": dict(self.parameters or {}),
            "sweep": _listed(self.sweep),
            "tags": dict(self.tags or {}),
            "fail_fast": bool(self.fail_fast),
            "timeout_total": (
                None if self.timeout_total is None else parse_duration(self.timeout_total)
            ),
        }.items():
            object.__setattr__(self, name, value)
        self._check()

    def _check(self) -> None:
        timeout = self.timeout
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise InvalidParameterError(
                f"timeout must be a positive number of seconds, got {timeout!r}."
            )
        if not isinstance(self.sweep, Mapping):
            raise InvalidParameterError(
                f"sweep must map parameter names to lists of values, got {self.sweep!r}."
            )
        limit = self.max_concurrency
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise InvalidParameterError(f"--max-concurrency must be a whole number, got {limit!r}.")
        if limit is not None and limit < 1:
            raise InvalidParameterError(f"--max-concurrency must be at least 1, got {limit}.")
        if self.sample is not None and (
            isinstance(self.sample, bool) or not isinstance(self.sample, int) or self.sample < 1
        ):
            raise InvalidParameterError(
                f"--sample must be a whole number of at least 1, got {self.sample!r}."
            )
        self._check_study()
        self._check_limits()
        given = [
            n for n in SWEEP_ONLY if getattr(self, n) is not None and getattr(self, n) is not False
        ]
        if not self.sweep and given:
            raise InvalidRequestError(
                "The options sample, seed, max_concurrency and fail_fast apply to a sweep: they "
                "need --sweep (or 'sweep' in a request)."
            )

    def _check_study(self) -> None:
        if self.optimize is None:
            given = [n for n in STUDY_ONLY if getattr(self, n) is not None]
            if given:
                raise InvalidRequestError(
                    f"--{given[0].replace('_', '-')} belongs to a study: add --optimize "
                    "'max(METRIC)' (or 'min(METRIC)')."
                )
            return
        check_study_options(
            self.optimize, self.trials, self.sampler, self.pruner, self.sample is not None
        )
        if not self.sweep:
            raise InvalidRequestError(
                "--optimize searches the space --sweep gives: add --sweep NAME=LOW:HIGH (or "
                "NAME=V1,V2) for each parameter to tune."
            )

    def _check_limits(self) -> None:
        """Sizes first, before a notebook is read or a sweep point is made."""
        if self.experiment is not None:
            if not isinstance(self.experiment, str) or not self.experiment.strip():
                raise InvalidRequestError(f"experiment must be a name, got {self.experiment!r}.")
            limits.check_text(self.experiment, "the experiment name")
        if self.kernel_name is not None and not (
            isinstance(self.kernel_name, str) and KERNEL_NAME.match(self.kernel_name)
        ):
            raise InvalidRequestError(
                f"kernel_name {self.kernel_name!r} is not a kernel name: use the name "
                "`jupyter kernelspec list` shows (letters, digits, '.', '_' or '-')."
            )
        limits.check_includes(len(self.include))
        # Each value is held to the limits; the wholes, to what MLflow stores of them.
        for name, value in self.parameters.items():
            limits.check_text(str(name), "a parameter name")
            limits.check_json(value, f"parameter {name!r}")
        limits.check_size(self.parameters, "the parameters", limits.MAX_TAG_CHARS)
        limits.check_json(self.tags, "the tags", None)
        if not isinstance(self.sweep, Mapping):
            return
        for name, values in self.sweep.items():
            limits.check_text(str(name), "a swept parameter name")
            for value in values if isinstance(values, list) else [values]:
                limits.check_json(value, f"a sweep value of {name!r}")
        limits.check_size(
            {"sweep": self.sweep, "base": self.parameters}, "the sweep", limits.MAX_TAG_CHARS
        )
        if self.sample is not None:
            limits.check_count(self.sample, limits.MAX_SWEEP_RUNS, "--sample")
            return
        if self.optimize is not None:
            return  # --trials is the size, checked with the study's options
        runs = 1
        for values in self.sweep.values():
            runs *= len(values) if isinstance(values, list) and values else 1
            limits.check_count(
                runs,
                limits.MAX_SWEEP_RUNS,
                "The number of runs of the sweep grid",
                "Sweep fewer values, or draw points with --sample N.",
            )

    @property
    def is_sweep(self) -> bool:
        return bool(self.sweep)

    @property
    def is_study(self) -> bool:
        return self.optimize is not None

    def replace(self, **changes: Any) -> JobRequest:
        """This request with some options changed (and checked again)."""
        return dataclasses.replace(self, **changes)


def _listed(sweep: Any) -> Any:
    """Sweep axes as lists; anything else is left for the checks to name."""
    if not isinstance(sweep, Mapping):
        return sweep if sweep else {}
    return {k: list(v) if isinstance(v, list | tuple) else v for k, v in sweep.items()}
