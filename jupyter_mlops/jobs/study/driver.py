"""The process that drives a study: ``python -m jupyter_mlops.jobs.study.driver RUN_ID URI``.

It asks Optuna for each trial's parameters and submits the trial as a child run through the
study's executor (the local job host, or Dask), at most ``max_concurrency`` at once; it reads
each running trial's reported values, prunes it through the cancel path when the pruner says
so, and tells Optuna how each trial ended. Everything it knows is on MLflow, so a driver that
was killed is replaced by ``jupyter mlops resume RUN_ID`` without losing or repeating a trial.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import Any

from ...config import get_settings
from ...tracking import RUN_TERMINAL, Store
from .. import spec
from ..cancel import stop_jobs
from ..executors import get_executor
from ..runs import RunFactory
from ..snapshot import NotebookSnapshot
from ..sweep_state import children_of
from . import results
from .plan import StudyPlan
from .space import distributions, make_pruner, make_sampler
from .trials import (
    PRUNED,
    frozen_trial,
    intermediate_values,
    outcome_of,
    read_request,
    trial_number,
)

POLL_S = 0.5
log = logging.getLogger("jupyter_mlops.study")


class StudyDriver:
    """One study, rebuilt from its runs, driven until its budget is spent or it must stop."""

    def __init__(self, parent: str, tracking_uri: str) -> None:
        import optuna

        self.parent = parent
        self.store = Store(tracking_uri)
        request = read_request(self.store, parent)
        self.plan = StudyPlan.from_dict(request["plan"])
        self.settings = get_settings(tracking_uri, request["executor"])
        self.factory = RunFactory(
            NotebookSnapshot.from_dict(request["snapshot"]),
            self.settings,
            request["experiment"],
            timeout=request["timeout"],
            kernel_name=request["kernel_name"],
            resources=request.get("resources") or {},
            tags=request["tags"],
        )
        self.executor = get_executor(self.settings.executor)
        self.concurrency = self.plan.max_concurrency or self.settings.max_concurrency
        self.dists = distributions(self.plan.space)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.study = optuna.create_study(
            direction=self.plan.direction,  # type: ignore[arg-type]
            sampler=make_sampler(
                self.plan.sampler,
                self.plan.seed,
                self.plan.space,
                self.concurrency > 1,
                self.plan.trials,
            ),
            pruner=make_pruner(self.plan.pruner),
        )
        self.live: dict[str, Any] = {}  # run id -> the Optuna trial this driver asked for
        self.adopted: set[str] = set()  # trials an earlier driver started, still going
        self.reported: dict[str, int] = {}  # run id -> last step told to Optuna
        self.created = 0
        self.stop_reason: str | None = None

    # -- state ----------------------------------------------------------------------------
    def rebuild(self) -> None:
        """The trials MLflow already has: ended ones told to Optuna, going ones adopted."""
        for run in sorted(children_of(self.store, self.parent), key=trial_number):
            self.created += 1
            if run.info.status in RUN_TERMINAL:
                self._add_ended(run)
            else:
                self.adopted.add(run.info.run_id)

    def _add_ended(self, run: Any) -> None:
        trial = frozen_trial(self.store, run, self.plan, self.dists)
        if trial is not None:
            self.study.add_trial(trial)
        self._judge(run)

    def _judge(self, run: Any) -> None:
        """Stop the study for a trial that says the rest would be wasted."""
        if self.stop_reason:
            return
        state, _ = outcome_of(run, self.plan)
        number = trial_number(run)
        if run.info.status == "FINISHED" and state == "FAIL":
            logged = ", ".join(sorted(run.data.metrics)) or "none"
            self.stop_reason = (
                f"trial {number} finished without logging the objective metric "
                f"{self.plan.objective!r} (it logged: {logged}); log it with "
                f"mlflow.log_metric({self.plan.objective!r}, value) or jupyter_mlops.log()."
            )
        elif run.info.status == "FAILED" and self.plan.fail_fast:
            self.stop_reason = f"fail-fast: trial {number} ({run.info.run_id}) failed"

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> str:
        """Drive the study to its end; the study run's final status ('' when cancelled)."""
        self.rebuild()
        self._mark_started()
        deadline = self._deadline()
        while True:
            parent = self.store.run(self.parent)
            if parent.info.status in RUN_TERMINAL or spec.CANCEL in parent.data.tags:
                # Cancelled: cancel_job stops the trials it saw; these may be newer.
                left = sorted(set(self.live) | self.adopted)
                if left:
                    stop_jobs(left, self.settings, self.factory.experiment_id)
                return ""
            self._poll()
            going = set(self.live) | self.adopted
            spent = self.created >= self.plan.trials or time.time() >= deadline
            if self.stop_reason or spent:
                if self.stop_reason and going:
                    self._stop(sorted(going))
                if not going:
                    break
            else:
                while len(self.live) + len(self.adopted) < self.concurrency and (
                    self.created < self.plan.trials
                ):
                    self._ask()
            time.sleep(POLL_S)
        return results.finish(self.store, self.parent, self.study, self.plan, self.stop_reason)

    def _deadline(self) -> float:
        if not self.plan.timeout_total:
            return float("inf")
        submitted = float(self.store.run(self.parent).data.tags.get(spec.SUBMITTED_AT, time.time()))
        return submitted + self.plan.timeout_total

    def _mark_started(self) -> None:
        import os
        import socket

        import psutil

        me = psutil.Process()
        if self.store.run(self.parent).info.status == "SCHEDULED":
            self.store.set_status(self.parent, "RUNNING")
        self.store.log(
            self.parent,
            tags={
                spec.STUDY_DRIVER_PID: os.getpid(),
                spec.STUDY_DRIVER_START: me.create_time(),
                spec.STUDY_DRIVER_HOST: socket.gethostname(),
            },
        )

    def _ask(self) -> None:
        trial = self.study.ask(self.dists)
        number = self.created
        values = {**self.plan.base, **trial.params}
        tags = {spec.STUDY_TRIAL: number, spec.STUDY_OBJECTIVE: self.plan.objective}
        run_id = self.factory.create(values, parent=self.parent, extra_tags=tags)
        trial.set_user_attr("run_id", run_id)
        self.live[run_id] = trial
        self.created += 1
        log.info("trial %d: %s as run %s", number, json.dumps(trial.params), run_id)
        self.factory.start(self.executor, run_id)

    def _poll(self) -> None:
        ids = sorted(set(self.live) | self.adopted)
        if not ids:
            return
        runs = self.store.runs_by_id(self.factory.experiment_id, ids)
        for run_id in ids:
            run = runs.get(run_id) or self.store.run(run_id)
            if run.info.status in RUN_TERMINAL:
                self._ended(run)
            elif run_id in self.live and run.info.status == "RUNNING":
                self._maybe_prune(run_id)

    def _ended(self, run: Any) -> None:
        run_id = run.info.run_id
        if run_id in self.adopted:
            self.adopted.discard(run_id)
            self._add_ended(run)
            return
        trial = self.live.pop(run_id)
        if spec.STUDY_PRUNED_AT in run.data.tags:
            self.store.log(run_id, tags={spec.REASON: PRUNED})
        self._report(run_id, trial)
        state, value = outcome_of(run, self.plan)
        import optuna

        if state == "COMPLETE":
            self.study.tell(trial, value)
        else:
            self.study.tell(trial, state=optuna.trial.TrialState[state])
        self._judge(run)
        log.info("trial %s ended %s (%s %s)", run_id, run.info.status, state, value)

    def _report(self, run_id: str, trial: Any) -> bool:
        """Tell Optuna the steps reported since the last look; True when any was new."""
        last = self.reported.get(run_id, -1)
        new = False
        for step, value in sorted(
            intermediate_values(self.store, run_id, self.plan.objective).items()
        ):
            if step > last:
                trial.report(value, step)
                self.reported[run_id] = last = step
                new = True
        return new

    def _maybe_prune(self, run_id: str) -> None:
        trial = self.live[run_id]
        if not self._report(run_id, trial) or not trial.should_prune():
            return
        step = self.reported[run_id]
        log.info("pruning trial %s at step %d", run_id, step)
        self.store.log(run_id, tags={spec.STUDY_PRUNED_AT: step})
        self._stop([run_id])

    def _stop(self, run_ids: list[str]) -> None:
        """Cancel trials without holding up the loop; their end is read by :meth:`_poll`."""
        args = (run_ids, self.settings, self.factory.experiment_id)
        threading.Thread(target=stop_jobs, args=args, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parent, uri = args[0], args[1]
    status = StudyDriver(parent, uri).run()
    log.info("study %s ended %s", parent, status or "by cancel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
