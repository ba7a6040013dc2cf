"""REST handlers for models, receipts and health: parse, call a service off the loop, serialize."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .. import __version__
from ..links import run_link
from ..tracking.client import is_remote, shown_uri
from .base import MlopsHandler, guarded
from .models import DescribeModel, DescribeReceipt, HealthResponse, ModelVersionInfo


class ModelsHandler(MlopsHandler):
    """``GET mlops/models``: the registered models with their card fields, from the cache.

    ``?refresh=full`` re-lists every model instead of fetching only the updated ones.
    """

    @guarded()
    async def get(self) -> None:
        app = self.mlops_app
        full = self.get_query_argument("refresh", "") == "full"
        uri = await self.call(app.resolved_tracking_uri)
        body = await self.call(app.models_cache.response_json, uri, full=full)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


class ModelHandler(MlopsHandler):
    """``GET mlops/models/{name}``: one model with its versions, their cards and receipts."""

    @guarded()
    async def get(self, name: str) -> None:
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        model = await self.call(_describe_model, name, uri)
        self.write_model(model)


class ReceiptHandler(MlopsHandler):
    """``GET mlops/receipts/{run_id}``: the provenance receipt of a run."""

    @guarded()
    async def get(self, run_id: str) -> None:
        from ..provenance import get_receipt

        run_id = self.run_id_argument(run_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        receipt = await self.call(get_receipt, run_id, uri)
        self.write_model(DescribeReceipt(run_id=run_id, receipt=receipt))


class HealthHandler(MlopsHandler):
    """``GET mlops/health``: package version and the tracking URI in effect."""

    @guarded()
    async def get(self) -> None:
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        self.write_model(HealthResponse(version=__version__, tracking_uri=shown_uri(uri)))


def run_url(tracking_uri: str, experiment_id: str | None, run_id: str | None) -> str | None:
    """The run's page in the MLflow UI, when the tracking URI is a server."""
    if not run_id or not experiment_id or not is_remote(tracking_uri):
        return None
    return run_link(tracking_uri, experiment_id, run_id)


def _describe_model(name: str, uri: str) -> DescribeModel:
    from ..registry import describe_model
    from ..tracking import get_client

    data = describe_model(name, uri)
    experiments: dict[str, str | None] = {}
    versions = []
    for version in data.pop("versions"):
        run_id = version.get("run_id")
        if run_id and run_id not in experiments and uri.startswith(("http://", "https://")):
            from mlflow.exceptions import MlflowException

            try:
                experiments[run_id] = str(get_client(uri).get_run(run_id).info.experiment_id)
            except MlflowException:  # a deleted run: the version stays listed without a link
                experiments[run_id] = None
        versions.append(
            ModelVersionInfo(
                **known_fields(ModelVersionInfo, version),
                receipt_url=f"receipts/{run_id}" if run_id else None,
                run_url=run_url(uri, experiments.get(run_id or ""), run_id),
            )
        )
    return DescribeModel(**known_fields(DescribeModel, data), versions=versions)


def known_fields(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` the contract has; the services may know more than the API shows."""
    return {k: v for k, v in data.items() if k in model.model_fields}
