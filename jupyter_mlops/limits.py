"""The bounds every request is held to before any work is done (the README lists them).

Each refusal is a :class:`LimitError` naming the limit and the value that broke it, so a
surface can show it as it is: exit code 2 on the command line, 400 (413 for a body) over REST.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InvalidRequestError

MAX_SWEEP_RUNS = 10_000
"""Runs one sweep may make: points of a grid, or ``--sample`` draws."""
MAX_INCLUDES = 1_000
"""Entries of ``include`` in one request."""
MAX_JSON_DEPTH = 32
"""Nesting of lists and objects in a parameter value, a tag or a request body."""
MAX_VALUE_CHARS = 6_000
"""A parameter value written as JSON (MLflow keeps a parameter of at most 6,000 characters)."""
MAX_TAG_CHARS = 8_000
"""A job's parameters, or a sweep's plan, written as JSON (MLflow's longest tag value)."""
MAX_NAME_CHARS = 500
"""An experiment name (MLflow's limit), a kernel name or a path in a request."""
MAX_BODY_BYTES = 1_000_000
"""A REST request body."""
MAX_BODY_DEPTH = 64
"""Nesting of a whole REST request body: its own fields' levels around the values, which are
held to :data:`MAX_JSON_DEPTH` where they are used, as on every other surface."""


class LimitError(InvalidRequestError):
    """A request went over one of the documented limits."""

    code = "LIMIT_EXCEEDED"


def check_count(count: int, limit: int, what: str, hint: str = "") -> None:
    if count > limit:
        raise LimitError(
            f"{what} is {count:,}, over the limit of {limit:,}.{' ' + hint if hint else ''}"
        )


def check_includes(count: int) -> None:
    """At most :data:`MAX_INCLUDES` included paths (checked before any is resolved)."""
    check_count(count, MAX_INCLUDES, "The number of included paths")


def check_text(text: str, what: str, limit: int = MAX_NAME_CHARS) -> None:
    """``text`` is valid Unicode and at most ``limit`` characters."""
    check_count(len(text), limit, f"The length of {what}")
    _check_unicode(text, what)


def check_json(
    value: Any,
    what: str,
    max_chars: int | None = MAX_VALUE_CHARS,
    max_depth: int = MAX_JSON_DEPTH,
) -> None:
    """``value`` nests at most ``max_depth`` deep, holds only valid Unicode and finite
    numbers, and written as JSON is at most ``max_chars`` long.

    Walked without recursion, so a value nested thousands deep is refused, not a crash.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            children = item
        else:
            if isinstance(item, str):
                _check_unicode(item, what)
            elif isinstance(item, float) and not math.isfinite(item):
                raise LimitError(f"{what} holds {item}: only finite numbers can be stored.")
            continue
        if depth > max_depth:
            raise LimitError(
                f"{what} nests lists or objects more than {max_depth} deep; pass flatter "
                "values (or read a file from the notebook)."
            )
        stack.extend((child, depth + 1) for child in children)
    if max_chars is not None:  # safe to write now that its depth is known
        check_size(value, what, max_chars)


def check_size(value: Any, what: str, max_chars: int) -> None:
    """``value`` (already held to a depth) written as JSON, the text MLflow stores, is at
    most ``max_chars`` long."""
    check_count(
        len(json.dumps(value, default=str)),
        max_chars,
        f"The length of {what} as JSON",
        "Pass large values as a file (--include) that the notebook reads.",
    )


def _check_unicode(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise LimitError(
            f"{what} holds {bad!r}, which is not valid Unicode (a lone surrogate); "
            "send text encoded as UTF-8."
        ) from None
