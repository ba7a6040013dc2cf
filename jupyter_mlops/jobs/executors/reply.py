"""The pipe on which a launched job's process reports to its submitter.

One JSON message per line:

- ``{"created": JOB}`` or ``{"error": ERROR}``, once;
- ``{"status": "RUNNING"}`` and ``{"cells_done": N, "cells_total": M}`` as the job goes;
- ``{"ended": JOB}`` once the run is terminal.

The line of a sweep carries its runs' messages, each with its ``run_id``: ``{"created": PARENT,
"children": [JOB, ...]}`` first, and the line closes after the last child's ``ended``.

``JOB`` is a :class:`~jupyter_mlops.jobs.spec.JobInfo` as a dict; ``ERROR`` an error of ours,
raised again in the submitter as the same class.
"""

from __future__ import annotations

import json
import os
import select
import threading
import time
from pathlib import Path
from typing import IO, Any

from ... import errors
from ...errors import MlopsError

REPLY_WRITE_WAIT_S = 1.0  # how long a job waits on a full pipe before it stops reporting


class ReplyLine:
    """The reading end of a job's reply pipe: one JSON message per line."""

    def __init__(self, fd: int, log: Path) -> None:
        self._file: IO[bytes] = os.fdopen(fd, "rb")
        self.log = log

    def read(self) -> dict[str, Any] | None:
        """The next message; None once the job's process has closed its end."""
        raw = self._file.readline()
        if not raw.endswith(b"\n"):
            return None  # end of file, or a message cut short by the job giving up on the pipe
        try:
            message = json.loads(raw)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ReplyLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Reply:
    """The job's end of the pipe. Sending never blocks the job for long and never raises:
    once the reader is gone or stops reading, the job stops reporting and goes on."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        os.set_blocking(fd, False)

    def send(self, message: dict[str, Any]) -> None:
        if self._fd is None:
            return
        data = json.dumps(message, default=str).encode() + b"\n"
        deadline = time.monotonic() + REPLY_WRITE_WAIT_S
        try:
            while data:
                try:
                    data = data[os.write(self._fd, data) :]
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([], [self._fd], [], left)[1]:
                        raise OSError("the reader stopped reading") from None
        except OSError:
            self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class SharedReply:
    """One reply line shared by the runs of a sweep: each message names its run, and the line
    closes once every run has closed its part (:meth:`part`)."""

    def __init__(self, reply: Reply, run_ids: list[str]) -> None:
        self._reply = reply
        self._open = set(run_ids)
        self._lock = threading.Lock()

    def part(self, run_id: str) -> RunReply:
        return RunReply(self, run_id)

    def send(self, run_id: str, message: dict[str, Any]) -> None:
        with self._lock:
            self._reply.send({"run_id": run_id, **message})

    def done(self, run_id: str) -> None:
        with self._lock:
            self._open.discard(run_id)
            if not self._open:
                self._reply.close()


class RunReply:
    """One run's part of a :class:`SharedReply`; sends and closes as a :class:`Reply` does."""

    def __init__(self, shared: SharedReply, run_id: str) -> None:
        self._shared = shared
        self._run_id = run_id

    def send(self, message: dict[str, Any]) -> None:
        self._shared.send(self._run_id, message)

    def close(self) -> None:
        self._shared.done(self._run_id)


def error_to_dict(exc: BaseException) -> dict[str, Any]:
    """An error of the job's process, to be raised again by the caller (any class we own)."""
    if isinstance(exc, MlopsError):
        return {"class": type(exc).__name__, "message": exc.message, "details": exc.details}
    return {"class": "MlopsError", "message": f"Could not create the run: {exc!r}"}


def error_from_dict(data: dict[str, Any]) -> MlopsError:
    """The error a job's process reported, as the same class where it is one of ours."""
    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, MlopsError)):
        cls = MlopsError
    try:
        return cls(str(data.get("message")), **(data.get("details") or {}))
    except TypeError:  # a class that takes other arguments
        return MlopsError(str(data.get("message")), **(data.get("details") or {}))
