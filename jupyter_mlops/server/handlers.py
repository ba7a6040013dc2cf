"""REST handlers: parse the request, call a service in a worker thread, serialize the answer.

MLflow is imported only by the services, on first request, so loading the extension stays cheap.
"""

from __future__ import annotations

import asyncio
from http.client import responses
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from .. import __version__
from ..errors import MlopsError
from .models import ErrorResponse, HealthResponse, ListModelsResponse

if TYPE_CHECKING:
    from types import TracebackType

    from pydantic import BaseModel

    from .app import MlopsApp

AUTH_RESOURCE = "mlops"


class MlopsHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every jupyter-mlops handler: JSON in, JSON out, errors as ``ErrorResponse``."""

    auth_resource = AUTH_RESOURCE

    @property
    def mlops_app(self) -> MlopsApp:
        return self.extensionapp  # type: ignore[return-value]

    def write_model(self, model: BaseModel) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(model.model_dump_json())

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A user-caused MlopsError is not a server fault: one line, no traceback.
        if isinstance(value, MlopsError):
            self.log.warning(
                "%s %s -> %s: %s", self.request.method, self.request.uri, value.code, value
            )
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        exc = exc_info[1] if exc_info else None
        if isinstance(exc, MlopsError):
            self.set_status(exc.http_status)
            body = ErrorResponse(error=exc.code, message=exc.message)
        elif isinstance(exc, tornado.web.HTTPError):
            reason = responses.get(status_code, "Unknown HTTP Error")
            detail = exc.log_message
            if detail and exc.args:
                detail = detail % exc.args
            body = ErrorResponse(
                error=reason.upper().replace(" ", "_").replace("-", "_"),
                message=detail or reason,
            )
        else:
            # Logged with its traceback by log_exception; the client gets no internals.
            body = ErrorResponse(
                error="INTERNAL_ERROR",
                message="The jupyter-mlops server extension failed; see the Jupyter server log.",
            )
        self.set_header("Content-Type", "application/json")
        self.finish(body.model_dump_json())


class ModelsHandler(MlopsHandler):
    """``GET mlops/models``: the registered models with their card fields."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        app = self.mlops_app
        models = await asyncio.to_thread(_list_models, app)
        self.write_model(ListModelsResponse.model_validate({"models": models}))


class HealthHandler(MlopsHandler):
    """``GET mlops/health``: package version and the tracking URI in effect."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        uri = await asyncio.to_thread(self.mlops_app.resolved_tracking_uri)
        self.write_model(HealthResponse(version=__version__, tracking_uri=uri))


def _list_models(app: MlopsApp) -> list[dict[str, Any]]:
    from ..registry import list_models

    return list_models(app.resolved_tracking_uri())
