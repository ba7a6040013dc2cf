"""A sweep's parent run follows its children; the runners of the children keep it up to date.

No controller has to stay alive: each child's runner marks the parent RUNNING when it starts,
ends it when the last child ends, and with ``--fail-fast`` asks its siblings to stop.
"""

from __future__ import annotations

import time
from typing import Any

from ..tracking import RUN_TERMINAL, Store
from . import spec


def children_of(store: Store, parent: str) -> list[Any]:
    """Every child run of sweep ``parent``."""
    return store.search(
        [store.run(parent).info.experiment_id],
        f"tags.`{spec.PARENT}` = '{parent}'",
        max_results=10_000,
    )


def mark_parent_running(store: Store, parent: str) -> None:
    if store.run(parent).info.status == "SCHEDULED":
        store.set_status(parent, "RUNNING")


def finish_parent(store: Store, parent: str) -> bool:
    """End the parent once every child has ended: FAILED if any child did not finish.

    True when it was ended now.
    """
    if store.run(parent).data.tags.get(spec.STUDY) == "true":
        return False  # a study's driver ends it: more trials may come
    statuses = {c.info.status for c in children_of(store, parent)}
    if not statuses or not statuses <= RUN_TERMINAL:
        return False
    failed = statuses & {"FAILED", "KILLED"}
    store.end(parent, "FAILED" if failed else "FINISHED")
    return True


def stop_siblings_if_fail_fast(store: Store, parent: str, failed_child: str) -> int:
    """With fail-fast on the sweep, request cancel of every unfinished sibling; returns how many.

    Queued siblings end KILLED when they start; running ones are stopped by their runner,
    which watches the cancel request.
    """
    if store.run(parent).data.tags.get(spec.SWEEP_FAIL_FAST) != "true":
        return 0
    stopped = 0
    for child in children_of(store, parent):
        if child.info.run_id == failed_child or child.info.status in RUN_TERMINAL:
            continue
        store.log(
            child.info.run_id,
            tags={spec.CANCEL: time.time(), spec.EVALUE: f"fail-fast: {failed_child} failed"},
        )
        stopped += 1
    return stopped
