"""What a schedule is: a cron expression in a timezone, a notebook snapshot and launch options.

Times are read with croniter and described in words by cron-descriptor; nothing here parses
cron itself. A slot is one fire time of the expression; a slot is *due* at ``now`` when it is
after everything the schedule already fired, skipped, or was created, resumed or updated at.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidRequestError
from ..notebook_path import file_name
from ..tags import (
    EVENT_PARAM_PREFIX,
    SCHEDULE_CATCH_UP,
    SCHEDULE_CRON,
    SCHEDULE_LAST_ERROR,
    SCHEDULE_LAST_RUN,
    SCHEDULE_NAME,
    SCHEDULE_NOTEBOOK,
    SCHEDULE_PAUSED,
    SCHEDULE_REQUEST,
    SCHEDULE_REVISION,
    SCHEDULE_SINCE,
    SCHEDULE_SKIPPED_THROUGH,
    SCHEDULE_TIMEZONE,
    SCHEDULE_TRIGGER,
    SLOT_PARAM_PREFIX,
)
from .triggers import parse_trigger

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")
"""A schedule's name: what the CLI, the URL and the sidebar call it by."""
CATCH_UP = ("once", "skip")
"""A slot missed while no scheduler ran: fire the latest one once, or skip them all."""
MISFIRE_GRACE = 60.0
"""With ``skip``, a slot up to this many seconds late still fires (a scheduler's own lag)."""


def check_cron(cron: Any) -> str:
    from croniter import croniter

    if not isinstance(cron, str) or not croniter.is_valid(cron.strip()):
        raise InvalidRequestError(
            f"{cron!r} is not a cron expression: give five fields, minute hour day-of-month "
            'month day-of-week, as in "0 6 * * 1-5" (06:00 on weekdays), or a sixth for seconds.'
        )
    return cron.strip()


def describe_cron(cron: str) -> str:
    """``cron`` in words ("At 06:00, Monday through Friday"), with a 24-hour clock.

    croniter reads a sixth field as seconds at the end, cron-descriptor at the start, so the
    seconds are moved first. An expression it cannot describe is shown as it is.
    """
    from cron_descriptor import ExpressionDescriptor, Options

    fields = cron.split()
    if len(fields) == 6:
        fields = [fields[5], *fields[:5]]
    options = Options()
    options.use_24hour_time_format = True
    try:
        return str(ExpressionDescriptor(" ".join(fields), options).get_description())
    except Exception:  # noqa: BLE001 - a form croniter knows and the describer does not
        return cron


def next_fires(cron: str, timezone: str, after: float, count: int = 5) -> list[datetime]:
    """The next ``count`` slots of ``cron`` after ``after``, in ``timezone``."""
    from croniter import croniter

    times = croniter(cron, datetime.fromtimestamp(after, ZoneInfo(timezone)))
    return [times.get_next(datetime) for _ in range(count)]


def preview(cron: Any, timezone: Any, now: float) -> dict[str, Any]:
    """What an expression means before it is saved: in words, and its next five slots."""
    cron, timezone = check_cron(cron), check_timezone(timezone)
    return {
        "cron": cron,
        "timezone": timezone,
        "description": describe_cron(cron),
        "next": [t.isoformat() for t in next_fires(cron, timezone, now)],
    }


def check_timezone(name: Any) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequestError(
            f"{name!r} is not a timezone: use an IANA name such as Europe/London or UTC."
        ) from None
    return str(name)


def check_catch_up(policy: Any) -> str:
    if policy not in CATCH_UP:
        raise InvalidRequestError(
            f"--catch-up must be one of {', '.join(CATCH_UP)}, got {policy!r}."
        )
    return str(policy)


def slot_key(slot: float) -> str:
    """The slot's param key: its UTC time to the second."""
    return SLOT_PARAM_PREFIX + datetime.fromtimestamp(slot, UTC).strftime("%Y%m%dT%H%M%SZ")


def slot_time(key: str) -> float:
    stamp = key.removeprefix(SLOT_PARAM_PREFIX)
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()


def event_key(seq: int) -> str:
    """The param that claims a trigger schedule's ``seq``-th event (0: its state at creation)."""
    return f"{EVENT_PARAM_PREFIX}{seq:06d}"


def event_states(params: dict[str, str]) -> tuple[str, ...]:
    """The states a trigger schedule was created at and fired for, in order."""
    keys = sorted(k for k in params if k.startswith(EVENT_PARAM_PREFIX))
    return tuple(params[k].partition(" ")[2] for k in keys)


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


