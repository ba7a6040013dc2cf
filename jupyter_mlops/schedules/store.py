"""Schedules in MLflow: one run of the schedules experiment each, read and written here only.

Everyone pointing at the same tracking server sees the same schedules. A slot is claimed by
logging the param ``slot.<UTC time>`` on the schedule's run with the claimant's token: MLflow
refuses to change a param's value (a unique key in its database), so when several schedulers
claim the same slot exactly one gets it, and a claim retried by its own claimant still holds.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ..errors import NotFoundError
from ..tags import (
    RUN_NAME,
    SCHEDULE,
    SCHEDULE_CATCH_UP,
    SCHEDULE_CRON,
    SCHEDULE_NAME,
    SCHEDULE_NOTEBOOK,
    SCHEDULE_PAUSED,
    SCHEDULE_REQUEST,
    SCHEDULE_REVISION,
    SCHEDULE_SINCE,
    SCHEDULE_TIMEZONE,
    SCHEDULE_TRIGGER,
    SCHEDULES_EXPERIMENT,
)
from ..tracking.client import ensure_experiment, filter_literal, get_client, set_tags, shown_uri
from .spec import Schedule, event_key, slot_key

PAGE = 1000


def snapshot_path(revision: int, notebook_name: str) -> str:
    """Where a revision's notebook snapshot is kept among the schedule run's artifacts."""
    return f"schedule/r{revision}/{notebook_name}"


def scheduled_notebooks(tracking_uri: str) -> set[str]:
    """The names of the notebooks that active timed schedules run."""
    return ScheduleStore(tracking_uri).active_notebooks()


class ScheduleStore:
    """The schedules of one tracking store."""

    def __init__(self, tracking_uri: str) -> None:
        self.uri = tracking_uri
        self.client = get_client(tracking_uri)
        self._experiment: str | None = None

    @property
    def experiment_id(self) -> str:
        if self._experiment is None:
            self._experiment = ensure_experiment(self.uri, SCHEDULES_EXPERIMENT)
        return self._experiment

    def all(self) -> list[Schedule]:
        """Every schedule, by name: one paged search."""
        found: list[Schedule] = []
        token = None
        while True:
            page = self.client.search_runs(
                [self.experiment_id],
                filter_string=f"tags.`{SCHEDULE}` = 'true'",
                max_results=PAGE,
                page_token=token,
            )
            found += [Schedule.from_run(run) for run in page]
            token = page.token
            if not token:
                return sorted(found, key=lambda s: s.name)

    def active_notebooks(self) -> set[str]:
        """The names of the notebooks that active timed schedules run (none when no schedule
        was ever stored: asking does not make the schedules experiment)."""
        if self._experiment is None:
            found = self.client.get_experiment_by_name(SCHEDULES_EXPERIMENT)
            if found is None:
                return set()
            self._experiment = found.experiment_id
        return {s.notebook_name for s in self.all() if s.cron and not s.paused}

    def find(self, ref: str) -> Schedule:
        """The schedule named ``ref`` (or whose id it is)."""
        runs = self.client.search_runs(
            [self.experiment_id],
            filter_string=(
                f"tags.`{SCHEDULE}` = 'true' and tags.`{SCHEDULE_NAME}` = {filter_literal(ref)}"
            ),
            max_results=2,
        )
        if runs:
            return Schedule.from_run(runs[0])
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(ref)
        except MlflowException:
            run = None
        if (
            run is None
            or run.data.tags.get(SCHEDULE) != "true"
            or (run.info.lifecycle_stage != "active")
        ):
            raise NotFoundError(
                f"No schedule {ref!r} on {shown_uri(self.uri)}: `jupyter mlops schedule list` "
                "shows them."
            )
        return Schedule.from_run(run)

    def exists(self, name: str) -> bool:
        try:
            self.find(name)
        except NotFoundError:
            return False
        return True

    def create(
        self,
        *,
        name: str,
        cron: str,
        timezone: str,
        catch_up: str,
        notebook: Path,
        text: str,
        options: dict[str, Any],
        since: float,
        trigger: str = "",
        state: str = "",
    ) -> Schedule:
        """Store a schedule: on the slots of ``cron``, or on the events of ``trigger`` after
        its ``state`` now."""
        timing = {SCHEDULE_TRIGGER: trigger} if trigger else {SCHEDULE_CRON: cron}
        run = self.client.create_run(
            self.experiment_id,
            tags={
                SCHEDULE: "true",
                RUN_NAME: name,
                SCHEDULE_NAME: name,
                **timing,
                SCHEDULE_TIMEZONE: timezone,
                SCHEDULE_CATCH_UP: catch_up,
                SCHEDULE_PAUSED: "false",
                SCHEDULE_NOTEBOOK: str(notebook),
                SCHEDULE_REVISION: "1",
                SCHEDULE_SINCE: repr(since),
                SCHEDULE_REQUEST: json.dumps(options, sort_keys=True),
            },
        )
        run_id = run.info.run_id
        if trigger:
            self.client.log_param(run_id, event_key(0), f"created {state}")
        self.keep_snapshot(run_id, 1, notebook.name, text)
        self.client.set_terminated(run_id, "FINISHED")  # a definition, not a running thing
        return self.find(run_id)

    def keep_snapshot(self, run_id: str, revision: int, notebook_name: str, text: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / notebook_name
            local.write_text(text, encoding="utf-8")
            folder = snapshot_path(revision, notebook_name).rsplit("/", 1)[0]
            self.client.log_artifact(run_id, str(local), folder)

    def set(self, schedule: Schedule, tags: dict[str, Any]) -> Schedule:
        set_tags(self.uri, schedule.id, tags)
        return self.find(schedule.id)

    def claim(self, schedule: Schedule, slot: float, token: str) -> bool:
        """Claim ``slot`` of ``schedule`` for ``token``; True when it is this token's."""
        return self._claim(schedule, slot_key(slot), token)

    def claim_event(self, schedule: Schedule, state: str, token: str) -> bool:
        """Claim the trigger's next event, the one for ``state``; True when it is this
        token's (a scheduler that read the same events and claimed first has it)."""
        return self._claim(schedule, event_key(len(schedule.events)), f"{token} {state}")

    def _claim(self, schedule: Schedule, key: str, value: str) -> bool:
        from mlflow.exceptions import MlflowException

        try:
            self.client.log_param(schedule.id, key, value)
            return True
        except MlflowException:
            held = self.client.get_run(schedule.id).data.params.get(key)
            return held == value

    def delete(self, schedule: Schedule) -> None:
        self.client.delete_run(schedule.id)
