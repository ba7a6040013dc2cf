"""Random sweeps: ``--sample N`` points drawn from ranges and lists of values.

A sweep value ``LOW:HIGH`` is a uniform range, ``LOW:HIGH:log`` a log-uniform one (both ends
positive); an ``int`` parameter draws whole numbers from LOW to HIGH inclusive. A list of values
is drawn from uniformly. Ranges are only read for ``int``, ``float`` and untyped parameters.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError
from ..params import ParametersContract, validate


@dataclass(frozen=True)
class Range:
    """A numeric interval to draw values from."""

    low: float
    high: float
    log: bool = False

    def draw(self, rng: random.Random, kind: str) -> int | float:
        if kind == "int":
            if self.log:
                value = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
                return min(int(value), int(self.high))
            return rng.randint(int(self.low), int(self.high))
        if self.log:
            return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return rng.uniform(self.low, self.high)


def parse_range(name: str, text: Any) -> Range | None:
    """``"0.001:0.1"`` or ``"1e-4:1e-1:log"`` as a :class:`Range`; None when not a range."""
    if not isinstance(text, str) or ":" not in text:
        return None
    parts = [p.strip() for p in text.split(":")]
    log = len(parts) == 3 and parts[2] == "log"
    if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
        raise InvalidParameterError(
            f"--sweep {name}={text}: a range is LOW:HIGH or LOW:HIGH:log.", parameter=name
        )
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidParameterError(
            f"--sweep {name}={text}: range ends must be numbers.", parameter=name
        ) from None
    if not low < high:
        raise InvalidParameterError(
            f"--sweep {name}={text}: LOW must be below HIGH.", parameter=name
        )
    if log and low <= 0:
        raise InvalidParameterError(
            f"--sweep {name}={text}: a log range needs LOW > 0.", parameter=name
        )
    return Range(low, high, log)


def ranges_in(contract: ParametersContract, sweep: dict[str, list[Any]]) -> dict[str, Range]:
    """The axes of ``sweep`` given as one range of a numeric (or untyped) parameter."""
    kinds = {p.name: p.type for p in contract.parameters}
    found = {}
    for name, values in sweep.items():
        if len(values) == 1 and kinds.get(name, "any") in ("int", "float", "any"):
            parsed = parse_range(name, values[0])
            if parsed is not None:
                found[name] = parsed
    return found


def sample_points(
    contract: ParametersContract,
    base: dict[str, Any],
    sweep: dict[str, list[Any]],
    n: int,
    *,
    seed: int | None = None,
    from_text: bool = False,
) -> list[dict[str, Any]]:
    """``n`` parameter sets: ``base`` with each swept parameter drawn at random."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidParameterError(f"--sample must be a whole number >= 1, got {n!r}.")
    fixed = validate(contract, base, from_text=from_text)
    ranges = ranges_in(contract, sweep)
    kinds = {p.name: p.type for p in contract.parameters}
    choices: dict[str, list[Any]] = {}
    for name, values in sweep.items():
        if name in ranges:
            validate(contract, {name: 0}, from_text=False)  # the name must be a parameter
        elif not isinstance(values, list) or not values:
            raise InvalidParameterError(f"Sweep values for {name!r} must be a non-empty list.")
        else:
            choices[name] = [
                validate(contract, {name: v}, from_text=from_text)[name] for v in values
            ]
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        point = dict(fixed)
        for name in sweep:
            if name in ranges:
                point[name] = ranges[name].draw(rng, kinds.get(name, "float"))
            else:
                point[name] = rng.choice(choices[name])
        points.append(point)
    return points
