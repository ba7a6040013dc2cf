"""What a run holds for reproducing it: tags, metrics, receipt and notebook snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NotFoundError
from ..jobs import spec

# Tags written by a replay on the original run and on the replay run.
from ..tags import (
    REPLAY_ALLOW_CHANGED_DATA,
    REPLAY_AT,
    REPLAY_CHANGED_INPUTS,
    REPLAY_DIFFERENCES,
    REPLAY_LAST_RUN,
    REPLAY_OF,
    REPLAY_TOLERANCES,
    REPLAY_VERDICT,
)

__all__ = [  # the tags named here are defined in tags.py
    "NOT_REPRODUCED",
    "REPLAY_ALLOW_CHANGED_DATA",
    "REPLAY_AT",
    "REPLAY_CHANGED_INPUTS",
    "REPLAY_DIFFERENCES",
    "REPLAY_LAST_RUN",
    "REPLAY_OF",
    "REPLAY_TOLERANCES",
    "REPLAY_VERDICT",
    "REPRODUCED",
    "RunFacts",
    "describe_package_changes",
    "dict_changes",
    "load_run",
    "package_changes",
]
from ..tracking import download_artifact, get_client, read_artifact_text, shown_uri

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"


@dataclass
class RunFacts:
    """One run as read back from MLflow, with its ``receipt.json``."""

    run_id: str
    uri: str
    run: Any
    receipt: dict[str, Any]

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.run.data.tags)

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.run.data.metrics)

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameter values the run was submitted with (typed, as validated)."""
        raw = self.tags.get(spec.PARAMETERS)
        if raw is not None:
            try:
                return dict(json.loads(raw))
            except (json.JSONDecodeError, TypeError, ValueError):
                pass
        return dict(self.receipt.get("parameters") or {})

    @property
    def card(self) -> dict[str, Any]:
        return dict(self.receipt.get("card") or {})

    @property
    def packages(self) -> dict[str, str]:
        return dict((self.receipt.get("environment") or {}).get("packages") or {})

    @property
    def cwd(self) -> Path | None:
        """The folder the run executed in and read its inputs from."""
        folder = self.tags.get(spec.CWD)
        if folder:
            return Path(folder)
        notebook = (self.receipt.get("notebook") or {}).get("path")
        return Path(notebook).parent if notebook else None

    def snapshot_name(self) -> str:
        """File name of the notebook snapshot stored under ``input/`` on the run."""
        name = self.tags.get(spec.NOTEBOOK_NAME)
        if name:
            return name
        found = [
            Path(a.path).name
            for a in get_client(self.uri).list_artifacts(self.run_id, spec.INPUT_DIR)
            if a.path.endswith(".ipynb")
        ]
        if not found:
            raise NotFoundError(
                f"Run {self.run_id} has no notebook snapshot under {spec.INPUT_DIR}/: it was not "
                "made by a jupyter-mlops job or registration, so it cannot be replayed or diffed."
            )
        return found[0]

    def download_snapshot(self, folder: Path) -> Path:
        """Download the notebook snapshot into ``folder``; returns its local path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = f"{spec.INPUT_DIR}/{self.snapshot_name()}"
        return Path(download_artifact(self.uri, self.run_id, path, str(folder)))

    def snapshot(self) -> dict[str, Any]:
        """The notebook snapshot as JSON."""
        text = read_artifact_text(self.uri, self.run_id, f"{spec.INPUT_DIR}/{self.snapshot_name()}")
        return dict(json.loads(text))


def load_run(run_id: str, uri: str) -> RunFacts:
    """Read run ``run_id`` and its receipt; :class:`NotFoundError` when either is missing."""
    client = get_client(uri)
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise NotFoundError(
            f"No run {run_id!r} on {shown_uri(uri)}. Check the run id (jupyter mlops jobs).",
            run_id=run_id,
        ) from exc
    try:
        receipt = json.loads(read_artifact_text(uri, run_id, spec.RECEIPT))
    except Exception as exc:
        raise NotFoundError(
            f"Run {run_id!r} has no {spec.RECEIPT}: it is still scheduled or running, or it was "
            "not made by jupyter-mlops.",
            run_id=run_id,
        ) from exc
    return RunFacts(run_id, uri, run, dict(receipt))


def dict_changes(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{key: {"a": ..., "b": ...}}`` for every key whose value differs (None when absent)."""
    return {
        key: {"a": a.get(key), "b": b.get(key)}
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    }


def package_changes(before: dict[str, str], after: dict[str, str]) -> dict[str, Any]:
    """Packages ``missing`` from ``after``, ``added`` to it, and ``changed`` in version."""
    return {
        "missing": {k: v for k, v in sorted(before.items()) if k not in after},
        "added": {k: v for k, v in sorted(after.items()) if k not in before},
        "changed": {
            k: {"a": v, "b": after[k]}
            for k, v in sorted(before.items())
            if k in after and after[k] != v
        },
    }


def describe_package_changes(changes: dict[str, Any]) -> list[str]:
    """One readable line per package difference."""
    lines = [f"missing {name} (was {v})" for name, v in changes["missing"].items()]
    lines += [f"{name} {v['a']} -> {v['b']}" for name, v in changes["changed"].items()]
    lines += [f"added {name} {v}" for name, v in changes["added"].items()]
    return lines
