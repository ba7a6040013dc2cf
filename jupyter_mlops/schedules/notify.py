"""What a scheduler tells people: how each run it fired ended, and a slot it could not fire.

Only the scheduler that fired a run follows it, so each run's end is sent once; the run is
tagged when it was sent (:func:`~jupyter_mlops.notifications.send_once`), so a second sender
sends nothing. A scheduler that starts takes over each schedule's last run whose end was not
told yet: one restarted while its runs were going on still tells how they ended.
"""

from __future__ import annotations

import hashlib

from ..jobs import spec
from ..jobs.ended import ended_message
from ..notifications import channels_configured, notify_urls, tell
from ..tags import CARD_PREFIX, NOTIFIED_PREFIX
from ..tracking import RUN_TERMINAL
from .fire import Slot, iso_or_now
from .spec import Schedule, iso, slot_key
from .store import ScheduleStore


class Notifier:
    """The runs one scheduler fired and has not yet told anyone the end of."""

    def __init__(self, store: ScheduleStore, urls: list[str] | None = None) -> None:
        self.store = store
        self.urls = notify_urls(urls or ())
        self.following: dict[str, str] = {}  # run id -> schedule name

    def follow(self, run_id: str, schedule: Schedule) -> None:
        self.following[run_id] = schedule.name

    def adopt(self, schedules: list[Schedule]) -> None:
        """Follow each schedule's last run whose end nobody told (read in one search)."""
        from ..tracking.store import Store

        wanted = {s.last_run: s.name for s in schedules if s.last_run}
        wanted = {k: v for k, v in wanted.items() if k not in self.following}
        if not wanted or not channels_configured(self.urls):
            return
        experiments = [e.experiment_id for e in self.store.client.search_experiments()]
        for run_id, run in Store(self.store.uri).runs_by_id(experiments, list(wanted)).items():
            if not any(k.startswith(f"{NOTIFIED_PREFIX}job_") for k in run.data.tags):
                self.following[run_id] = wanted[run_id]

    def check(self) -> list[str]:
        """Send the end of each followed run that ended; the run ids sent for."""
        sent = []
        for run_id, name in list(self.following.items()):
            run = self.store.client.get_run(run_id)
            if run.info.status not in RUN_TERMINAL:
                continue
            del self.following[run_id]
            job = spec.JobInfo.from_run(run)
            event, title, body = ended_message(job, name, f"Schedule {name}")
            owner = run.data.tags.get(CARD_PREFIX + "owner")
            if self._send(run_id, event, title, body, owner):
                sent.append(run_id)
        return sent

    def fire_failed(self, schedule: Schedule, slot: Slot, message: str) -> None:
        """Tell that ``slot`` (a time, or a trigger's event) could not be fired."""
        if isinstance(slot, float):
            key, what = slot_key(slot), f"slot {iso(slot)}"
        else:
            key = hashlib.sha256(str(slot).encode()).hexdigest()[:16]
            what = f"event {iso_or_now(slot)}"
        self._send(
            schedule.id,
            f"schedule_failed.{key}",
            f"[jupyter-mlops] {schedule.name}: {what} not fired",
            f"Schedule {schedule.name} could not fire its {what}: {message}",
            None,
        )

    def _send(self, run_id: str, event: str, title: str, body: str, owner: str | None) -> bool:
        return tell(self.store.uri, run_id, event, title, body, owner=owner, extra=self.urls)
