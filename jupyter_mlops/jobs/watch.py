"""What a running job does beside its notebook: flush progress, beat, and heed a cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..tracking import Store
from . import spec

HEARTBEAT_S = 5.0
PROGRESS_FLUSH_S = 0.5
CANCEL_POLL_S = 1.0  # how often a running job reads its run for a cancel request


class JobWatch:
    """Progress as papermill reports it, written to the run; heartbeat; cancel requests.

    :meth:`start` runs the loop in a daemon thread until :meth:`stop`.
    """

    def __init__(
        self,
        store: Store,
        run_id: str,
        on_cancel: Callable[[str], None],
        reporter: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.on_cancel = on_cancel
        self.reporter = reporter
        self.progress: tuple[int, int] | None = None
        self.current_cell: int | None = None
        self._flushed: tuple[int, int] | None = None
        self._stop = threading.Event()

    def on_cell(self, done: int, total: int, current: int | None) -> None:
        self.progress = (done, total)
        self.current_cell = current

    def flush(self) -> None:
        # Read once: papermill's thread may move it on while the tags are being written, and
        # a newer value marked flushed unwritten would show until the job ends.
        progress = self.progress
        if progress is not None and progress != self._flushed:
            done, total = progress
            self.store.log(self.run_id, tags={spec.CELLS_DONE: done, spec.CELLS_TOTAL: total})
            self._flushed = progress
            if self.reporter is not None:
                self.reporter({"cells_done": done, "cells_total": total})

    def start(self) -> None:
        threading.Thread(target=self._loop, name="mlops-heartbeat", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        last_beat = last_check = time.time()
        while not self._stop.wait(PROGRESS_FLUSH_S):
            try:
                self.flush()
                now = time.time()
                if now - last_check >= CANCEL_POLL_S:
                    last_check = now
                    if spec.CANCEL in self.store.run(self.run_id).data.tags:
                        self.on_cancel("cancelled")
                if now - last_beat >= HEARTBEAT_S:
                    last_beat = now
                    self.store.log(self.run_id, tags={spec.HEARTBEAT: int(now)})
            except Exception:  # noqa: BLE001 - a tracking hiccup must not end the job; next tick
                continue
