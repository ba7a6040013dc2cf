"""The executed notebook as it is stored: secrets masked, each output bounded in size.

A cell that prints 100 MB would make an artifact nobody can open; its output is cut to
:data:`MAX_OUTPUT_CHARS` with a marker saying how much was cut, so the notebook still opens and
shows where the flood was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .environment import scrub

MAX_OUTPUT_CHARS = 1_000_000
"""Characters kept of the outputs of one cell."""


def cut_marker(dropped: int) -> str:
    return (
        f"[... {dropped:,} characters of output cut: jupyter-mlops keeps at most "
        f"{MAX_OUTPUT_CHARS:,} of one cell's output ...]\n"
    )


def prepare_output(path: Path, secrets: Iterable[str]) -> int:
    """Mask ``secrets`` and bound every output of the notebook at ``path``, in place.

    Returns the number of cells whose output was cut.
    """
    text = scrub(path.read_text(encoding="utf-8", errors="surrogateescape"), list(secrets))
    try:
        nb = json.loads(text)
    except ValueError:  # not a notebook papermill wrote: keep it as masked text
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        return 0
    cut = 0
    for cell in nb.get("cells") or []:
        if cell.get("outputs"):
            cell["outputs"], dropped = _bounded_outputs(cell["outputs"])
            cut += dropped > 0
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return cut


def _bounded_outputs(outputs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """A cell's outputs within :data:`MAX_OUTPUT_CHARS` in all (a flood comes in many
    chunks); what is over is cut once, with a marker, and images over it are left out."""
    budget, dropped, kept = MAX_OUTPUT_CHARS, 0, []
    for output in outputs:
        if "text" in output:
            text = _joined(output["text"])
            if len(text) > budget:
                dropped += len(text) - budget
                text = text[:budget]
            budget -= len(text)
            if text:
                kept.append({**output, "text": text})
            continue
        data = output.get("data") or {}
        for kind, value in list(data.items()):
            size = len(_joined(value)) if isinstance(value, str | list) else 0
            if size <= budget:
                budget -= size
                continue
            dropped += size
            del data[kind]  # a cut image or page would not render
            data["text/plain"] = f"[{kind} output of {size:,} characters left out]"
        kept.append(output)
    if dropped:
        kept.append({"output_type": "stream", "name": "stderr", "text": cut_marker(dropped)})
    return kept, dropped


def _joined(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
