"""REST handlers for schedules: create, list, preview, show with the runs fired, change,
pause, resume, run now, delete. Each one calls :mod:`jupyter_mlops.schedules.service`."""

from __future__ import annotations

import time
from typing import Any

from ..errors import InvalidRequestError
from ..schedules.spec import NAME
from .base import RUN_ID, MlopsHandler, guarded
from .handlers import known_fields
from .job_handlers import describe, job_request_of
from .schedule_models import (
    CreateSchedule,
    DescribeSchedule,
    DescribeScheduleRuns,
    ListSchedulesResponse,
    PreviewCron,
    RunScheduleResponse,
    UpdateSchedule,
)


class SchedulesHandler(MlopsHandler):
    """``GET mlops/schedules`` lists; ``POST mlops/schedules`` creates."""

    @guarded()
    async def get(self) -> None:
        from ..schedules.service import describe_schedules, list_schedules

        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        found = await self.call(list_schedules, uri)
        shown = await self.call(describe_schedules, found, uri)
        self.write_model(ListSchedulesResponse(schedules=[shown_schedule(s) for s in shown]))

    @guarded("execute")
    async def post(self) -> None:
        from ..schedules.service import create_schedule

        body = self.read_body(CreateSchedule)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        request = await job_request_of(self, body, uri)
        created = await self.call(
            create_schedule,
            request,
            body.cron,
            trigger=body.trigger,
            timezone=body.timezone,
            catch_up=body.catch_up,
            name=body.name,
            tracking_uri=uri,
        )
        self.write_model(await self.call(_shown, created, uri), status=201)


class PreviewHandler(MlopsHandler):
    """``GET mlops/schedules/preview?cron=&timezone=``: the expression in words, next slots."""

    @guarded()
    async def get(self) -> None:
        from ..schedules.spec import preview

        cron = self.get_query_argument("cron", "")
        timezone = self.get_query_argument("timezone", "") or "UTC"
        self.write_model(PreviewCron(**preview(cron, timezone, time.time())))


class ScheduleHandler(MlopsHandler):
    """``GET``, ``PATCH`` and ``DELETE mlops/schedules/{schedule_id}``."""

    @guarded()
    async def get(self, schedule_id: str) -> None:
        from ..schedules.service import fired_runs, get_schedule

        ref = schedule_ref(schedule_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        found = await self.call(get_schedule, ref, uri)
        runs = await self.call(fired_runs, found.id, uri)
        self.write_model(
            DescribeScheduleRuns(
                schedule=await self.call(_shown, found, uri),
                runs=[describe(job, uri) for job in runs],
            )
        )

    @guarded("write")
    async def patch(self, schedule_id: str) -> None:
        from ..schedules.service import update_schedule

        ref = schedule_ref(schedule_id)
        body = self.read_body(UpdateSchedule)
        if body.cron is None and body.timezone is None and body.catch_up is None:
            raise InvalidRequestError("Give at least one of cron, timezone or catch_up to change.")
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        changed = await self.call(
            update_schedule,
            ref,
            cron=body.cron,
            timezone=body.timezone,
            catch_up=body.catch_up,
            tracking_uri=uri,
        )
        self.write_model(await self.call(_shown, changed, uri))

    @guarded("write")
    async def delete(self, schedule_id: str) -> None:
        from ..schedules.service import delete_schedule

        ref = schedule_ref(schedule_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        deleted = await self.call(delete_schedule, ref, uri)
        self.write_model(await self.call(_shown, deleted, uri))


class PauseScheduleHandler(MlopsHandler):
    """``POST mlops/schedules/{schedule_id}/pause``."""

    @guarded("write")
    async def post(self, schedule_id: str) -> None:
        from ..schedules.service import pause_schedule

        ref = schedule_ref(schedule_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        self.write_model(await self.call(_shown, await self.call(pause_schedule, ref, uri), uri))


class ResumeScheduleHandler(MlopsHandler):
    """``POST mlops/schedules/{schedule_id}/resume``: fire again from now on."""

    @guarded("write")
    async def post(self, schedule_id: str) -> None:
        from ..schedules.service import resume_schedule

        ref = schedule_ref(schedule_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        self.write_model(await self.call(_shown, await self.call(resume_schedule, ref, uri), uri))


class RunScheduleHandler(MlopsHandler):
    """``POST mlops/schedules/{schedule_id}/run``: fire once, now, outside its slots."""

    @guarded("execute")
    async def post(self, schedule_id: str) -> None:
        from ..schedules.service import run_now

        ref = schedule_ref(schedule_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        run_id = await self.call(run_now, ref, uri)
        self.write_model(RunScheduleResponse(run_id=run_id), status=201)


def schedule_ref(value: str) -> str:
    """A schedule id or name from the URL; anything else is refused before MLflow is asked."""
    if RUN_ID.match(value) or NAME.match(value):
        return value
    raise InvalidRequestError(f"{value!r} is neither a schedule id nor a schedule name.")


def shown_schedule(data: dict[str, Any]) -> DescribeSchedule:
    return DescribeSchedule(**known_fields(DescribeSchedule, data))


def _shown(schedule: Any, uri: str) -> DescribeSchedule:
    from ..schedules.service import describe_schedules

    return shown_schedule(describe_schedules([schedule], uri)[0])
