"""A job-like MLflow run around interactive code: what ``%%mlops track`` runs a cell in.

The run carries the job tags (so it lists with jobs), the code it ran, a snapshot of the saved
notebook and a receipt; MLflow autologging is on while the code runs.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..card import read_card
from ..config import get_settings
from ..tags import INTERACTIVE, SOURCE_NAME, SOURCE_TYPE, TRACKED_CELL
from ..tracking import ensure_experiment, get_client, log_batch
from ..tracking.client import fluent_tracking_uri
from . import spec

CODE_ARTIFACT = "cell.py"


@dataclass
class TrackedRun:
    """The run a block of code is tracked in; set ``error`` when the code failed."""

    run_id: str
    experiment_id: str
    tracking_uri: str
    error: BaseException | None = None

    @property
    def status(self) -> str:
        return "FAILED" if self.error is not None else "FINISHED"


def _create_run(
    source: str, name: str | None, notebook: Path | None, experiment: str | None, uri: str
) -> TrackedRun:
    from ..provenance import build_receipt, environment_facts, receipt_tags, source_facts

    settings = get_settings(uri)
    exp_id = ensure_experiment(uri, experiment or settings.experiment, settings.artifact_root)
    card = read_card(notebook) if notebook else None
    card_dict = card.model_dump(mode="json") if card else None
    client = get_client(uri)
    stem = notebook.stem if notebook else "notebook"
    run = client.create_run(exp_id, run_name=(name or f"{stem} (tracked cell)")[:250])
    run_id = str(run.info.run_id)
    tags: dict[str, Any] = {
        spec.JOB: "true",
        TRACKED_CELL: "true",
        INTERACTIVE: "true",
        spec.NOTEBOOK: str(notebook or ""),
        spec.NOTEBOOK_NAME: notebook.name if notebook else "",
        spec.CWD: os.getcwd(),
        spec.EXECUTOR: "interactive",
        spec.PARAMETERS: "{}",
        spec.SUBMITTED_AT: time.time(),
        spec.CELLS_TOTAL: 1,
        spec.CELLS_DONE: 0,
        SOURCE_TYPE: "NOTEBOOK",
        **({SOURCE_NAME: str(notebook)} if notebook else {}),
        **(card.to_tags() if card else {}),
    }
    parent = os.environ.get("JUPYTER_MLOPS_RUN_ID")
    if parent:
        tags[spec.PARENT] = parent
    client.log_text(run_id, source, CODE_ARTIFACT)
    source_part: dict[str, Any] = {"card": card_dict, "parameters": {}}
    if notebook:
        client.log_artifact(run_id, str(notebook), spec.INPUT_DIR)
        source_part = source_facts(notebook, {}, card_dict)
    receipt = build_receipt(
        run_id,
        source_part,
        environment_facts("interactive", os.environ.get("JPY_KERNEL_NAME")),
        {"started_at": time.time()},
    )
    client.log_text(run_id, json.dumps(receipt, indent=1, default=str), spec.RECEIPT)
    log_batch(uri, run_id, tags={**tags, **receipt_tags(receipt)})
    return TrackedRun(run_id, exp_id, uri)


@contextmanager
def tracked_run(
    source: str,
    *,
    name: str | None = None,
    notebook: str | os.PathLike[str] | None = None,
    experiment: str | None = None,
    autolog: bool = True,
    tracking_uri: str | None = None,
) -> Iterator[TrackedRun]:
    """Run the body inside a new job-like MLflow run, active for ``mlflow.*`` calls.

    Parameters
    ----------
    source
        The code being run, logged as ``cell.py``.
    notebook
        The saved notebook, attached as a snapshot with a receipt; ``None`` to attach none.
    autolog
        Turn MLflow autologging on for the body (and off after it).
    """
    import mlflow

    uri = get_settings(tracking_uri).tracking_uri
    path = Path(notebook).resolve() if notebook else None
    tracked = _create_run(source, name, path, experiment, uri)
    with fluent_tracking_uri(uri):
        mlflow.start_run(run_id=tracked.run_id, nested=True)
        if autolog:
            mlflow.autolog(silent=True)
        try:
            yield tracked
        except BaseException as exc:
            tracked.error = exc
            raise
        finally:
            if autolog:
                mlflow.autolog(disable=True, silent=True)
            tags: dict[str, Any] = {spec.CELLS_DONE: 0 if tracked.error else 1}
            if tracked.error is not None:
                tags.update(
                    {
                        spec.REASON: "cell error",
                        spec.ENAME: type(tracked.error).__name__,
                        spec.EVALUE: str(tracked.error),
                    }
                )
            log_batch(uri, tracked.run_id, tags=tags)
            mlflow.end_run(tracked.status)
