"""A durable local spool for registrations: written first, pushed to MLflow, then removed.

Every registration goes through the spool, so a tracking server that is down loses nothing:
the entry stays on disk and ``push.sync()`` (run by every CLI command) pushes it later. Pushing is
idempotent: a version is found again by its run and name before a new one is made. An entry is
pushed by one process at a time: whoever pushes holds its lock file, which the OS releases if
that process dies, so two commands syncing at once never make two runs or versions.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import get_settings


@dataclass
class SpoolEntry:
    """One pending registration; ``run_id`` is filled in once its run exists."""

    entry_id: str
    tracking_uri: str
    name: str
    run_id: str | None = None
    alias: str | None = None
    experiment: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    created_at: float = field(default_factory=time.time)
    model_id: str | None = None  # the LoggedModel, once it exists: a retry reuses it
    datasets: list[dict[str, Any]] = field(default_factory=list)  # MLflow dataset entities
    attempts: int = 0
    last_error: str | None = None

    folder: Path | None = field(default=None, repr=False, compare=False)

    @property
    def model_dir(self) -> Path:
        assert self.folder is not None
        return self.folder / "model"

    @property
    def extras_dir(self) -> Path:
        """Files for the interactive run made at push time (notebook snapshot, receipt)."""
        assert self.folder is not None
        return self.folder / "run"

    def save(self) -> None:
        assert self.folder is not None
        data = {k: v for k, v in asdict(self).items() if k != "folder"}
        tmp = self.folder / "entry.json.tmp"
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.folder / "entry.json")


def spool_dir() -> Path:
    return get_settings().home / "spool"


def new_entry(tracking_uri: str, name: str, **fields: Any) -> SpoolEntry:
    folder = spool_dir() / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}"
    (folder / "run").mkdir(parents=True)
    entry = SpoolEntry(entry_id=folder.name, tracking_uri=tracking_uri, name=name, **fields)
    entry.folder = folder
    return entry


def pending() -> list[SpoolEntry]:
    """Entries waiting to be pushed, oldest first."""
    root = spool_dir()
    if not root.is_dir():
        return []
    entries = []
    for folder in sorted(root.iterdir()):
        entry = _read(folder)
        if entry is not None:
            entries.append(entry)
    return entries


def _read(folder: Path) -> SpoolEntry | None:
    meta = folder / "entry.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        entry = SpoolEntry(**data)
    except FileNotFoundError:
        return None  # still being written, pushed meanwhile, or abandoned before it was complete
    except (OSError, ValueError, TypeError) as exc:
        warnings.warn(
            f"Spooled registration {folder} cannot be read ({exc}); it is kept as it is. "
            "Fix or remove its entry.json.",
            stacklevel=3,
        )
        return None
    entry.folder = folder
    return entry


@contextlib.contextmanager
def claimed(entry: SpoolEntry, *, fresh: bool = False) -> Iterator[SpoolEntry | None]:
    """Hold ``entry`` for pushing: yields it as it now is on disk, or None when another
    process holds it or it is gone (pushed meanwhile). A ``fresh`` entry, still being made by
    this process, is held from the start so that no sync can take it half-pushed."""
    assert entry.folder is not None
    try:
        handle = open(entry.folder / "push.lock", "ab")  # noqa: SIM115 - held while pushing
    except FileNotFoundError:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield entry if fresh else _read(entry.folder)


def discard(entry: SpoolEntry) -> None:
    if entry.folder is not None:
        shutil.rmtree(entry.folder, ignore_errors=True)
