"""Where a job host lives, and how to talk to it.

A host is named by a key: a digest of the user, ``JUPYTER_MLOPS_HOME``, the tracking store,
the Python and the environment a job may see, so a job always runs as it would in a process of
its own started from where it was submitted (a terminal and a Jupyter server with different
environments each have their own host). Its socket is in a folder only this user may open
(``/tmp/jupyter-mlops-UID``, or ``JUPYTER_MLOPS_RUNTIME_DIR``); its lock, log and queue files
are under ``$JUPYTER_MLOPS_HOME/hosts/KEY``.

Messages are one JSON object per line, as on a launched job's pipe (:mod:`..executors.reply`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ...config import Settings
from ...errors import ConfigError
from ..environment import job_environment

SERVICE_MODULE = "jupyter_mlops.jobs.host.service"
KEY = re.compile(r"^[0-9a-f]{24}$")
ASK_TIMEOUT_S = 10.0  # a host answers every question but "launch" at once
START_TIMEOUT_S = 90.0  # a new host answers once MLflow and papermill are imported
MAX_MESSAGE = 16_000_000  # bytes of one request; a launch carries the notebook, outputs and all
OUTPUT_ONLY = frozenset({"MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "MLFLOW_LOGGING_LEVEL"})
"""Variables that change only what MLflow prints (the CLI sets them): they name no other host."""


def runtime_dir() -> Path:
    """The folder of hosts' sockets: this user's only, refused if anyone else may enter it."""
    folder = Path(
        os.environ.get("JUPYTER_MLOPS_RUNTIME_DIR") or f"/tmp/jupyter-mlops-{os.getuid()}"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    facts = os.lstat(folder)
    if not stat.S_ISDIR(facts.st_mode) or facts.st_uid != os.getuid() or facts.st_mode & 0o077:
        raise ConfigError(
            f"{folder} must be a folder of yours that no one else may open (chmod 700 {folder}), "
            "or set JUPYTER_MLOPS_RUNTIME_DIR to one."
        )
    return folder


class HostPlace:
    """The host of one key: its socket and its files."""

    def __init__(self, key: str, home: Path) -> None:
        if not KEY.match(key):
            raise ConfigError(f"{key!r} is not a job host's key.")
        self.key = key
        self.home = home
        self.folder = home / "hosts" / key
        self.socket = runtime_dir() / f"{key}.sock"
        self.lock = self.folder / "host.lock"
        self.log = self.folder / "host.log"
        self.queue = self.folder / "queue"
        self.running = self.folder / "running"

    @classmethod
    def for_settings(cls, settings: Settings) -> HostPlace:
        facts = [
            os.getuid(),
            str(settings.home.expanduser().resolve()),
            settings.tracking_uri,
            sys.executable,
            sorted((k, v) for k, v in job_environment().items() if k not in OUTPUT_ONLY),
        ]
        digest = hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:24]
        return cls(digest, settings.home)

    # -- talking to it ----------------------------------------------------------------------
    def connect(self, timeout: float | None = ASK_TIMEOUT_S) -> socket.socket | None:
        """A connection to the host, or None when none is listening."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(self.socket))
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            return None
        except OSError:
            sock.close()
            raise
        return sock

    def ask(self, message: dict[str, Any], timeout: float = ASK_TIMEOUT_S) -> dict[str, Any] | None:
        """The host's answer to ``message``; None when no host listens or it hung up.

        Raises ``TimeoutError`` when a host is there but does not answer in ``timeout``.
        """
        sock = self.connect(timeout)
        if sock is None:
            return None
        with sock, sock.makefile("rwb") as stream:
            try:
                stream.write(json.dumps(message, default=str).encode() + b"\n")
                stream.flush()
                raw = stream.readline()
            except (BrokenPipeError, ConnectionResetError):
                return None
        try:
            answer = json.loads(raw) if raw.endswith(b"\n") else None
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    # -- starting it ------------------------------------------------------------------------
    def start(self, tracking_uri: str, slots: int) -> subprocess.Popen[bytes]:
        """Start a host process (it exits at once if another host holds the lock)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        env = dict(job_environment(), JUPYTER_MLOPS_HOME=str(self.home))
        with open(self.log, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", SERVICE_MODULE, self.key, tracking_uri, str(slots)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # it outlives whoever started it
                env=env,
            )

    def ensure(self, tracking_uri: str, slots: int) -> int | None:
        """The pid of the host answering here, started if none is; None if none could start."""
        answer = self._ping()
        if answer is not None:
            return int(answer["pong"])
        proc = self.start(tracking_uri, slots)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            answer = self._ping()
            if answer is not None:
                return int(answer["pong"])
            if proc.poll() is not None and not self.lock_held():
                return None  # it died, and no other host is starting either
            time.sleep(0.05)
        return None

    def _ping(self) -> dict[str, Any] | None:
        with contextlib.suppress(TimeoutError, OSError):
            answer = self.ask({"op": "ping"}, timeout=START_TIMEOUT_S)
            if answer is not None and "pong" in answer:
                return answer
        return None

    def lock_held(self) -> bool:
        """Whether a host process holds this key's lock (it is starting or serving)."""
        import fcntl

        try:
            handle = open(self.lock, "ab")  # noqa: SIM115 - closed below
        except OSError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
