"""The REST contract of ``{base_url}mlops/schedules``: a notebook fired at each slot of a cron
expression. Mirrored, like :mod:`.models`, by ``I*`` interfaces in ``tokens.ts``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .models import CreateJob, DescribeJob, JsonValue, _Contract


class CreateSchedule(CreateJob):
    """Body of ``POST mlops/schedules``: the job of ``POST mlops/jobs``, fired on a cron, or on
    an event (``trigger``): give one of the two.

    The notebook and the options are kept as a snapshot; later edits of the file do not
    change what the schedule runs until it is updated.
    """

    cron: str | None = Field(
        default=None,
        description='Five fields (minute hour day month weekday), e.g. "0 6 * * 1-5".',
    )
    trigger: str | None = Field(
        default=None,
        description="An event instead of a time: version:MODEL, alias:MODEL@ALIAS, "
        "alert:MODEL or input:PATH.",
    )
    timezone: str = Field(default="UTC", description="IANA name, e.g. Europe/London.")
    catch_up: Literal["once", "skip"] = Field(
        default="once",
        description="A slot missed while no scheduler ran: fire the latest once, or skip it.",
    )
    name: str | None = Field(default=None, description="Default: the notebook's name.")


class UpdateSchedule(_Contract):
    """Body of ``PATCH mlops/schedules/{schedule_id}``: the timing fields to change."""

    cron: str | None = None
    timezone: str | None = None
    catch_up: Literal["once", "skip"] | None = None


class DescribeSchedule(_Contract):
    """One schedule; times are ISO 8601 in the schedule's timezone."""

    id: str
    name: str
    cron: str
    """'' for a schedule fired by its trigger."""
    trigger: str = ""
    """The event it fires on (version:MODEL...), '' for a timed schedule."""
    description: str
    """When it fires, in words: "At 06:00, Monday through Friday"."""
    timezone: str
    catch_up: str
    paused: bool
    notebook: str
    """The notebook the snapshot was taken of."""
    revision: int
    options: dict[str, JsonValue] = Field(default_factory=dict)
    """The launch options each slot submits (parameters, sweep, executor...)."""
    fired: int = 0
    last_slot: str | None = None
    last_run: str | None = None
    last_status: str = ""
    """The last run's status, '' before the first."""
    last_error: str | None = None
    next: list[str] = Field(default_factory=list)
    """The next five slots (none while paused)."""


class ListSchedulesResponse(_Contract):
    """Body of ``GET mlops/schedules``."""

    schedules: list[DescribeSchedule]


class DescribeScheduleRuns(_Contract):
    """Body of ``GET mlops/schedules/{schedule_id}``: the schedule and the runs it fired."""

    schedule: DescribeSchedule
    runs: list[DescribeJob]
    """Newest first; a sweep's parent stands for its children."""


class PreviewCron(_Contract):
    """Body of ``GET mlops/schedules/preview``: what an expression means, before it is saved."""

    cron: str
    timezone: str
    description: str
    next: list[str]


class RunScheduleResponse(_Contract):
    """Answer to ``POST mlops/schedules/{schedule_id}/run``: the run (or sweep) it fired."""

    run_id: str


SCHEDULE_CONTRACT = (
    CreateSchedule,
    UpdateSchedule,
    DescribeSchedule,
    ListSchedulesResponse,
    DescribeScheduleRuns,
    PreviewCron,
    RunScheduleResponse,
)
