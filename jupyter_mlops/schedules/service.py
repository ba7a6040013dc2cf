"""Schedules, as every surface asks for them: create, list, show, pause, resume, update,
run now, delete. Each takes the store's URI (``tracking_uri=None``: the configured one)."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..errors import InvalidRequestError
from ..jobs import spec
from ..jobs.request import JobRequest
from ..tags import (
    PARENT,
    SCHEDULE_CATCH_UP,
    SCHEDULE_CRON,
    SCHEDULE_ID,
    SCHEDULE_NOTEBOOK,
    SCHEDULE_PAUSED,
    SCHEDULE_REQUEST,
    SCHEDULE_REVISION,
    SCHEDULE_SINCE,
    SCHEDULE_TIMEZONE,
)
from .spec import NAME, Schedule, check_catch_up, check_cron, check_timezone
from .store import ScheduleStore
from .triggers import FORMS, Trigger, check_trigger, parse_trigger, state

KEPT_APART = {"notebook", "cwd", "tracking_uri"}
"""Request fields the schedule holds itself: its snapshot, its folder and its store."""


def request_options(request: JobRequest) -> dict[str, Any]:
    """What a schedule keeps of a request to make the same one at each slot."""
    options: dict[str, Any] = {}
    for field in dataclasses.fields(request):
        if field.name in KEPT_APART:
            continue
        value = getattr(request, field.name)
        if field.name == "include":
            value = [str(Path(p).resolve()) for p in value]
        options[field.name] = value
    options["cwd"] = str(request.cwd or request.notebook.parent)
    return options


def _store(tracking_uri: str | None) -> ScheduleStore:
    return ScheduleStore(get_settings(tracking_uri).tracking_uri)


def _checked(request: JobRequest, tracking_uri: str) -> str:
    """Every check a run of ``request`` gets when it is submitted; the notebook's text."""
    from ..jobs.submit import check

    return check(request.replace(tracking_uri=tracking_uri)).text


def _timing(cron: str | None, trigger: str | None) -> tuple[str, Trigger | None]:
    """The cron expression, or the trigger: exactly one of them."""
    if (cron is None) == (trigger is None):
        raise InvalidRequestError(
            'Give a schedule either a time, --cron "0 6 * * 1-5", or an event, --on '
            f"version:MODEL (the events: {FORMS}), {'not both' if cron else 'one of them'}."
        )
    return ("", parse_trigger(trigger)) if trigger is not None else (check_cron(cron), None)


def create_schedule(
    request: JobRequest,
    cron: str | None = None,
    *,
    trigger: str | None = None,
    timezone: str = "UTC",
    catch_up: str = "once",
    name: str | None = None,
    tracking_uri: str | None = None,
    clock: Any = time.time,
) -> Schedule:
    """Store a schedule that submits ``request`` at each slot of ``cron`` (in ``timezone``),
    or on each event of ``trigger`` (see :mod:`.triggers`) from now on.

    Everything is checked before anything is stored: the expression or the trigger (the model
    it names must exist), the timezone, the policy, the name, and the request against its
    notebook as ``submit`` would.
    """
    cron, watched = _timing(cron, trigger)
    timezone, catch_up = check_timezone(timezone), check_catch_up(catch_up)
    name = name or request.notebook.stem
    if not NAME.match(name):
        raise InvalidRequestError(
            f"{name!r} is not a schedule name: use letters, digits, '.', '_', '-' or spaces "
            "(at most 100), starting with a letter or digit."
        )
    store = _store(tracking_uri or request.tracking_uri)
    text = _checked(request, store.uri)
    folder = (request.cwd or request.notebook.parent).resolve()
    baseline = check_trigger(watched, store.uri, folder) if watched else ""
    if store.exists(name):
        raise InvalidRequestError(
            f"A schedule named {name!r} exists: pick another --name, or change it with "
            f"`jupyter mlops schedule update {name!r} ...`."
        )
    return store.create(
        name=name,
        cron=cron,
        timezone=timezone,
        catch_up=catch_up,
        notebook=request.notebook,
        text=text,
        options=request_options(request),
        since=float(clock()),
        trigger=watched.text if watched else "",
        state=baseline,
    )


def list_schedules(tracking_uri: str | None = None) -> list[Schedule]:
    return _store(tracking_uri).all()


def get_schedule(ref: str, tracking_uri: str | None = None) -> Schedule:
    return _store(tracking_uri).find(ref)


def pause_schedule(ref: str, tracking_uri: str | None = None) -> Schedule:
    store = _store(tracking_uri)
    return store.set(store.find(ref), {SCHEDULE_PAUSED: "true"})


