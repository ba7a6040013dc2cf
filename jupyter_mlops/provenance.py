"""Provenance receipts: what ran, from which source, on what, with which inputs.

Facts about the source (notebook hash, git state, input fingerprints) are taken where the
notebook lives, at submit time; facts about execution (environment, host, timings) where it ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from .errors import NotFoundError
from .tags import RECEIPT_PREFIX

RECEIPT_SCHEMA = 1
_DIFF_LIMIT = 512_000


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint_inputs(inputs: list[str], base: Path) -> list[dict[str, Any]]:
    """sha256 and size of each input file (paths relative to the notebook's folder)."""
    prints = []
    for rel in inputs:
        path = (base / rel).resolve()
        if path.is_file():
            prints.append({"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size})
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            digest = hashlib.sha256()
            for f in files:
                digest.update(str(f.relative_to(path)).encode())
                digest.update(sha256_file(f).encode())
            prints.append({"path": rel, "sha256": digest.hexdigest(), "files": len(files)})
        else:
            prints.append({"path": rel, "missing": True})
    return prints


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout


def git_state(folder: Path) -> dict[str, Any] | None:
    """Commit, dirty flag and diff against HEAD, or None outside a git repository."""
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _git(folder, "status", "--porcelain") or ""
    diff = _git(folder, "diff", "HEAD") or ""
    return {
        "commit": commit.strip(),
        "dirty": bool(status.strip()),
        "diff": diff[:_DIFF_LIMIT],
        "diff_truncated": len(diff) > _DIFF_LIMIT,
    }


def source_facts(
    notebook_path: Path,
    parameters: dict[str, Any],
    card: dict[str, Any] | None,
    folder: Path | None = None,
    notebook_sha256: str | None = None,
) -> dict[str, Any]:
    """The submit-side half of a receipt; git state and inputs are read in ``folder``.

    ``folder`` defaults to the notebook's own folder; ``notebook_sha256``, when the notebook
    was already read, saves reading it again.
    """
    folder = folder or notebook_path.parent
    digest = notebook_sha256 or sha256_file(notebook_path)
    return {
        "notebook": {"path": str(notebook_path), "sha256": digest},
        "parameters": parameters,
        "card": card,
        "git": git_state(folder),
        "inputs": fingerprint_inputs((card or {}).get("inputs", []), folder),
    }


_packages_cache: tuple[tuple[tuple[str, ...], ...], dict[str, str]] | None = None


def installed_packages() -> dict[str, str]:
    """``{name: version}`` of the distributions this interpreter sees, sorted by name.

    Reading every distribution's metadata takes most of a second, and a Dask worker or a
    Jupyter server writes a receipt for each job: the list is kept while the distribution
    folders on ``sys.path`` stay the same (installing, upgrading or removing a package adds or
    removes one; listing them takes about a millisecond).
    """
    global _packages_cache
    from importlib import metadata

    key = tuple(_distribution_folders(folder) for folder in sys.path)
    if _packages_cache is not None and _packages_cache[0] == key:
        return dict(_packages_cache[1])
    packages = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[name.lower()] = dist.version
    ordered = dict(sorted(packages.items()))
    _packages_cache = (key, ordered)
    return dict(ordered)


def _distribution_folders(folder: str) -> tuple[str, ...]:
    """The ``*.dist-info`` and ``*.egg-info`` names in one ``sys.path`` folder, with the folder.

    Not the folder's modification time: a working folder on ``sys.path`` changes whenever a
    file is made in it (a SQLite journal, a scratch file), which would empty the cache.
    """
    try:
        with os.scandir(folder or ".") as entries:
            names = sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
    except OSError:
        names = []
    return (folder, *names)


def environment_facts(executor: str, kernel_name: str | None) -> dict[str, Any]:
    """The run-side half of a receipt: interpreter, packages, host."""
    return {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "packages": installed_packages(),
        "host": socket.gethostname(),
        "executor": executor,
        "kernel": kernel_name,
    }


def build_receipt(
    run_id: str, source: dict[str, Any], environment: dict[str, Any], timings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "schema_version": RECEIPT_SCHEMA,
        "run_id": run_id,
        **source,
        "environment": environment,
        "timings": timings,
    }


def receipt_tags(receipt: dict[str, Any]) -> dict[str, str]:
    """Key facts as run tags so runs can be searched by them."""
    git = receipt.get("git") or {}
    env = receipt.get("environment", {})
    tags = {
        RECEIPT_PREFIX + "notebook_sha256": receipt.get("notebook", {}).get("sha256", ""),
        RECEIPT_PREFIX + "python": env.get("python", ""),
        RECEIPT_PREFIX + "host": env.get("host", ""),
        RECEIPT_PREFIX + "executor": env.get("executor", ""),
        RECEIPT_PREFIX + "kernel": env.get("kernel") or "",
    }
    if git:
        tags[RECEIPT_PREFIX + "git_commit"] = git.get("commit", "")
        tags[RECEIPT_PREFIX + "git_dirty"] = str(git.get("dirty", False)).lower()
    return {k: v for k, v in tags.items() if v}


def get_receipt(run_id: str, tracking_uri: str | None = None) -> dict[str, Any]:
    """The ``receipt.json`` of a run."""
    from .config import resolve_tracking_uri
    from .tracking import get_client
    from .tracking.client import read_artifact_text, shown_uri

    uri = resolve_tracking_uri(tracking_uri)
    client = get_client(uri)
    try:
        client.get_run(run_id)
    except Exception as exc:
        raise NotFoundError(
            f"No run {run_id!r} on {shown_uri(uri)}. Check the run id (jupyter mlops jobs)."
        ) from exc
    try:
        text = read_artifact_text(uri, run_id, "receipt.json")
    except Exception as exc:
        raise NotFoundError(
            f"Run {run_id!r} has no receipt.json yet: it is still scheduled, or it was not "
            "made by jupyter-mlops."
        ) from exc
    return dict(json.loads(text))


def receipt_summary(receipt: dict[str, Any], packages_hint: str = "") -> dict[str, Any]:
    """``receipt`` for reading: the package list replaced by its count (and ``packages_hint``)."""
    env = receipt.get("environment", {})
    shown = {k: v for k, v in receipt.items() if k != "environment"}
    shown["environment"] = {k: v for k, v in env.items() if k != "packages"}
    shown["environment"]["packages"] = f"{len(env.get('packages', {}))} packages{packages_hint}"
    return shown
