"""The scheduler: one loop, in ``jupyter mlops scheduler`` or in the Jupyter server.

Each tick reads every schedule with one search, and for each whose latest slot is due claims
the slot (see :mod:`.store`) and fires it; a slot another scheduler claimed first is left to
it. A slot missed while no scheduler ran is fired once (``catch_up="once"``) or skipped
(``"skip"``). The clock is passed in, so a test can walk through many slots in seconds.

A schedule with a trigger instead of a cron is polled every ``poll`` seconds (see
:mod:`.triggers`): each state it has not fired for is claimed as its next event, the same
way, and fired. :meth:`Scheduler.wake` (a webhook from the tracking server) polls sooner.
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
from pathlib import Path

from ..config import get_settings
from ..errors import MlopsError
from ..tags import SCHEDULE_SKIPPED_THROUGH
from ..tracking.client import shown_uri
from .fire import Slot, fire, iso_or_now
from .notify import Notifier
from .spec import Schedule, iso
from .store import ScheduleStore
from .triggers import Trigger, parse_trigger, pending

log = logging.getLogger("jupyter_mlops.schedules")
FOLLOW = 2.0
"""Seconds between looks at the runs fired and not yet ended (to tell how they ended)."""
REFRESH = 30.0
"""Seconds between reads of the schedules when no slot is due sooner (new ones are seen)."""
POLL = 10.0
"""Seconds between looks at what the triggers of trigger schedules watch."""


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
        poll: float = POLL,
        notify: list[str] | None = None,
    ) -> None:
        self.store = ScheduleStore(get_settings(tracking_uri).tracking_uri)
        self.clock = clock
        self.refresh = refresh
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.schedules: list[Schedule] = []
        self.read_at: float | None = None  # monotonic time of the last full read
        self.notifier = Notifier(self.store, notify)
        self.poll_every = poll
        self.polled_at: float | None = None  # clock time of the last poll of every trigger
        self.woken: set[str | None] = set()  # models a webhook named since the last poll
        self._wake = threading.Event()
        self._woken_lock = threading.Lock()  # the webhook receiver's threads add to woken

    def tick(self, now: float | None = None, *, reread: bool = True) -> list[Firing]:
        """Fire what is due at ``now`` (default: the clock's time).

        ``reread=False`` decides from the schedules the last tick read (the loop, waking for
        a slot it knows of, fires it without a full read first); a schedule found due is
        read again before its slot is claimed either way, so a pause or an update made
        meanwhile holds.
        """
        now = self.clock() if now is None else now
        if reread or self.read_at is None:
            self.read()
        done: list[Firing | None] = []
        schedules = self.schedules  # the reader thread may swap in a fresh list meanwhile
        for index, known in enumerate(schedules):
            if known.due(now) is None:
                continue
            try:
                schedule = self.store.find(known.id)
            except MlopsError:  # deleted meanwhile
                continue
            slot = schedule.due(now)
            if slot is None:
                schedules[index] = schedule
                continue
            schedules[index] = dataclasses.replace(schedule, fired=(*schedule.fired, slot))
            done.append(self._act(schedule, slot, now))
        with self._woken_lock:
            woken, self.woken = self.woken, set()
        if self.polled_at is None or now - self.polled_at >= self.poll_every or None in woken:
            self.polled_at = now
            done += self.poll()
        elif woken:
            done += self.poll(woken)
        self.notifier.check()
        return [firing for firing in done if firing is not None]

    def _act(self, schedule: Schedule, slot: float, now: float) -> Firing | None:
        if schedule.late(slot, now):
            self.store.set(schedule, {SCHEDULE_SKIPPED_THROUGH: repr(slot)})
            log.info("schedule %s skipped the missed slot %s", schedule.name, iso(slot))
            return Firing(schedule.name, iso(slot), skipped=True)
        if not self.store.claim(schedule, slot, self.token):
            return None  # another scheduler has it
        return self._fire(schedule, slot)

    def wake(self, model: str | None = None) -> None:
        """Poll the triggers watching ``model`` (None: every trigger) now, not at the next
        poll: what a webhook from the tracking server asks."""
        with self._woken_lock:
            self.woken.add(model)
        self._wake.set()

    def poll(self, models: set[str | None] | None = None) -> list[Firing]:
        """Fire the events each trigger schedule has not fired for (only those watching
        ``models``, when given)."""
        done: list[Firing] = []
        schedules = self.schedules
        for index, schedule in enumerate(schedules):
            if not schedule.trigger or schedule.paused:
                continue
            trigger = parse_trigger(schedule.trigger)
            if models is not None and trigger.model not in models:
                continue
            try:
                fired, schedules[index] = self._events(schedule, trigger)
            except Exception as exc:  # noqa: BLE001 - a model deleted, a server down: next poll
                log.warning("trigger %s of %s not polled: %s", trigger.text, schedule.name, exc)
                continue
            done += fired
        return done

    def _events(self, schedule: Schedule, trigger: Trigger) -> tuple[list[Firing], Schedule]:
        folder = Path(str(schedule.options.get("cwd") or "."))
        if not pending(trigger, schedule.last_event, self.store.uri, folder):
            return [], schedule
        schedule = self.store.find(schedule.id)  # the events fired meanwhile, a pause
        if schedule.paused:
            return [], schedule
        done = []
        for state in pending(trigger, schedule.last_event, self.store.uri, folder):
            if not self.store.claim_event(schedule, state, self.token):
                break  # another scheduler fired it: it goes on from there
            schedule = dataclasses.replace(schedule, events=(*schedule.events, state))
            done.append(self._fire(schedule, trigger.event(state)))
        return done, schedule

    def _fire(self, schedule: Schedule, slot: Slot) -> Firing:
        try:
            run_id = fire(self.store, schedule, slot)
        except MlopsError as exc:
            self.notifier.fire_failed(schedule, slot, exc.message)
            return Firing(schedule.name, iso_or_now(slot), error=exc.message)
        self.notifier.follow(run_id, schedule)
        return Firing(schedule.name, iso_or_now(slot), run_id)

    def next_wake(self, now: float) -> float:
        """When to tick next: the soonest slot of the schedules last read, or the refresh."""
        soonest = now + (FOLLOW if self.notifier.following else self.refresh)
        for schedule in self.schedules:
            if schedule.paused:
                continue
            if schedule.trigger:
                soonest = min(soonest, (self.polled_at or now) + self.poll_every)
            else:
                soonest = min(soonest, schedule.next_fires(now, 1)[0].timestamp())
        return soonest

    def read(self) -> None:
        """Read every schedule (one paged search), for the ticks that follow; on the first
        read, take over the last runs whose end was not told."""
        schedules = self.store.all()
        if self.read_at is None:
            self.notifier.adopt(schedules)
        self.schedules = schedules
        self.read_at = time.monotonic()

    def run(self, stop: threading.Event | None = None) -> None:
        """Tick until ``stop`` is set; a tracking server that is down is retried.

        The schedules are read again every ``refresh`` seconds on a thread of their own, so
        a slot fires on time however long reading a thousand schedules takes.
        """
        stop = stop or threading.Event()
        log.info("scheduler %s on %s", self.token, shown_uri(self.store.uri))
        reader = threading.Thread(target=self._reread, args=(stop,), name="mlops-schedules-read")
        reader.start()
        try:
            while not stop.is_set():
                if self.read_at is None:  # the first read is not done yet
                    stop.wait(0.1)
                    continue
                self._wake.clear()
                try:
                    self.tick(reread=False)
                except Exception as exc:  # noqa: BLE001 - a down server: the next tick
                    log.warning("scheduler tick failed, retrying: %s", exc)
                now = self.clock()
                self._wake.wait(max(0.05, self.next_wake(now) - now))
        finally:
            stop.set()
            reader.join()

    def _reread(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.read()
            except Exception as exc:  # noqa: BLE001 - a down server: read again later
                log.warning("schedules not read, retrying: %s", exc)
            stop.wait(self.refresh)
        self._wake.set()  # the loop waits on it: let it see the stop
