"""A notebook read and checked once, then submitted as one run or many (a sweep)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from ..card import card_from_notebook, load_notebook_json
from ..config import Settings
from ..errors import InvalidParameterError
from ..params import ParametersContract, read_contract
from ..tracking import ensure_experiment, gather, get_client, log_batch
from ..tracking.client import is_remote
from . import spec
from .executors import get_executor
from .inputs import check_includes, parse_resources, upload_includes


def check_timeout(timeout: float | None) -> float | None:
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        raise InvalidParameterError(
            f"timeout must be a positive number of seconds, got {timeout!r}."
        )
    return timeout


class PreparedNotebook:
    """A notebook read and checked once, ready to be submitted any number of times."""

    def __init__(
        self,
        notebook: str | Path,
        settings: Settings,
        experiment: str | None,
        cwd: str | Path | None = None,
        include: Sequence[str | Path] | None = None,
        resources: str | Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(notebook).expanduser().resolve()
        # Where the notebook runs and its inputs are read: its own folder unless told otherwise.
        self.cwd = Path(cwd).expanduser().resolve() if cwd else self.path.parent
        self.nb = load_notebook_json(self.path)
        self.card = card_from_notebook(self.nb)
        self.contract: ParametersContract = read_contract(self.nb)
        self.settings = settings
        self.executor = get_executor(settings.executor)
        self.includes = check_includes(include, self.path)
        self.resources = parse_resources(resources)
        if self.resources and not self.executor.supported_features().get("resources"):
            raise InvalidParameterError(
                f"The {self.executor.name} executor cannot reserve resources; use "
                "--executor dask://HOST:PORT with workers that declare them.",
            )
        self.experiment = experiment or settings.experiment
        self._source: dict[str, Any] | None = None
        self.created_tags: dict[str, dict[str, Any]] = {}  # by run id, until started
        self.code_cells = sum(1 for c in self.nb.get("cells", []) if c.get("cell_type") == "code")

    @cached_property
    def experiment_id(self) -> str:
        # Not read before the run is created, so a job process started ahead imports MLflow
        # alongside this one rather than after it.
        return str(
            ensure_experiment(
                self.settings.tracking_uri, self.experiment, self.settings.artifact_root
            )
        )

    def kernel_name(self, explicit: str | None = None) -> str | None:
        """The kernel papermill will start: the one asked for, else the notebook's."""
        spec_name = (self.nb.get("metadata", {}).get("kernelspec") or {}).get("name")
        return explicit or (spec_name if isinstance(spec_name, str) else None)

    def prestart(self, kernel_name: str | None) -> Any:
        """Start the job's process ahead of its run, where the executor can; else None."""
        prestart = getattr(self.executor, "prestart", None)
        if prestart is None:
            return None
        try:
            return prestart(self.settings, self.kernel_name(kernel_name), self.cwd)
        except OSError:
            return None  # start() starts it the usual way and reports what fails then

    def source_facts(self, parameters: dict[str, Any]) -> dict[str, Any]:
        from ..provenance import source_facts

        if self._source is None:
            card = self.card.model_dump(mode="json") if self.card else None
            self._source = source_facts(self.path, {}, card, self.cwd)
        return {**self._source, "parameters": parameters}

    def create_run(
        self,
        parameters: dict[str, Any],
        *,
        timeout: float | None,
        kernel_name: str | None,
        parent: str | None = None,
        extra_tags: dict[str, Any] | None = None,
    ) -> str:
        client = get_client(self.settings.tracking_uri)
        label = ", ".join(f"{k}={v}" for k, v in parameters.items())
        run_name = self.path.stem + (f" ({label})" if label else "")
        tags: dict[str, Any] = {
            spec.JOB: "true",
            spec.NOTEBOOK: str(self.path),
            spec.NOTEBOOK_NAME: self.path.name,
            spec.CWD: str(self.cwd),
            spec.EXECUTOR: self.settings.executor,
            spec.PARAMETERS: json.dumps(parameters),
            spec.SUBMITTED_AT: time.time(),
            # papermill adds one cell for injected parameters; the runner reports the real count.
            spec.CELLS_TOTAL: self.code_cells + (1 if parameters else 0),
            spec.CELLS_DONE: 0,
            "mlflow.source.name": str(self.path),
            "mlflow.source.type": "NOTEBOOK",
            **(self.card.to_tags() if self.card else {}),
            **(extra_tags or {}),
        }
        if self.includes:
            tags[spec.INCLUDES] = json.dumps([p.name for p in self.includes])
        if self.resources:
            tags[spec.RESOURCES] = json.dumps(self.resources)
        if timeout:
            tags[spec.TIMEOUT] = timeout
        kernel = self.kernel_name(kernel_name)
        if kernel:  # the runner picks a ready kernel of this name before the notebook arrives
            tags[spec.KERNEL] = kernel
        if parent:
            tags[spec.PARENT] = parent
        run = client.create_run(self.experiment_id, run_name=run_name[:250])
        run_id = str(run.info.run_id)
        uri = self.settings.tracking_uri
        effective = {**self.contract.defaults(), **parameters}
        steps = [
            partial(client.update_run, run_id, "SCHEDULED"),
            partial(log_batch, uri, run_id, params=effective, tags=tags),
            partial(client.log_artifact, run_id, str(self.path), spec.INPUT_DIR),
            partial(upload_includes, client, run_id, self.includes),
            partial(self._log_provenance, client, run_id, parameters),
        ]
        gather(steps, parallel=is_remote(uri))
        self.created_tags[run_id] = tags
        return run_id

    def _log_provenance(self, client: Any, run_id: str, parameters: dict[str, Any]) -> None:
        client.log_dict(run_id, self.source_facts(parameters), spec.SUBMIT_PROVENANCE)

    def start(self, run_id: str, settings: Settings | None = None, prestarted: Any = None) -> None:
        """Hand the run to the executor; a run it could not take ends FAILED, not SCHEDULED.

        ``prestarted`` is what :meth:`prestart` returned, taken by the executor that made it.
        """
        try:
            tags = self.created_tags.pop(run_id, None)
            facts = self.executor.submit(run_id, settings or self.settings, prestarted, tags)
        except BaseException as exc:
            if prestarted is not None:
                prestarted.discard()
            log_batch(
                self.settings.tracking_uri,
                run_id,
                tags={spec.REASON: "internal error", spec.EVALUE: f"not started: {exc}"},
            )
            get_client(self.settings.tracking_uri).set_terminated(run_id, "FAILED")
            raise
        if facts:
            log_batch(self.settings.tracking_uri, run_id, tags=facts)
