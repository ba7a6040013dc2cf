"""Diff two runs: notebook source cell by cell (with nbdime), parameters, card, inputs,
environment and metrics."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import get_settings
from . import facts as f

SECTIONS = ("notebook", "parameters", "card", "inputs", "environment", "metrics")


def _source_only(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook reduced to what was written: cell types and sources, no outputs or ids."""
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        kept: dict[str, Any] = {
            "cell_type": cell.get("cell_type", "code"),
            "source": "".join(source) if isinstance(source, list) else source,
            "metadata": {},
        }
        if kept["cell_type"] == "code":
            kept.update(outputs=[], execution_count=None)
        cells.append(kept)
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def _signed(prefix: str, source: str) -> str:
    return "\n".join(f"{prefix} {line}" for line in source.splitlines() or [""])


def cell_changes(nb_a: dict[str, Any], nb_b: dict[str, Any]) -> list[dict[str, Any]]:
    """Cells added, removed or modified from ``nb_a`` to ``nb_b``, as nbdime aligns them.

    Each change carries both indexes (None on the side the cell is absent from), both
    sources and a readable diff text.
    """
    from nbdime.diffing.notebooks import diff_notebooks
    from nbdime.prettyprint import PrettyPrintConfig, pretty_print_diff

    a, b = _source_only(nb_a), _source_only(nb_b)
    ops: list[dict[str, Any]] = next(
        (e["diff"] for e in diff_notebooks(a, b) if e["key"] == "cells"), []
    )
    changes: list[dict[str, Any]] = []
    offset = 0  # index in b = index in a + cells added before it - cells removed before it
    for op in ops:
        key = op["key"]
        if op["op"] == "addrange":
            for i, cell in enumerate(op["valuelist"]):
                changes.append(
                    {
                        "change": "added",
                        "index_a": None,
                        "index_b": key + offset + i,
                        "cell_type": cell["cell_type"],
                        "source_a": None,
                        "source_b": cell["source"],
                        "diff": _signed("+", cell["source"]),
                    }
                )
            offset += len(op["valuelist"])
        elif op["op"] == "removerange":
            for i in range(op["length"]):
                cell = a["cells"][key + i]
                changes.append(
                    {
                        "change": "removed",
                        "index_a": key + i,
                        "index_b": None,
                        "cell_type": cell["cell_type"],
                        "source_a": cell["source"],
                        "source_b": None,
                        "diff": _signed("-", cell["source"]),
                    }
                )
            offset -= op["length"]
        elif op["op"] == "patch":
            cell_a, cell_b = a["cells"][key], b["cells"][key + offset]
            out = io.StringIO()
            config = PrettyPrintConfig(out=out, use_git=False, use_diff=False, use_color=False)
            pretty_print_diff(cell_a, op["diff"], f"cell {key}", config)
            changes.append(
                {
                    "change": "modified",
                    "index_a": key,
                    "index_b": key + offset,
                    "cell_type": cell_b["cell_type"],
                    "source_a": cell_a["source"],
                    "source_b": cell_b["source"],
                    "diff": out.getvalue().rstrip("\n"),
                }
            )
    return sorted(changes, key=lambda c: c["index_b"] if c["index_b"] is not None else -1)


def _inputs(run: f.RunFacts) -> dict[str, str | None]:
    return {i["path"]: i.get("sha256") for i in run.receipt.get("inputs") or []}


def _environment(run: f.RunFacts) -> dict[str, Any]:
    env = run.receipt.get("environment") or {}
    return {k: env.get(k) for k in ("python", "platform", "executor", "kernel")}


@dataclass
class RunDiff:
    """What differs between runs ``run_a`` and ``run_b``; empty sections mean no difference.

    ``str()`` is readable text, ``to_dict()`` JSON, and a notebook renders it as HTML.
    """

    run_a: str
    run_b: str
    notebook: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not any(self.changed_sections())

    def changed_sections(self) -> list[str]:
        env = self.environment
        changed = {
            "notebook": bool(self.notebook.get("cells")),
            "parameters": bool(self.parameters),
            "card": bool(self.card),
            "inputs": bool(self.inputs),
            "environment": bool(env.get("facts") or any(env.get("packages", {}).values())),
            "metrics": bool(self.metrics),
        }
        return [s for s in SECTIONS if changed[s]]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "identical": self.identical}

    def __str__(self) -> str:
        from .render import diff_text

        return diff_text(self)

    def _repr_html_(self) -> str:
        from .render import diff_html

        return diff_html(self)


def diff(run_a: str, run_b: str, tracking_uri: str | None = None) -> RunDiff:
    """What differs between two runs: notebook source cell by cell, parameters, card fields,
    input fingerprints, environment and metrics.

    Raises
    ------
    NotFoundError
        A run, its receipt or its notebook snapshot does not exist.
    """
    uri = get_settings(tracking_uri).tracking_uri
    a, b = f.load_run(run_a, uri), f.load_run(run_b, uri)
    sha = {
        "a": a.receipt.get("notebook", {}).get("sha256"),
        "b": b.receipt.get("notebook", {}).get("sha256"),
    }
    cells = [] if sha["a"] and sha["a"] == sha["b"] else cell_changes(a.snapshot(), b.snapshot())
    metrics = {
        name: {**change, "difference": _delta(change["a"], change["b"])}
        for name, change in f.dict_changes(a.metrics, b.metrics).items()
    }
    return RunDiff(
        run_a=run_a,
        run_b=run_b,
        notebook={
            "name": {"a": a.snapshot_name(), "b": b.snapshot_name()},
            "sha256": sha,
            "cells": cells,
        },
        parameters=f.dict_changes(dict(a.run.data.params), dict(b.run.data.params)),
        card=f.dict_changes(a.card, b.card),
        inputs=f.dict_changes(_inputs(a), _inputs(b)),
        environment={
            "facts": f.dict_changes(_environment(a), _environment(b)),
            "packages": f.package_changes(a.packages, b.packages),
        },
        metrics=metrics,
    )


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a
