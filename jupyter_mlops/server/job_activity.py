"""Running local jobs count as server activity, so idle culling leaves their server alone.

jupyter_server's ``last_activity()`` takes the latest of its own sources and of every web
application setting whose name ends in ``_last_activity``; this keeps one such setting fresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SETTING = "mlops_jobs_last_activity"


def local_jobs_running(tracking_uri: str) -> int:
    """How many local jobs on this machine write to ``tracking_uri``: job processes of their
    own, and the running and queued jobs of job hosts.

    Read from the process table and the hosts' sockets, not from MLflow: no store is opened,
    and MLflow is not imported from a background thread while a request may be importing it.
    """
    import psutil

    from ..jobs.executors.local import JOB_MODULE
    from ..jobs.host.place import SERVICE_MODULE

    count = 0
    for proc in psutil.process_iter(["cmdline"]):
        command = proc.info.get("cmdline") or []
        if tracking_uri not in command:
            continue
        if JOB_MODULE in command:
            count += 1
        elif SERVICE_MODULE in command:
            count += _host_jobs(command[command.index(SERVICE_MODULE) + 1 :])
    return count


def _host_jobs(args: list[str]) -> int:
    """The running and queued jobs of the host started with ``KEY URI SLOTS``."""
    import contextlib

    from ..config import get_settings
    from ..errors import ConfigError
    from ..jobs.host.place import HostPlace

    with contextlib.suppress(ConfigError, OSError, IndexError):
        status = HostPlace(args[0], get_settings().home).ask({"op": "status"}, timeout=2.0)
        if status:
            return len(status["queue"]) + sum(s["run_id"] is not None for s in status["slots"])
    return 0


class JobActivity:
    """Every ``interval_s``, mark the server active while local jobs run."""

    def __init__(
        self, web_settings: dict[str, Any], tracking_uri: Callable[[], str], interval_s: float
    ) -> None:
        self.web_settings = web_settings
        self.tracking_uri = tracking_uri
        self.interval_s = interval_s
        self._callback: Any = None

    def start(self) -> None:
        from tornado.ioloop import PeriodicCallback

        self._callback = PeriodicCallback(self.tick, self.interval_s * 1000)
        self._callback.start()

    def stop(self) -> None:
        if self._callback is not None:
            self._callback.stop()

    async def tick(self) -> bool:
        """Look once (off the event loop); True when jobs ran and the activity was noted."""
        from jupyter_server._tz import utcnow
        from tornado.ioloop import IOLoop

        try:
            running = await IOLoop.current().run_in_executor(
                None, local_jobs_running, self.tracking_uri()
            )
        except Exception:  # noqa: BLE001 - no store yet, or the tracking server is down: nothing to note
            return False
        if running:
            self.web_settings[SETTING] = utcnow()
        return bool(running)
