"""Running local jobs count as server activity, so idle culling leaves their server alone.

jupyter_server's ``last_activity()`` takes the latest of its own sources and of every web
application setting whose name ends in ``_last_activity``; this keeps one such setting fresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SETTING = "mlops_jobs_last_activity"


def local_jobs_running(tracking_uri: str) -> int:
    """How many local job processes on this host write to ``tracking_uri``.

    Read from the process table, not from MLflow: no store is opened, and MLflow is not
    imported from a background thread while a request may be importing it too.
    """
    import psutil

    from ..jobs.executors.local import JOB_MODULE

    count = 0
    for proc in psutil.process_iter(["cmdline"]):
        command = proc.info.get("cmdline") or []
        if JOB_MODULE in command and tracking_uri in command:
            count += 1
    return count


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