@dataclasses.dataclass(frozen=True)
class Schedule:
    """One schedule as MLflow holds it (a run of the schedules experiment).

    A schedule fires at the slots of ``cron``, or, when it has a ``trigger`` (and no cron),
    on the events of :mod:`.triggers`.
    """

    id: str
    name: str
    cron: str
    timezone: str
    catch_up: str
    paused: bool
    notebook: str
    revision: int
    since: float
    options: dict[str, Any]
    fired: tuple[float, ...] = ()  # slots claimed, in order
    last_run: str | None = None
    last_error: str | None = None
    skipped_through: float = 0.0
    trigger: str = ""
    events: tuple[str, ...] = ()  # the trigger's state at creation, then each one fired for

    @classmethod
    def from_run(cls, run: Any) -> Schedule:
        tags, params = run.data.tags, run.data.params
        return cls(
            id=run.info.run_id,
            name=tags[SCHEDULE_NAME],
            cron=tags.get(SCHEDULE_CRON, ""),
            timezone=tags.get(SCHEDULE_TIMEZONE, "UTC"),
            catch_up=tags.get(SCHEDULE_CATCH_UP, "once"),
            paused=tags.get(SCHEDULE_PAUSED) == "true",
            notebook=tags.get(SCHEDULE_NOTEBOOK, ""),
            revision=int(tags.get(SCHEDULE_REVISION, "1")),
            since=float(tags.get(SCHEDULE_SINCE, "0")),
            options=json.loads(tags.get(SCHEDULE_REQUEST, "{}")),
            fired=tuple(sorted(slot_time(k) for k in params if k.startswith(SLOT_PARAM_PREFIX))),
            last_run=tags.get(SCHEDULE_LAST_RUN),
            last_error=tags.get(SCHEDULE_LAST_ERROR),
            skipped_through=float(tags.get(SCHEDULE_SKIPPED_THROUGH, "0")),
            trigger=tags.get(SCHEDULE_TRIGGER, ""),
            events=event_states(params),
        )

    @property
    def notebook_name(self) -> str:
        return file_name(self.notebook)

    def next_fires(self, after: float, count: int = 5) -> list[datetime]:
        """The next ``count`` slots after ``after``, in the schedule's timezone (none for a
        trigger schedule)."""
        if not self.cron:
            return []
        return next_fires(self.cron, self.timezone, after, count)

    def latest_slot(self, now: float) -> float | None:
        """The last slot at or before ``now`` (None when the expression never matched)."""
        from croniter import CroniterBadDateError, croniter

        start = datetime.fromtimestamp(now, ZoneInfo(self.timezone)) + timedelta(milliseconds=1)
        try:
            return float(croniter(self.cron, start).get_prev(datetime).timestamp())
        except CroniterBadDateError:  # no earlier match within croniter's search bound
            return None

    def due(self, now: float) -> float | None:
        """The slot to act on at ``now``: the latest one after all that was fired or skipped."""
        if self.paused or not self.cron:
            return None
        latest = self.latest_slot(now)
        done = max((self.since, self.skipped_through, *self.fired))
        return latest if latest is not None and latest > done else None

    def late(self, slot: float, now: float) -> bool:
        """Skip rather than fire: the slot was missed, and the policy says skip."""
        return self.catch_up == "skip" and now - slot > MISFIRE_GRACE

    @property
    def last_event(self) -> str:
        """The trigger's state last fired for (or created at)."""
        return self.events[-1] if self.events else ""

    def describe(self) -> str:
        if self.trigger:
            return parse_trigger(self.trigger).describe()
        return describe_cron(self.cron)

    def to_dict(self, now: float | None = None) -> dict[str, Any]:
        data = {
            "id": self.id,
            "name": self.name,
            "cron": self.cron,
            "trigger": self.trigger,
            "description": self.describe(),
            "timezone": self.timezone,
            "catch_up": self.catch_up,
            "paused": self.paused,
            "notebook": self.notebook,
            "revision": self.revision,
            "options": self.options,
            "fired": len(self.fired) + max(0, len(self.events) - 1),
            "last_slot": iso(self.fired[-1]) if self.fired else None,
            "last_run": self.last_run,
            "last_error": self.last_error,
        }
        if now is not None:
            data["next"] = [] if self.paused else [t.isoformat() for t in self.next_fires(now)]
        return data
