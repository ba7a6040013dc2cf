"""MLflow's registry webhooks, received by ``jupyter mlops scheduler --webhook-port``.

The tracking server (MLflow 3.3 and later, SQL backends) POSTs an event when a model version
is created or an alias or tag is set; each delivery is signed with the webhook's secret:
``X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "<delivery id>.<timestamp>.<body>">``. A
delivery is accepted only with a valid signature and a timestamp within
:data:`TOLERANCE` seconds (a replayed old delivery is refused); it then makes the scheduler
poll the triggers watching the model it names. The registry stays the truth: a webhook never
fires a schedule by itself, so a lost or doubled delivery neither loses nor doubles a firing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import ConfigError

log = logging.getLogger("jupyter_mlops.schedules")
SECRET_ENV = "JUPYTER_MLOPS_WEBHOOK_SECRET"
TOLERANCE = 300.0
"""Seconds a delivery's timestamp may be away from this machine's clock."""
MAX_BODY = 1 << 20


class Refused(Exception):
    """A delivery that is not accepted: the reason is sent back with 401 or 400."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The signature MLflow sends for ``body``."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: Any, body: bytes, now: float) -> dict[str, Any]:
    """The delivery's JSON when it is MLflow's, signed with ``secret`` and recent."""
    sent = headers.get("X-MLflow-Signature", "")
    delivery_id = headers.get("X-MLflow-Delivery-Id", "")
    timestamp = headers.get("X-MLflow-Timestamp", "")
    if not sent or not delivery_id or not timestamp:
        raise Refused(401, "unsigned delivery: give the webhook the scheduler's secret")
    try:
        age = abs(now - float(timestamp))
    except ValueError:
        raise Refused(401, "the timestamp is not a number") from None
    if age > TOLERANCE:
        raise Refused(401, f"the delivery is {age:.0f} s old (at most {TOLERANCE:.0f} s)")
    if not hmac.compare_digest(sent, signature(secret, delivery_id, timestamp, body)):
        raise Refused(401, "bad signature: the webhook's secret is not the scheduler's")
    try:
        payload = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, "the body is not a JSON object")
    return payload


def model_of(payload: dict[str, Any]) -> str | None:
    """The registered model an event is about (None: an event of no model)."""
    data = payload.get("data")
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


class WebhookReceiver:
    """An HTTP endpoint, in a thread, that calls ``wake(model)`` for each accepted delivery."""

    def __init__(
        self,
        wake: Callable[[str | None], None],
        secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ConfigError(
                f"The webhook receiver needs the webhook's secret in ${SECRET_ENV}: set it to the "
                "secret given to MLflow's create_webhook, so deliveries can be verified."
            )
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("webhook: " + format, *args)

        self.wake, self.secret, self.clock = wake, secret, clock
        self.accepted = 0
        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise ConfigError(
                f"The webhook receiver cannot listen on {host}:{port} ({exc.strerror}): pick "
                "another --webhook-port, or stop what uses it."
            ) from None
        self.thread = threading.Thread(target=self.server.serve_forever, name="mlops-webhooks")

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        try:
            if not 0 <= length <= MAX_BODY:
                raise Refused(413, f"give a Content-Length of at most {MAX_BODY} bytes")
            body = request.rfile.read(length)
            payload = verify(self.secret, request.headers, body, self.clock())
        except Refused as refused:
            log.warning("webhook delivery refused: %s", refused.reason)
            self._reply(request, refused.status, {"error": refused.reason})
            return
        model = model_of(payload)
        self.accepted += 1
        log.info("webhook %s.%s on %s", payload.get("entity"), payload.get("action"), model)
        self.wake(model)
        self._reply(request, 200, {"accepted": True, "model": model})

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
