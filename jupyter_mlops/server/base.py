"""The base of every jupyter-mlops handler: the auth guard, JSON in and out, errors as JSON.

MLflow is imported only by the services, on first request, so loading the extension stays cheap.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from http.client import responses
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError

from .. import limits
from ..errors import InvalidRequestError, MlopsError
from .models import ErrorResponse
from .paths import resolve_notebook_path

if TYPE_CHECKING:
    from types import TracebackType

    from .app import MlopsApp

AUTH_RESOURCE = "mlops"
GUARD_MARK = "__mlops_guarded__"
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])
Model = TypeVar("Model", bound=BaseModel)


def guarded(action: str | None = None) -> Callable[[Handler], Handler]:
    """Authenticate, then authorize ``action`` on the ``mlops`` resource through jupyter_server.

    Every HTTP method of every jupyter-mlops handler carries this guard; a test enumerates
    the routes and fails on any method without :data:`GUARD_MARK`.
    """

    def wrap(method: Handler) -> Handler:
        inner = authorized(action) if action else authorized
        guard = tornado.web.authenticated(inner(method))
        setattr(guard, GUARD_MARK, True)
        return guard  # type: ignore[return-value]

    return wrap


class MlopsHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every jupyter-mlops handler: JSON in, JSON out, errors as ``ErrorResponse``."""

    auth_resource = AUTH_RESOURCE

    @property
    def mlops_app(self) -> MlopsApp:
        return self.extensionapp  # type: ignore[return-value]

    # -- input ---------------------------------------------------------------------------------
    def read_body(self, model: type[Model]) -> Model:
        """The JSON body validated against ``model``; :class:`InvalidRequestError` otherwise.

        Refused before it is parsed: a body over :data:`~jupyter_mlops.limits.MAX_BODY_BYTES`
        (413) and a body that is not sent as ``application/json`` (415); after: JSON nested
        deeper than :data:`~jupyter_mlops.limits.MAX_JSON_DEPTH`, lone surrogates, NaN and
        Infinity (400).
        """
        body = self.request.body or b""
        if len(body) > limits.MAX_BODY_BYTES:
            raise BodyTooLargeError(
                f"The request body is {len(body):,} bytes, over the limit of "
                f"{limits.MAX_BODY_BYTES:,}."
            )
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if body and kind != "application/json":
            raise UnsupportedMediaTypeError(
                f"The request body is sent as {kind or 'no Content-Type'!r}; send it as JSON "
                "with 'Content-Type: application/json'."
            )
        try:
            data = json.loads(body or b"null", parse_constant=_no_constant)
        except RecursionError:
            raise limits.LimitError(
                f"The request body nests lists or objects more than {limits.MAX_BODY_DEPTH} deep."
            ) from None
        except ValueError as exc:
            raise InvalidRequestError(f"The request body is not valid JSON: {exc}.") from None
        limits.check_json(data, "the request body", None, limits.MAX_BODY_DEPTH)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequestError(_explain(model, exc)) from None

    def notebook_path(self, path: str | None) -> Path:
        """The absolute path of a notebook named relative to the server root, inside it."""
        if path is None:
            raise InvalidRequestError("The 'path' of a notebook is required.")
        return resolve_notebook_path(self.root_dir, path, allow_hidden=self.allow_hidden)

    @property
    def allow_hidden(self) -> bool:
        return bool(getattr(self.contents_manager, "allow_hidden", False))

    @property
    def root_dir(self) -> str:
        root = getattr(self.contents_manager, "root_dir", None)
        return str(root or self.serverapp.root_dir)

    def run_id_argument(self, run_id: str) -> str:
        if not RUN_ID.match(run_id):
            raise InvalidRequestError(f"{run_id!r} is not a run id.")
        return run_id

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a blocking service call (MLflow, files, processes) off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # -- output --------------------------------------------------------------------------------
    def write_model(self, model: BaseModel, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(model.model_dump_json())

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A user-caused MlopsError is not a server fault: one line, no traceback, and the
        # path without its query (which may carry ?token=).
        where = f"{self.request.method} {self.request.path}"
        if isinstance(value, MlopsError):
            self.log.warning("%s -> %s: %s", where, value.code, value)
        elif isinstance(value, tornado.web.HTTPError):
            if value.log_message:
                self.log.warning("%s -> %d: %s", where, value.status_code, value.get_message())
        else:  # tornado's own line would print the whole URI and the request
            self.log.error("Uncaught exception %s", where, exc_info=value)

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


class BodyTooLargeError(limits.LimitError):
    code = "BODY_TOO_LARGE"
    http_status = 413


class UnsupportedMediaTypeError(InvalidRequestError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; send a finite number or null")


def _explain(model: type[BaseModel], exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(model.model_fields)
            problems.append(f"unknown field '{where}' (allowed: {allowed})")
        else:
            problems.append(f"'{where}': {err['msg']}")
    return f"Invalid {model.__name__} request: " + "; ".join(problems) + "."
