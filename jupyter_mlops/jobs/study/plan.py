"""What a study is asked to do, checked before anything runs, and recorded on its parent run."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from ... import limits
from ...errors import InvalidParameterError
from ...params import ParametersContract
from .space import PRUNERS, SAMPLERS, check_choice, check_sampler_fits, parse_objective
from .space import search_space as read_space

DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any, option: str = "--timeout-total") -> float:
    """Seconds, from a number or ``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = DURATION.fullmatch(value) if isinstance(value, str) else None
        if not match:
            raise InvalidParameterError(
                f"{option} {value!r} must be a duration such as 600, 90s, 30m or 2h."
            )
        seconds = float(match.group(1)) * UNIT_S[match.group(2)]
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidParameterError(f"{option} must be more than 0 seconds, got {value!r}.")
    return seconds


def check_study_options(
    optimize: str, trials: Any, sampler: Any, pruner: Any, has_sample: bool
) -> None:
    """What a study request can be refused for without its notebook."""
    parse_objective(optimize)
    if has_sample:
        raise InvalidParameterError(
            "--optimize and --sample both choose the points: drop --sample (Optuna's random "
            "sampler is --sampler random)."
        )
    if trials is None:
        raise InvalidParameterError(
            "--optimize needs --trials N: how many runs the study may make (e.g. --trials 40)."
        )
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InvalidParameterError(
            f"--trials must be a whole number of at least 1, got {trials!r}."
        )
    limits.check_count(trials, limits.MAX_SWEEP_RUNS, "--trials")
    if sampler is not None:
        check_choice("sampler", sampler, SAMPLERS)
    if pruner is not None:
        check_choice("pruner", pruner, PRUNERS)


@dataclasses.dataclass(frozen=True)
class StudyPlan:
    """Everything the study's driver needs besides the notebook; JSON on the parent run."""

    objective: str
    direction: str
    trials: int
    space: dict[str, dict[str, Any]]
    base: dict[str, Any]
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int | None = None
    max_concurrency: int | None = None
    timeout_total: float | None = None
    fail_fast: bool = False

    @property
    def selector(self) -> str:
        return f"{'max' if self.direction == 'maximize' else 'min'}({self.objective})"

    @classmethod
    def of(cls, request: Any, contract: ParametersContract) -> StudyPlan:
        """The plan of a checked study ``JobRequest``, against its notebook's parameters."""
        from ...params import validate

        direction, metric = parse_objective(request.optimize)
        sweep = {k: list(v) for k, v in request.sweep.items()}
        space = read_space(contract, sweep, from_text=request.from_text)
        sampler = request.sampler or "tpe"
        check_sampler_fits(sampler, space)
        base = validate(contract, dict(request.parameters), from_text=request.from_text)
        return cls(
            objective=metric,
            direction=direction,
            trials=request.trials,
            space=space,
            base=base,
            sampler=sampler,
            pruner=request.pruner or "median",
            seed=request.seed,
            max_concurrency=request.max_concurrency,
            timeout_total=request.timeout_total,
            fail_fast=request.fail_fast,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyPlan:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
