"""Firing a slot: the schedule's snapshot, as the request it stored, submitted as any run is.

The notebook that runs is the revision's snapshot (kept among the schedule run's artifacts and
cached under the jupyter-mlops home), in the folder the notebook was scheduled from when that
folder is here, so its data files resolve as they did.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..tags import (
    SCHEDULE_EVENT,
    SCHEDULE_ID,
    SCHEDULE_LAST_ERROR,
    SCHEDULE_LAST_RUN,
    SCHEDULE_NAME,
    SCHEDULE_REVISION,
    SCHEDULE_SLOT,
)
from ..tracking.client import download_artifact
from .spec import Schedule, iso
from .store import ScheduleStore, snapshot_path

log = logging.getLogger("jupyter_mlops.schedules")


def snapshot_file(store: ScheduleStore, schedule: Schedule) -> Path:
    """The revision's notebook, downloaded once per machine."""
    folder = get_settings(store.uri).home / "schedules" / schedule.id / f"r{schedule.revision}"
    local = folder / schedule.notebook_name
    if not local.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path = snapshot_path(schedule.revision, schedule.notebook_name)
        download_artifact(store.uri, schedule.id, path, str(folder))
    return local


Slot = float | str | None
"""What a firing is for: a time slot, a trigger's event (``version:churn=4``), or now."""


def slot_request(store: ScheduleStore, schedule: Schedule, slot: Slot) -> Any:
    """The request one slot (an event; ``None``: run now) makes."""
    from ..jobs.request import JobRequest

    options = dict(schedule.options)
    notebook = snapshot_file(store, schedule)
    cwd = Path(options.pop("cwd", "") or notebook.parent)
    tags = {
        **dict(options.pop("tags", {}) or {}),
        SCHEDULE_ID: schedule.id,
        SCHEDULE_NAME: schedule.name,
        SCHEDULE_REVISION: str(schedule.revision),
        SCHEDULE_SLOT: iso_or_now(slot),
        **({SCHEDULE_EVENT: slot} if isinstance(slot, str) else {}),
    }
    return JobRequest(
        notebook=notebook,
        cwd=cwd if cwd.is_dir() else notebook.parent,
        tracking_uri=store.uri,
        tags=tags,
        include=tuple(Path(p) for p in options.pop("include", ())),
        **options,
    )


def fire(store: ScheduleStore, schedule: Schedule, slot: Slot) -> str:
    """Submit the schedule's request for ``slot``; the run id, recorded as its last run.

    A slot that cannot be submitted (its notebook's kernel is gone, the executor is down)
    is recorded on the schedule as its last error, and raised.
    """
    from ..errors import MlopsError
    from ..jobs.submit import submit

    try:
        run_id = submit(slot_request(store, schedule, slot)).detach().run_id
    except MlopsError as exc:
        store.set(schedule, {SCHEDULE_LAST_ERROR: f"{iso_or_now(slot)}: {exc.message}"})
        log.warning("schedule %s could not fire %s: %s", schedule.name, iso_or_now(slot), exc)
        raise
    store.set(schedule, {SCHEDULE_LAST_RUN: run_id, SCHEDULE_LAST_ERROR: ""})
    log.info("schedule %s fired %s: run %s", schedule.name, iso_or_now(slot), run_id)
    return run_id


def iso_or_now(slot: Slot) -> str:
    """How a firing is named: its slot's time, its event, or "now"."""
    if slot is None:
        return "now"
    return slot if isinstance(slot, str) else iso(slot)
