"""Notebook paths from requests: relative to the server root, and never outside it."""

from __future__ import annotations

import contextlib
import re
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from jupyter_core.paths import is_hidden

from .. import limits
from ..errors import NotebookError, NotFoundError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class PathOutsideRootError(NotebookError):
    """A request named a file outside the Jupyter server's root folder."""

    code = "PATH_OUTSIDE_ROOT"
    http_status = 403


def _refuse(path: str, why: str, what: str = "notebook path") -> PathOutsideRootError:
    return PathOutsideRootError(
        f"Refused {what} {path!r}: {why}. Give a path relative to the Jupyter server's "
        "root folder, as the file browser shows it."
    )


def resolve_notebook_path(
    root_dir: str | Path, path: str, what: str = "notebook path", *, allow_hidden: bool = True
) -> Path:
    """The absolute path of ``path`` inside ``root_dir``, refusing anything that leaves it.

    ``path`` is what the file browser shows: relative, ``/``-separated, already URL-decoded
    (it names the file as it is: ``pct%41.ipynb`` is that file, not ``pctA.ipynb``). Symlinks
    are followed before the containment check, so ``../``, absolute paths, URL schemes, a
    sibling folder sharing the root's prefix and a symlink pointing outside are all refused;
    text that would mean ``..`` once decoded is refused too. As Jupyter's contents manager
    does, hidden files and folders are refused unless ``allow_hidden``, and so is anything
    but a regular file or folder (a FIFO would block its reader). ``what`` names the path.
    """
    if not isinstance(path, str) or not path.strip():
        raise NotebookError(f"A {what} is required, relative to the server root.")
    limits.check_text(path, f"the {what}")
    for text in {path, unquote(path)}:
        if "\x00" in text:
            raise _refuse(path, "it contains a NUL character", what)
        if _SCHEME.match(text) or "://" in text:
            raise _refuse(path, "URLs and URL schemes are not notebook paths", what)
        if text.startswith(("/", "\\", "~")):
            raise _refuse(path, "absolute paths are not allowed", what)
        if ".." in PurePosixPath(text.replace("\\", "/")).parts:
            raise _refuse(path, "'..' is not allowed", what)
    root = Path(root_dir).expanduser().resolve()
    given = root / path
    if not allow_hidden and is_hidden(str(given), str(root)):
        raise NotFoundError(
            f"No {what} {path!r}: hidden files are not served (the server's allow_hidden "
            "setting is off)."
        )
    target = given.resolve()
    if not target.is_relative_to(root):
        raise _refuse(path, "it resolves outside the server root", what)
    with contextlib.suppress(OSError):  # a missing file is said by whoever reads it
        mode = target.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise NotebookError(f"Refused {what} {path!r}: it is not a regular file or folder.")
    return target


def relative_to_root(root_dir: str | Path, path: str | Path) -> str | None:
    """``path`` as the file browser names it, or ``None`` when it is outside the root."""
    root = Path(root_dir).expanduser().resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(root):
        return None
    return resolved.relative_to(root).as_posix()
