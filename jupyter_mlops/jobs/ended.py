"""Telling how a job ended: to the configured channels and the card's owner, once.

A job started by hand (CLI, ``%mlops run``, the sidebar, the REST API) is told by the process
that ran it, when it ends; a scheduled run is told by the scheduler that fired it, and a
sweep's points are not told one by one.
"""

from __future__ import annotations

import logging

from ..notebook_path import file_name
from ..notifications import channels_configured, tell
from ..tags import CARD_PREFIX, PARENT, SCHEDULE_ID
from ..tracking.client import get_client
from . import spec
from .query import failure_message

log = logging.getLogger(__name__)


def ended_message(job: spec.JobInfo, label: str, subject: str) -> tuple[str, str, str]:
    """(event, title, body) of a job's end: ``label`` names it in the title, ``subject``
    starts the body ("Schedule nightly", "Job train.ipynb")."""
    if job.status == "FINISHED":
        notebook = file_name(job.notebook)
        body = f"{subject} ran {notebook}: run {job.run_id} finished."
        return "job_finished", f"[jupyter-mlops] {label}: run finished", body
    title = f"[jupyter-mlops] {label}: run {job.status.lower()}"
    return "job_failed", title, f"{subject}: {failure_message(job)}"


def tell_ended(tracking_uri: str, run_id: str) -> bool:
    """Tell the end of the job held by run ``run_id`` (ended); True when sent now."""
    try:
        if not channels_configured():
            return False
        run = get_client(tracking_uri).get_run(run_id)
    except Exception as exc:  # noqa: BLE001 - telling never fails the job that ended
        log.warning("the end of run %s was not told: %s", run_id, exc)
        return False
    tags = run.data.tags
    if PARENT in tags or SCHEDULE_ID in tags:
        return False
    job = spec.JobInfo.from_run(run)
    name = file_name(job.notebook)
    event, title, body = ended_message(job, name, f"Job {name}")
    return tell(tracking_uri, job.run_id, event, title, body, owner=tags.get(CARD_PREFIX + "owner"))