def resume_schedule(ref: str, tracking_uri: str | None = None, clock: Any = time.time) -> Schedule:
    """Fire again from now on: the slots that passed while paused are not caught up, nor the
    events (a trigger's state now is where it fires after)."""
    store = _store(tracking_uri)
    schedule = store.find(ref)
    if not schedule.paused:
        return schedule
    if schedule.trigger:
        folder = Path(str(schedule.options.get("cwd") or "."))
        now = state(parse_trigger(schedule.trigger), store.uri, folder)
        if now != schedule.last_event:
            store.claim_event(schedule, now, "resumed")
    return store.set(schedule, {SCHEDULE_PAUSED: "false", SCHEDULE_SINCE: repr(float(clock()))})


def update_schedule(
    ref: str,
    *,
    request: JobRequest | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    catch_up: str | None = None,
    tracking_uri: str | None = None,
    clock: Any = time.time,
) -> Schedule:
    """Change a schedule; with ``request``, a new snapshot of its notebook and options.

    The runs it fired keep the revision they ran; slots from now on run the new one.
    """
    store = _store(tracking_uri)
    schedule = store.find(ref)
    tags: dict[str, Any] = {SCHEDULE_SINCE: repr(float(clock()))}
    if cron is not None:
        if schedule.trigger:
            raise InvalidRequestError(
                f"Schedule {schedule.name!r} fires on {schedule.trigger}, not on a cron: delete "
                "it and create one with --cron to fire on a time."
            )
        tags[SCHEDULE_CRON] = check_cron(cron)
    if timezone is not None:
        tags[SCHEDULE_TIMEZONE] = check_timezone(timezone)
    if catch_up is not None:
        tags[SCHEDULE_CATCH_UP] = check_catch_up(catch_up)
    if request is not None:
        text = _checked(request, store.uri)
        revision = schedule.revision + 1
        store.keep_snapshot(schedule.id, revision, request.notebook.name, text)
        tags |= {
            SCHEDULE_REVISION: str(revision),
            SCHEDULE_NOTEBOOK: str(request.notebook),
            SCHEDULE_REQUEST: json.dumps(request_options(request), sort_keys=True),
        }
    return store.set(schedule, tags)


def delete_schedule(ref: str, tracking_uri: str | None = None) -> Schedule:
    """Delete the schedule (its run, softly, as MLflow deletes); the runs it fired stay."""
    store = _store(tracking_uri)
    schedule = store.find(ref)
    store.delete(schedule)
    return schedule


def run_now(ref: str, tracking_uri: str | None = None) -> str:
    """Fire the schedule once, now, outside its slots; returns the run (or sweep) id."""
    from .fire import fire

    store = _store(tracking_uri)
    return fire(store, store.find(ref), None)


def fired_runs(
    ref: str, tracking_uri: str | None = None, max_results: int = 100
) -> list[spec.JobInfo]:
    """The runs a schedule fired, newest first (a sweep's parent stands for its children)."""
    store = _store(tracking_uri)
    schedule = store.find(ref)
    experiments = [e.experiment_id for e in store.client.search_experiments()]
    runs = store.client.search_runs(
        experiments,
        filter_string=f"tags.`{SCHEDULE_ID}` = '{schedule.id}'",
        max_results=max_results,
        order_by=["attributes.start_time DESC"],
    )
    return [spec.JobInfo.from_run(run) for run in runs if PARENT not in run.data.tags]


def describe_schedules(
    schedules: list[Schedule], tracking_uri: str | None = None, now: float | None = None
) -> list[dict[str, Any]]:
    """The schedules as shown: next slots, and the status of each one's last run."""
    store = _store(tracking_uri)
    now = time.time() if now is None else now
    last = [s.last_run for s in schedules if s.last_run]
    status: dict[str, str] = {}
    if last:
        from ..tracking.store import Store

        experiments = [e.experiment_id for e in store.client.search_experiments()]
        found = Store(store.uri).runs_by_id(experiments, last)
        status = {run_id: run.info.status for run_id, run in found.items()}
    return [{**s.to_dict(now), "last_status": status.get(s.last_run or "", "")} for s in schedules]


def schedule(
    notebook: str | Path,
    cron: str,
    parameters: dict[str, Any] | None = None,
    *,
    timezone: str = "UTC",
    catch_up: str = "once",
    name: str | None = None,
    **options: Any,
) -> Schedule:
    """Schedule ``notebook`` to run at each slot of ``cron``: ``schedule("train.ipynb",
    "0 6 * * 1-5", {"C": 0.5}, timezone="Europe/London")``. ``options`` are the fields of
    :class:`~jupyter_mlops.jobs.request.JobRequest` (``sweep``, ``executor``...)."""
    request = JobRequest(notebook=Path(notebook), parameters=parameters or {}, **options)
    return create_schedule(
        request,
        cron,
        timezone=timezone,
        catch_up=catch_up,
        name=name,
        tracking_uri=request.tracking_uri,
    )
