"""Which notebook a kernel belongs to, so kernel-side surfaces can read its card and contract.

Sources, first match wins: an explicit path, the notebook of the job this kernel runs
(``JUPYTER_MLOPS_NOTEBOOK``), jupyter_server's session (``JPY_SESSION_NAME``), VS Code's
``__vsc_ipynb_file__`` and papermill's injected ``PAPERMILL_INPUT_PATH``. The job comes before
the session because a job's kernel may inherit the session of the notebook that launched it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import NotebookError


def file_name(path: str) -> str:
    """The last part of ``path``, written with ``/`` or ``\\`` (a path from another machine)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _existing(raw: str | os.PathLike[str] | None) -> Path | None:
    """``raw`` as an existing .ipynb: absolute, relative to cwd, or its name in cwd."""
    if not raw:
        return None
    path = Path(raw).expanduser()
    candidates = [path] if path.is_absolute() else [Path.cwd() / path]
    candidates.append(Path.cwd() / path.name)  # a kernel runs in its notebook's folder
    for candidate in candidates:
        if candidate.suffix == ".ipynb" and candidate.is_file():
            return candidate.resolve()
    return None


def discovered_sources(user_ns: Mapping[str, Any] | None = None) -> list[tuple[str, Any]]:
    """(source, raw path) pairs in the order they are tried; for messages and tests."""
    ns = user_ns or {}
    return [
        ("job (JUPYTER_MLOPS_NOTEBOOK)", os.environ.get("JUPYTER_MLOPS_NOTEBOOK")),
        ("jupyter_server session (JPY_SESSION_NAME)", os.environ.get("JPY_SESSION_NAME")),
        ("VS Code (__vsc_ipynb_file__)", ns.get("__vsc_ipynb_file__")),
        ("papermill (PAPERMILL_INPUT_PATH)", ns.get("PAPERMILL_INPUT_PATH")),
    ]


def find_notebook(
    explicit: str | os.PathLike[str] | None = None, user_ns: Mapping[str, Any] | None = None
) -> Path:
    """The absolute path of this kernel's notebook.

    Parameters
    ----------
    explicit
        A path given by the user (``--notebook``); it must exist.
    user_ns
        The kernel's user namespace, where VS Code and papermill leave the path.

    Raises
    ------
    NotebookError
        When ``explicit`` does not exist, or no source names an existing notebook.
    """
    if explicit:
        found = _existing(explicit)
        if found is None:
            raise NotebookError(f"Notebook not found: {explicit}. Check the --notebook path.")
        return found
    tried = []
    for source, raw in discovered_sources(user_ns):
        found = _existing(raw) if isinstance(raw, str | os.PathLike) else None
        if found is not None:
            return found
        if raw:
            tried.append(f"{source} names {raw}, which does not exist")
    detail = f" ({'; '.join(tried)})" if tried else ""
    raise NotebookError(
        "Cannot tell which notebook this kernel belongs to: it was not started by Jupyter "
        f"for a notebook, by VS Code, by papermill or as a job{detail}. "
        "Pass it explicitly: --notebook PATH (or notebook=PATH)."
    )
