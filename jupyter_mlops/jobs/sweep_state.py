"""A sweep's parent run follows its children; the runners of the children keep it up to date.

No controller has to stay alive: each child's runner marks the parent RUNNING when it starts,
ends it when the last child ends, and with ``--fail-fast`` asks its siblings to stop.
"""

from __future__ import annotations

import time
from typing import Any

from ..tracking import RUN_TERMINAL, get_client, log_batch
from . import spec


def children_of(tracking_uri: str, parent: str) -> list[Any]:
    """Every child run of sweep ``parent``."""
    client = get_client(tracking_uri)
    return list(
        client.search_runs(
            [client.get_run(parent).info.experiment_id],
            filter_string=f"tags.`{spec.PARENT}` = '{parent}'",
            max_results=10_000,
        )
    )


def mark_parent_running(tracking_uri: str, parent: str) -> None:
    client = get_client(tracking_uri)
    if client.get_run(parent).info.status == "SCHEDULED":
        client.update_run(parent, status="RUNNING")


def finish_parent(tracking_uri: str, parent: str) -> bool:
    """End the parent once every child has ended: FAILED if any child did not finish.

    True when it was ended now.
    """
    statuses = {c.info.status for c in children_of(tracking_uri, parent)}
    if not statuses or not statuses <= RUN_TERMINAL:
        return False
    failed = statuses & {"FAILED", "KILLED"}
    get_client(tracking_uri).set_terminated(parent, "FAILED" if failed else "FINISHED")
    return True


def stop_siblings_if_fail_fast(tracking_uri: str, parent: str, failed_child: str) -> int:
    """With fail-fast on the sweep, request cancel of every unfinished sibling; returns how many.

    Queued siblings end KILLED when they start; running ones are stopped by their runner,
    which watches the cancel request.
    """
    client = get_client(tracking_uri)
    if client.get_run(parent).data.tags.get(spec.SWEEP_FAIL_FAST) != "true":
        return 0
    stopped = 0
    for child in children_of(tracking_uri, parent):
        if child.info.run_id == failed_child or child.info.status in RUN_TERMINAL:
            continue
        log_batch(
            tracking_uri,
            child.info.run_id,
            tags={spec.CANCEL: time.time(), spec.EVALUE: f"fail-fast: {failed_child} failed"},
        )
        stopped += 1
    return stopped
