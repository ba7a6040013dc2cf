"""A study's search space, objective, sampler and pruner, read from what a user types.

The space comes from the sweep syntax and the notebook's typed parameters contract: a range
``LOW:HIGH`` (``:log`` for log scale) of an ``int`` parameter is an integer distribution, of a
``float`` (or untyped) one a float distribution; a list of values is categorical. The space is
kept as plain JSON on the study's parent run; Optuna's distributions are built from it by the
driver alone, so checking a request never imports Optuna.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import InvalidParameterError
from ...params import ParametersContract, validate
from ..sampling import ranges_in

OBJECTIVE = re.compile(r"\s*(max|min)\(\s*([\w.\-/ ]+?)\s*\)\s*")
SAMPLERS = ("tpe", "random", "cmaes", "qmc", "grid")
PRUNERS = ("median", "hyperband", "none")


def parse_objective(text: str, option: str = "--optimize") -> tuple[str, str]:
    """``"max(accuracy)"`` as ``("maximize", "accuracy")``; ``min(...)`` minimizes."""
    match = OBJECTIVE.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise InvalidParameterError(
            f"{option} {text!r} must look like max(METRIC) or min(METRIC), e.g. max(accuracy)."
        )
    how, metric = match.groups()
    return ("maximize" if how == "max" else "minimize"), metric


def check_choice(kind: str, value: Any, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise InvalidParameterError(
            f"--{kind} {value!r} is not one of Optuna's: use {', '.join(valid)}.", option=kind
        )
    return str(value)


def search_space(
    contract: ParametersContract, sweep: dict[str, list[Any]], *, from_text: bool
) -> dict[str, dict[str, Any]]:
    """Each swept parameter as ``{"kind": "int"|"float"|"categorical", ...}``."""
    kinds = {p.name: p.type for p in contract.parameters}
    ranges = ranges_in(contract, sweep)
    space: dict[str, dict[str, Any]] = {}
    for name, values in sweep.items():
        if name in ranges:
            validate(contract, {name: 0}, from_text=False)  # the name must be a parameter
            found = ranges[name]
            if kinds.get(name) == "int":
                if found.low != int(found.low) or found.high != int(found.high):
                    raise InvalidParameterError(
                        f"--sweep {name}={values[0]}: {name} is an int, so the range ends must "
                        "be whole numbers.",
                        parameter=name,
                    )
                space[name] = {"kind": "int", "low": int(found.low), "high": int(found.high)}
            else:
                space[name] = {"kind": "float", "low": found.low, "high": found.high}
            space[name]["log"] = found.log
            continue
        if not isinstance(values, list) or not values:
            raise InvalidParameterError(f"Sweep values for {name!r} must be a non-empty list.")
        choices = [validate(contract, {name: v}, from_text=from_text)[name] for v in values]
        for choice in choices:
            if choice is not None and not isinstance(choice, bool | int | float | str):
                raise InvalidParameterError(
                    f"--sweep {name}: Optuna draws categories from numbers, strings, booleans "
                    f"or None, not {type(choice).__name__} ({choice!r}).",
                    parameter=name,
                )
        space[name] = {"kind": "categorical", "choices": choices}
    return space


def distributions(space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The space as Optuna distributions."""
    import optuna.distributions as d

    made: dict[str, Any] = {}
    for name, axis in space.items():
        if axis["kind"] == "int":
            made[name] = d.IntDistribution(axis["low"], axis["high"], log=axis["log"])
        elif axis["kind"] == "float":
            made[name] = d.FloatDistribution(axis["low"], axis["high"], log=axis["log"])
        else:
            made[name] = d.CategoricalDistribution(axis["choices"])
    return made


def check_sampler_fits(sampler: str, space: dict[str, dict[str, Any]]) -> None:
    """A grid needs listed values; CMA-ES needs at least one numeric range."""
    if sampler == "grid":
        ranged = [n for n, axis in space.items() if axis["kind"] != "categorical"]
        if ranged:
            raise InvalidParameterError(
                f"--sampler grid walks listed values, but --sweep {ranged[0]} is a range: list "
                "its values (V1,V2,...) or pick another sampler."
            )
    if sampler == "cmaes" and all(axis["kind"] == "categorical" for axis in space.values()):
        raise InvalidParameterError(
            "--sampler cmaes searches numeric ranges, and every --sweep here is a list: give a "
            "range (LOW:HIGH) or use --sampler tpe."
        )


def make_sampler(
    name: str, seed: int | None, space: dict[str, dict[str, Any]], parallel: bool, trials: int
) -> Any:
    """Optuna's sampler ``name``. A model-based one explores at random for a quarter of the
    budget (2 to 10 trials; Optuna's default is 10), since each trial here is a notebook run."""
    import optuna.samplers as s

    if name == "random":
        return s.RandomSampler(seed=seed)
    startup = max(2, min(10, trials // 4))
    if name == "cmaes":
        return s.CmaEsSampler(seed=seed, n_startup_trials=startup, warn_independent_sampling=False)
    if name == "qmc":
        return s.QMCSampler(seed=seed, warn_independent_sampling=False)
    if name == "grid":
        grid = {n: axis["choices"] for n, axis in space.items()}
        return s.GridSampler(grid, seed=seed)
    return s.TPESampler(seed=seed, n_startup_trials=startup, constant_liar=parallel)


def make_pruner(name: str) -> Any:
    import optuna.pruners as p

    if name == "median":
        return p.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if name == "hyperband":
        return p.HyperbandPruner()
    return p.NopPruner()
