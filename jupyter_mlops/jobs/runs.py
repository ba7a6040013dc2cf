"""Making the MLflow runs of a submission: created SCHEDULED with everything the job needs.

The same code runs in the submitter and, where the executor lets the job's process create its
own run, in that process (from the request it is handed over a pipe).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from ..config import Settings
from ..tags import SOURCE_NAME, SOURCE_TYPE
from ..tracking import Store, gather
from ..tracking.client import is_remote
from . import spec
from .executors import Executor
from .inputs import upload_includes
from .snapshot import NotebookSnapshot


class RunFactory:
    """Creates the runs of one submission of a notebook snapshot, and hands them to an executor."""

    def __init__(
        self,
        snapshot: NotebookSnapshot,
        settings: Settings,
        experiment: str | None,
        *,
        timeout: float | None = None,
        kernel_name: str | None = None,
        resources: Mapping[str, float] | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.settings = settings
        self.store = Store(settings.tracking_uri)
        self.experiment = experiment or settings.experiment
        self.timeout = timeout
        self.kernel_name = kernel_name
        self.resources = dict(resources or {})
        self.tags = dict(tags or {})
        self._source: dict[str, Any] | None = None
        self.created_tags: dict[str, dict[str, Any]] = {}  # by run id, until started

    @cached_property
    def experiment_id(self) -> str:
        return self.store.experiment_id(self.experiment, self.settings.artifact_root)

    def source_facts(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """The submit half of the receipt; git state is read once for every run made here."""
        from ..provenance import source_facts

        if self._source is None:
            snap = self.snapshot
            self._source = source_facts(
                Path(snap.path), {}, snap.card, Path(snap.cwd), notebook_sha256=snap.sha256
            )
        return {**self._source, "parameters": parameters}

    def job_tags(self, parameters: dict[str, Any], parent: str | None) -> dict[str, Any]:
        snap = self.snapshot
        tags: dict[str, Any] = {
            spec.JOB: "true",
            spec.NOTEBOOK: snap.path,
            spec.NOTEBOOK_NAME: snap.name,
            spec.CWD: snap.cwd,
            spec.EXECUTOR: self.settings.executor,
            spec.PARAMETERS: json.dumps(parameters),
            spec.SUBMITTED_AT: time.time(),
            # papermill adds one cell for injected parameters; the runner reports the real count.
            spec.CELLS_TOTAL: snap.code_cells + (1 if parameters else 0),
            spec.CELLS_DONE: 0,
            SOURCE_NAME: snap.path,
            SOURCE_TYPE: "NOTEBOOK",
            **snap.card_tags,
            **self.tags,
        }
        if snap.includes:
            tags[spec.INCLUDES] = json.dumps([Path(p).name for p in snap.includes])
        if self.resources:
            tags[spec.RESOURCES] = json.dumps(self.resources)
        if self.timeout:
            tags[spec.TIMEOUT] = self.timeout
        kernel = snap.kernel_name(self.kernel_name)
        if kernel:  # the runner picks a ready kernel of this name before the notebook arrives
            tags[spec.KERNEL] = kernel
        if parent:
            tags[spec.PARENT] = parent
        return tags

    def create(
        self,
        parameters: dict[str, Any],
        *,
        parent: str | None = None,
        extra_tags: Mapping[str, Any] | None = None,
    ) -> str:
        """Create one run SCHEDULED, with the notebook, parameters, inputs and provenance."""
        client = self.store.client
        label = ", ".join(f"{k}={v}" for k, v in parameters.items())
        run_name = self.snapshot.stem + (f" ({label})" if label else "")
        tags = {**self.job_tags(parameters, parent), **(extra_tags or {})}
        run = client.create_run(self.experiment_id, run_name=run_name[:250])
        run_id = str(run.info.run_id)
        uri = self.settings.tracking_uri
        effective = {**self.snapshot.defaults, **parameters}
        steps = [
            partial(client.update_run, run_id, "SCHEDULED"),
            partial(self.store.log, run_id, params=effective, tags=tags),
            partial(self._log_notebook, client, run_id),
            partial(upload_includes, client, run_id, [Path(p) for p in self.snapshot.includes]),
            partial(client.log_dict, run_id, self.source_facts(parameters), spec.SUBMIT_PROVENANCE),
        ]
        gather(steps, parallel=is_remote(uri))
        self.created_tags[run_id] = tags
        return run_id

    def _log_notebook(self, client: Any, run_id: str) -> None:
        """The notebook exactly as it was checked, under ``input/`` with its own name."""
        with tempfile.TemporaryDirectory(prefix="mlops-input-") as folder:
            copy = os.path.join(folder, self.snapshot.name)
            with open(copy, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.snapshot.text)
            client.log_artifact(run_id, copy, spec.INPUT_DIR)

    def start(self, executor: Executor, run_id: str, settings: Settings | None = None) -> None:
        """Hand the run to ``executor``; a run it could not take ends FAILED, not SCHEDULED."""
        try:
            tags = self.created_tags.pop(run_id, None)
            facts = executor.submit(run_id, settings or self.settings, tags)
        except BaseException as exc:
            evalue = f"not started: {exc}"
            self.store.log(run_id, tags={spec.REASON: "internal error", spec.EVALUE: evalue})
            self.store.end(run_id, "FAILED")
            raise
        if facts:
            self.store.log(run_id, tags=facts)
