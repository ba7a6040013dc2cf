"""The audit trail: one MLflow run per alias move or stage change, in its own experiment.

Events are only ever created, never updated, so the trail is append-only. Each is a finished
run of the ``mlops-audit`` experiment whose start time is the moment of the change and whose
``mlops.audit.*`` tags say who, what, from which version to which, why and who approved.
"""

from __future__ import annotations

import getpass
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from ..config import get_settings
from ..errors import MlopsError
from ..tags import AUDIT_PREFIX
from ..tracking import ensure_experiment, get_client
from .facts import pages
from .inventory import iso, now_ms

AUDIT_EXPERIMENT = "mlops-audit"
FIELDS = (
    *("model", "action", "alias", "from_version", "to_version", "from_stage", "to_stage"),
    *("actor", "approver", "reason"),
)
"""The event fields stored as ``mlops.audit.<field>`` tags."""


@dataclass(frozen=True)
class AuditEvent:
    """One alias move (``action="set_alias"``) or stage change (``action="set_stage"``)."""

    model: str
    action: str
    at: int  # milliseconds since the epoch
    actor: str
    alias: str | None = None
    from_version: str | None = None
    to_version: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    approver: str | None = None
    reason: str | None = None
    run_id: str | None = None
    at_ns: int = 0  # orders events logged within the same millisecond

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("at_ns")
        data["at"] = iso(self.at)
        return data

    def __str__(self) -> str:
        if self.action == "set_stage":
            change = f"version {self.to_version} stage {self.from_stage} -> {self.to_stage}"
        else:
            was = f" (was version {self.from_version})" if self.from_version else ""
            change = f"alias {self.alias!r} -> version {self.to_version}{was}"
        approved = f", approved by {self.approver}" if self.approver else ""
        return f"{self.model}: {change}{approved}"


def current_actor() -> str:
    """Who is acting: ``JUPYTER_MLOPS_USER``, else the operating-system user."""
    return os.environ.get("JUPYTER_MLOPS_USER") or getpass.getuser()


def record_event(tracking_uri: str, event: AuditEvent) -> AuditEvent:
    """Append ``event`` to the audit trail; returns it with its run id."""
    settings = get_settings(tracking_uri)
    experiment = ensure_experiment(tracking_uri, AUDIT_EXPERIMENT, settings.artifact_root)
    client = get_client(tracking_uri)
    tags = {
        AUDIT_PREFIX + k: str(v) for k, v in asdict(event).items() if k in FIELDS and v is not None
    }
    tags[AUDIT_PREFIX + "at_ns"] = str(event.at_ns)
    target = event.alias or event.to_stage
    run = client.create_run(
        experiment, start_time=event.at, tags=tags, run_name=f"{event.model} {target}"
    )
    client.set_terminated(run.info.run_id, "FINISHED", end_time=event.at)
    return AuditEvent(**{**asdict(event), "run_id": run.info.run_id})


def new_event(model: str, action: str, **fields: Any) -> AuditEvent:
    """An event stamped now, acted by :func:`current_actor` unless ``actor`` is given."""
    ns = time.time_ns()
    fields["actor"] = fields.get("actor") or current_actor()
    return AuditEvent(model=model, action=action, at=ns // 1_000_000, at_ns=ns, **fields)


def audit_trail(
    name: str, tracking_uri: str | None = None, *, until: datetime | None = None
) -> list[AuditEvent]:
    """The audit events of model ``name``, oldest first; only those up to ``until`` if given."""
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    found = client.get_experiment_by_name(AUDIT_EXPERIMENT)
    if found is None:
        return []
    query = f"tags.`{AUDIT_PREFIX}model` = '{name}'"
    if until is not None:
        query += f" and attributes.start_time <= {now_ms(until)}"
    events = []
    for run in pages(client.search_runs, experiment_ids=[found.experiment_id], filter_string=query):
        tags = run.data.tags
        values = {k: tags.get(AUDIT_PREFIX + k) for k in FIELDS}
        events.append(
            AuditEvent(
                **{**values, "actor": values["actor"] or "unknown"},
                at=int(run.info.start_time),
                run_id=run.info.run_id,
                at_ns=int(tags.get(AUDIT_PREFIX + "at_ns") or 0),
            )
        )
    return sorted(events, key=lambda e: (e.at, e.at_ns))


def holders_at(name: str, at: datetime, tracking_uri: str | None = None) -> dict[str, str | None]:
    """Which version each alias of ``name`` pointed at, at time ``at`` (None: unset by then)."""
    holders: dict[str, str | None] = {}
    for event in audit_trail(name, tracking_uri, until=at):
        if event.action == "set_alias" and event.alias:
            holders[event.alias] = event.to_version
    return holders


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MlopsError(
            f"{text!r} is not an ISO 8601 date-time; use e.g. 2026-03-01 or "
            "2026-03-01T14:30:00+01:00."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
