"""A notebook as submitted: read and checked once, then carried to wherever its runs are made.

The job's own process, when it creates its run, is handed this snapshot rather than the path,
so it neither reads the notebook again nor runs a copy that changed after it was checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from ..card import card_from_notebook, parse_notebook_json, read_notebook_bytes
from ..params import ParametersContract, read_contract
from .inputs import check_includes


@dataclasses.dataclass(frozen=True)
class NotebookSnapshot:
    """What a run needs of its notebook: the exact text submitted and what was read from it."""

    path: str
    cwd: str
    text: str
    sha256: str
    card: dict[str, Any] | None
    card_tags: dict[str, str]
    kernel: str | None
    code_cells: int
    defaults: dict[str, Any]
    includes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    def kernel_name(self, explicit: str | None = None) -> str | None:
        """The kernel papermill will start: the one asked for, else the notebook's."""
        return explicit or self.kernel

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NotebookSnapshot:
        return cls(**{**data, "includes": tuple(data.get("includes", ()))})


def read_snapshot(
    notebook: Path, cwd: Path | None, include: tuple[Path, ...]
) -> tuple[NotebookSnapshot, ParametersContract]:
    """Read ``notebook`` once: its snapshot and its parameters contract, or a clear error."""
    raw = read_notebook_bytes(notebook)
    nb = parse_notebook_json(raw, notebook)
    card = card_from_notebook(nb)
    contract = read_contract(nb)
    kernel = (nb.get("metadata", {}).get("kernelspec") or {}).get("name")
    includes = check_includes(include, notebook)
    snapshot = NotebookSnapshot(
        path=str(notebook),
        cwd=str(cwd or notebook.parent),
        text=raw.decode("utf-8"),
        sha256=hashlib.sha256(raw).hexdigest(),
        card=card.model_dump(mode="json") if card else None,
        card_tags=card.to_tags() if card else {},
        kernel=kernel if isinstance(kernel, str) else None,
        code_cells=sum(1 for c in nb.get("cells", []) if c.get("cell_type") == "code"),
        defaults=contract.defaults(),
        includes=tuple(str(p) for p in includes),
    )
    return snapshot, contract
