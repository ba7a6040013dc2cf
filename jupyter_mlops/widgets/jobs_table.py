"""``jobs()``: a live table of jobs with a Cancel button on each active one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W
from traitlets import Float, Int, List, Unicode

from ..jobs.executors import available
from ..tracking import RUN_TERMINAL
from .base import MlopsWidget

COLUMNS = ["run", "status", "kind", "cells", "time", "reason", "notebook", ""]


class JobsTable(MlopsWidget):
    """Jobs from the tracking server, newest first; ``refresh()`` and ``cancel(run_id)``."""

    status = Unicode("", help="Only jobs with this status; empty for all.")
    limit = Int(50, help="At most this many jobs are listed.")
    interval = Float(2.0, help="Seconds between refreshes while live.")
    run_ids = List(Unicode(), help="Run ids of the listed jobs, as last refreshed.")

    def __init__(self, status: str = "", limit: int = 50, live: bool = True) -> None:
        super().__init__("Jobs")
        self.status, self.limit = status, limit
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.table = W.GridBox(
            layout=W.Layout(grid_template_columns="repeat(8, auto)", grid_gap="2px 12px")
        )
        self.body.children = [self.refresh_button, self.table]
        self.jobs: list[Any] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refresh()
        if live:
            self._thread = threading.Thread(target=self._loop, daemon=True, name="mlops-jobs")
            self._thread.start()

    def refresh(self) -> list[Any]:
        """Read the jobs again and redraw the table."""
        from ..jobs.query import list_jobs

        jobs = self.guarded(lambda: list_jobs(self.status or None, max_results=self.limit))
        if jobs is None:
            return self.jobs
        self.jobs = jobs
        self.run_ids = [j.run_id for j in jobs]
        cells: list[W.Widget] = [W.HTML(f"<b>{c}</b>") for c in COLUMNS]
        cancellable = set(available())
        for job in jobs:
            kind = "sweep" if job.is_sweep else ("child" if job.parent_run_id else "run")
            progress = f"{job.cells_done}/{job.cells_total}" if job.cells_total else ""
            took = f"{job.duration_s:.1f}s" if job.duration_s is not None else ""
            texts = [
                job.run_id[:12],
                job.status,
                kind,
                progress,
                took,
                job.failure_reason or "",
                Path(job.notebook).name,
            ]
            cells += [
                W.HTML(f"<code>{t}</code>" if i == 0 else str(t)) for i, t in enumerate(texts)
            ]
            active = job.status not in RUN_TERMINAL and job.executor.split("://")[0] in cancellable
            if active:
                button = W.Button(
                    description="Cancel", button_style="danger", layout=W.Layout(width="80px")
                )
                button.on_click(lambda _, run_id=job.run_id: self.cancel(run_id))
                cells.append(button)
            else:
                cells.append(W.HTML(""))
        self.table.children = cells
        if not jobs:
            self.show("No jobs yet: launch one with jupyter_mlops.launcher() or %mlops run.")
        elif self.message_kind != "error":
            self.show("")
        return jobs

    def cancel(self, run_id: str) -> Any:
        """Cancel one job (idempotent); returns its state."""
        from ..jobs.cancel import cancel_job

        job = self.guarded(lambda: cancel_job(run_id))
        if job is not None:
            self.refresh()
            self.show(f"Job {run_id} is {job.status}.", "ok")
            self._fire("cancel", job)
        return job

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if any(j.status not in RUN_TERMINAL for j in self.jobs) or not self.jobs:
                self.refresh()

    def close(self) -> None:
        self._stop.set()
        super().close()

    def on_cancel(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call ``callback(job)`` after a job is cancelled from the table."""
        self._on("cancel", callback, remove)
