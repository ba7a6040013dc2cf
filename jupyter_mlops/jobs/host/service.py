"""The job host's process: ``python -m jupyter_mlops.jobs.host.service KEY URI SLOTS``.

It holds its key's lock for life (a second host of the same key exits at once), listens on its
socket, and answers one request per connection:

- ``{"op": "ping"}`` -> ``{"pong": PID}``;
- ``{"op": "launch", "request": R, "slots": N}``: create the run ``R`` describes (or, with a
  sweep plan, the sweep's runs) and queue it; the connection then carries the job's reply
  lines (:mod:`..executors.reply`);
- ``{"op": "submit", "run_id": ID, "slots": N}``: queue a run its submitter created;
- ``{"op": "cancel", "run_id": ID}`` and ``{"op": "active", "run_id": ID}``;
- ``{"op": "status"}``, and ``{"op": "stop"}`` (exit once no job is left).

It exits after ``JUPYTER_MLOPS_HOST_IDLE_S`` seconds with no job.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .. import spec
from ..executors.reply import Reply, SharedReply, error_to_dict
from . import idle_seconds
from .place import MAX_MESSAGE, HostPlace
from .work import HostJob, HostJobs

log = logging.getLogger(__name__)


class HostService:
    def __init__(self, place: HostPlace, tracking_uri: str, slots: int) -> None:
        self.place = place
        self.jobs = HostJobs(place, tracking_uri, slots)
        self.idle_exit_s = idle_seconds()
        self.stopping = False
        self.started_at = time.time()
        self._busy = 0  # requests being answered: the host does not exit under them
        self._busy_lock = threading.Lock()

    def serve(self, listener: socket.socket) -> None:
        listener.settimeout(1.0)
        self.jobs.touch()
        while not self._should_exit():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with self._busy_lock:
                self._busy += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _should_exit(self) -> bool:
        with self._busy_lock:
            if self._busy:
                return False
        idle = self.jobs.idle_for()
        return idle > 0 and (self.stopping or idle >= self.idle_exit_s)

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._handle_one(conn)
        finally:
            self.jobs.touch()
            with self._busy_lock:
                self._busy -= 1

    def _handle_one(self, conn: socket.socket) -> None:
        keep = False
        try:
            if not _same_user(conn):
                return
            conn.settimeout(30.0)
            with conn.makefile("rb") as stream:
                raw = stream.readline(MAX_MESSAGE)
            message = json.loads(raw)
            if not isinstance(message, dict):
                raise ValueError("not an object")
            keep = self._answer(conn, message)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("a request could not be read: %r", exc)
            with contextlib.suppress(OSError):
                conn.sendall(b'{"error": {"message": "not a job host request"}}\n')
        except OSError as exc:
            log.warning("a request could not be answered: %s", exc)
        finally:
            if not keep:
                conn.close()

    def _answer(self, conn: socket.socket, message: dict[str, Any]) -> bool:
        """Answer ``message``; True when ``conn`` was handed to a launched job."""
        op = message.get("op")
        if op == "launch":
            return self._launch(conn, message)
        if op == "ping":
            answer: dict[str, Any] = {"pong": os.getpid()}
        elif op == "submit" and not self.stopping:
            self.jobs.add(HostJob(str(message["run_id"]), int(message["slots"])))
            answer = {"queued": True}
        elif op == "cancel":
            answer = {"cancelled": self.jobs.cancel(str(message["run_id"]))}
        elif op == "active":
            answer = {"active": self.jobs.is_active(str(message["run_id"]))}
        elif op == "status":
            answer = self.status()
        elif op == "stop":
            self.stopping = True
            answer = {"stopping": True}
        else:
            answer = {"error": {"message": f"the job host does not take {op!r} now"}}
        conn.sendall(json.dumps(answer, default=str).encode() + b"\n")
        return False

    def _launch(self, conn: socket.socket, message: dict[str, Any]) -> bool:
        from ..executors.local_process import create_requested_runs

        reply = Reply(conn.detach())
        if self.stopping:
            reply.send({"error": {"message": "The job host is stopping; submit again."}})
            reply.close()
            return True
        try:
            job_tags = {spec.JOB_HOST: self.place.key, spec.HOST: socket.gethostname()}
            run_id, children = create_requested_runs(message["request"], job_tags)
            store = self.jobs.store
            created: dict[str, Any] = {
                "created": spec.JobInfo.from_run(store.run(run_id)).to_dict()
            }
            if children:
                infos = [spec.JobInfo.from_run(store.run(c)).to_dict() for c in children]
                created["children"] = infos
        except BaseException as exc:  # noqa: BLE001 - any failure is the submitter's to see
            reply.send({"error": error_to_dict(exc)})
            reply.close()
            return True
        reply.send(created)
        slots = int(message.get("slots") or self.jobs.slots)
        if not children:
            self.jobs.add(HostJob(run_id, slots, reply))
            return True
        shared = SharedReply(reply, children)
        for child in children:
            self.jobs.add(HostJob(child, slots, shared.part(child)))
        return True

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "key": self.place.key,
            "tracking_uri": self.jobs.store.shown,
            "python": sys.executable,
            "started_at": self.started_at,
            "idle_exit_s": self.idle_exit_s,
            "stopping": self.stopping,
            "log": str(self.place.log),
            **self.jobs.status(),
        }


def _same_user(conn: socket.socket) -> bool:
    """Only this user's processes may ask (the socket's folder says so too)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True  # not Linux: the folder's permissions alone keep others out
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


def _listen(path: Path) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a socket left by a host that died; we hold the lock now
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    listener.listen(128)
    return listener


def main(argv: list[str]) -> int:
    key, uri, slots = argv[0], argv[1], int(argv[2])
    place = HostPlace(key, Path(os.environ["JUPYTER_MLOPS_HOME"]))
    place.folder.mkdir(parents=True, exist_ok=True)
    lock = open(place.lock, "ab")  # noqa: SIM115 - held for the host's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another host serves this key
    from ..executors.local_process import load_job_modules

    service = HostService(place, uri, slots)
    service.jobs.kernels.start()  # kernels boot while MLflow and papermill are imported
    load_job_modules(uri)
    listener = _listen(place.socket)
    service.jobs.recover()
    service.jobs.start_slots()
    log.info("job host %s serving %s with %d slot(s)", os.getpid(), key, slots)
    try:
        service.serve(listener)
    finally:
        with contextlib.suppress(OSError):
            place.socket.unlink()
        listener.close()
        service.jobs.close()
        log.info("job host %s exits", os.getpid())
    return 0


if __name__ == "__main__":
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # see local_process
    gc.disable()  # until the job modules are loaded: load_job_modules() turns it on again
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    sys.exit(main(sys.argv[1:]))
