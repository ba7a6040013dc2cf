"""One tracking store, resolved once per call chain: what the jobs ask of MLflow, by name.

A public function takes ``tracking_uri=None`` and resolves it once with :meth:`Store.at`;
what it calls is handed the :class:`Store`. The store is its URI alone, so it pickles to a
Dask worker or a job's process; the ``MlflowClient`` behind it is one per process and URI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .client import ensure_experiment, get_client, log_batch, shown_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

RUN_ID_CHUNK = 100  # run ids per search filter


@dataclass(frozen=True)
class Store:
    uri: str

    @classmethod
    def at(cls, tracking_uri: str | None = None) -> Store:
        """The store ``tracking_uri`` names, or the configured one (``MLFLOW_TRACKING_URI``)."""
        from ..config import get_settings

        return cls(get_settings(tracking_uri).tracking_uri)

    @property
    def client(self) -> MlflowClient:
        """The raw client, for what this facade does not name (the model registry)."""
        return get_client(self.uri)

    @property
    def shown(self) -> str:
        """The URI as it may be shown or logged: without credentials."""
        return shown_uri(self.uri)

    def run(self, run_id: str) -> Run:
        return self.client.get_run(run_id)

    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        *,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
    ) -> list[Run]:
        return list(
            self.client.search_runs(
                list(experiment_ids),
                filter_string=filter_string,
                max_results=max_results,
                order_by=list(order_by) if order_by else None,
            )
        )

    def runs_by_id(
        self, experiment_id: str | Sequence[str], run_ids: Sequence[str]
    ) -> dict[str, Run]:
        """The runs of one experiment (or of several) among ``run_ids``, read with one search
        per hundred; a run that is not there (deleted) is left out."""
        experiments = [experiment_id] if isinstance(experiment_id, str) else list(experiment_id)
        found: dict[str, Run] = {}
        for start in range(0, len(run_ids), RUN_ID_CHUNK):
            chunk = run_ids[start : start + RUN_ID_CHUNK]
            quoted = ", ".join(f"'{r}'" for r in chunk)  # run ids are hex: nothing to escape
            for run in self.search(
                experiments, f"attributes.run_id IN ({quoted})", max_results=len(chunk)
            ):
                found[run.info.run_id] = run
        return found

    def log(
        self,
        run_id: str,
        *,
        metrics: dict[str, float] | None = None,
        params: dict[str, Any] | None = None,
        tags: dict[str, Any] | None = None,
    ) -> None:
        """Metrics, params and tags in as few round trips as MLflow allows."""
        log_batch(self.uri, run_id, metrics=metrics, params=params, tags=tags)

    def set_status(self, run_id: str, status: str) -> None:
        """A run's status while it goes (``SCHEDULED``, ``RUNNING``)."""
        self.client.update_run(run_id, status=status)

    def end(self, run_id: str, status: str) -> None:
        """End a run ``FINISHED``, ``FAILED`` or ``KILLED``."""
        self.client.set_terminated(run_id, status)

    def experiment_id(self, name: str, artifact_root: str | None = None) -> str:
        """The id of experiment ``name``, created when missing."""
        return ensure_experiment(self.uri, name, artifact_root)
