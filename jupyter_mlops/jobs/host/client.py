"""The local executor's side of the job host: hand it a job, ask after one, find a run's host.

Each function answers None when no host can take the request, and the executor then runs the
job in a process of its own, as with ``JUPYTER_MLOPS_HOST=off``: a job is never lost for want
of a host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Callable
from typing import Any, TypeVar

from ...config import Settings, get_settings
from ...errors import ConfigError
from .. import spec
from ..executors.reply import ReplyLine
from . import enabled
from .place import MAX_MESSAGE, HostPlace

log = logging.getLogger(__name__)
T = TypeVar("T")


def host_for(settings: Settings) -> HostPlace | None:
    """The place of the host for jobs submitted with ``settings``; None when hosts are off."""
    return HostPlace.for_settings(settings) if enabled() else None


def host_slots(settings: Settings) -> int:
    """A new host's slots: the configured concurrency, not a sweep's narrower limit."""
    return get_settings(settings.tracking_uri, "local").max_concurrency


def launch(settings: Settings, request: dict[str, Any]) -> ReplyLine | None:
    """Have the host create and run the job ``request`` describes; the line it reports on.

    None for a request over the host's limit (a notebook with many megabytes of outputs): its
    runs are then made and run as with the host off.
    """
    message = json.dumps(
        {"op": "launch", "request": request, "slots": settings.max_concurrency}, default=str
    ).encode()
    if len(message) >= MAX_MESSAGE:
        log.info("a request of %d bytes is too big for the job host", len(message))
        return None

    def send(place: HostPlace) -> ReplyLine | None:
        sock = place.connect(timeout=None)
        if sock is None:
            return None
        try:
            sock.sendall(message + b"\n")
        except OSError:
            sock.close()
            return None
        return ReplyLine(sock.detach(), place.log)

    return _on_host(settings, send)


def queue(settings: Settings, run_id: str) -> dict[str, Any] | None:
    """Queue a created run on the host; the facts to tag on it, or None."""
    message = {"op": "submit", "run_id": run_id, "slots": settings.max_concurrency}

    def send(place: HostPlace) -> dict[str, Any] | None:
        answer = place.ask(message)
        if answer is None or not answer.get("queued"):
            return None
        return {spec.JOB_HOST: place.key, spec.HOST: socket.gethostname()}

    return _on_host(settings, send)


def _on_host(settings: Settings, send: Callable[[HostPlace], T | None]) -> T | None:
    """``send`` to the host of ``settings``, starting it once if none answers; None when hosts
    are off or none could start (the job then runs in a process of its own)."""
    place = host_for(settings)
    if place is None:
        return None
    for _ in range(2):
        with contextlib.suppress(OSError):
            result = send(place)
            if result is not None:
                return result
        if place.ensure(settings.tracking_uri, host_slots(settings)) is None:
            break
    log.warning("no job host could start (see %s); the job runs in a process of its own", place.log)
    return None


def host_of(run: Any) -> HostPlace | None:
    """The host a run was given to, when it is on this machine."""
    tags = run.data.tags
    key = tags.get(spec.JOB_HOST)
    if not key or tags.get(spec.HOST) != socket.gethostname():
        return None
    try:
        return HostPlace(str(key), get_settings().home)
    except ConfigError:
        return None  # not a key: run tags are anyone's to write, and name nothing by themselves


def ask_about(run: Any, op: str) -> dict[str, Any] | None:
    """The run's host's answer to ``op`` about it; None when no host answers.

    Raises ``TimeoutError`` when the host is there but busy past the wait.
    """
    place = host_of(run)
    if place is None:
        return None
    return place.ask({"op": op, "run_id": run.info.run_id})


def status(settings: Settings) -> dict[str, Any] | None:
    """What the host of ``settings`` is doing; None when none runs."""
    place = HostPlace.for_settings(settings)
    return place.ask({"op": "status"})


def start(settings: Settings) -> dict[str, Any] | None:
    """Start the host of ``settings`` unless it runs; its status, None if it could not start."""
    place = HostPlace.for_settings(settings)
    if place.ensure(settings.tracking_uri, host_slots(settings)) is None:
        return None
    return place.ask({"op": "status"})


def stop(settings: Settings) -> dict[str, Any] | None:
    """Ask the host to exit once its jobs are done; None when none runs."""
    return HostPlace.for_settings(settings).ask({"op": "stop"})
