"""The scheduler: one loop, in ``jupyter mlops scheduler`` or in the Jupyter server.

Each tick reads every schedule with one search, and for each whose latest slot is due claims
the slot (see :mod:`.store`) and fires it; a slot another scheduler claimed first is left to
it. A slot missed while no scheduler ran is fired once (``catch_up="once"``) or skipped
(``"skip"``). The clock is passed in, so a test can walk through many slots in seconds.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from ..config import get_settings
from ..errors import MlopsError
from ..tags import SCHEDULE_SKIPPED_THROUGH
from ..tracking.client import shown_uri
from .fire import fire
from .spec import Schedule, iso
from .store import ScheduleStore

log = logging.getLogger("jupyter_mlops.schedules")
REFRESH = 30.0
"""Seconds between reads of the schedules when no slot is due sooner (new ones are seen)."""


@dataclasses.dataclass(frozen=True)
class Firing:
    """What a tick did with one due slot: fired it (``run_id``), skipped it, or failed."""

    schedule: str
    slot: str
    run_id: str | None = None
    skipped: bool = False
    error: str | None = None


class Scheduler:
    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        refresh: float = REFRESH,
    ) -> None:
        self.store = ScheduleStore(get_settings(tracking_uri).tracking_uri)
        self.clock = clock
        self.refresh = refresh
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.schedules: list[Schedule] = []

    def tick(self, now: float | None = None) -> list[Firing]:
        """Fire what is due at ``now`` (default: the clock's time)."""
        now = self.clock() if now is None else now
        self.schedules = self.store.all()
        done: list[Firing] = []
        for schedule in self.schedules:
            slot = schedule.due(now)
            if slot is None:
                continue
            if schedule.late(slot, now):
                self.store.set(schedule, {SCHEDULE_SKIPPED_THROUGH: repr(slot)})
                log.info("schedule %s skipped the missed slot %s", schedule.name, iso(slot))
                done.append(Firing(schedule.name, iso(slot), skipped=True))
                continue
            if not self.store.claim(schedule, slot, self.token):
                continue  # another scheduler has it
            try:
                done.append(Firing(schedule.name, iso(slot), fire(self.store, schedule, slot)))
            except MlopsError as exc:
                done.append(Firing(schedule.name, iso(slot), error=exc.message))
        return done

    def next_wake(self, now: float) -> float:
        """When to tick next: the soonest slot of the schedules last read, or the refresh."""
        soonest = now + self.refresh
        for schedule in self.schedules:
            if not schedule.paused:
                soonest = min(soonest, schedule.next_fires(now, 1)[0].timestamp())
        return soonest

    def run(self, stop: threading.Event | None = None) -> None:
        """Tick until ``stop`` is set; a tracking server that is down is retried."""
        stop = stop or threading.Event()
        log.info("scheduler %s on %s", self.token, shown_uri(self.store.uri))
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - a down server or a bad schedule: next tick
                log.warning("scheduler tick failed, retrying: %s", exc)
                self.schedules = []
            now = self.clock()
            stop.wait(max(0.05, self.next_wake(now) - now))
