"""Every ``jupyter mlops`` command on one page: its name, what it does, its options, its handler.

The parser is built from this table and the command is dispatched through it; adding a command
is one line here and two functions beside the others of its kind.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from . import host, jobs, models, notebooks, runs, schedules
from .output import Output, global_options

Handler = Callable[[argparse.Namespace, Output], int]


@dataclass(frozen=True)
class Command:
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler
    offline: bool = False
    """Never touches the tracking server, so no spooled registration is pushed before it."""


COMMANDS: dict[str, Command] = {
    "run": Command("submit a run or a sweep of a notebook", jobs.run_arguments, jobs.cmd_run),
    "jobs": Command("list jobs", jobs.jobs_arguments, jobs.cmd_jobs),
    "cancel": Command("cancel a job", jobs.cancel_arguments, jobs.cmd_cancel),
    "resume": Command(
        "continue a study whose driver stopped, from the trials MLflow has",
        jobs.resume_arguments,
        jobs.cmd_resume,
    ),
    "card": Command(
        "show or edit a notebook's model card",
        notebooks.card_arguments,
        notebooks.cmd_card,
        offline=True,
    ),
    "params": Command(
        "show a notebook's parameters contract",
        notebooks.params_arguments,
        notebooks.cmd_params,
        offline=True,
    ),
    "models": Command("list registered models", models.no_arguments, models.cmd_models),
    "receipt": Command("show a run's provenance receipt", runs.run_id_argument, runs.cmd_receipt),
    "sync": Command(
        "push spooled registrations to MLflow", models.no_arguments, models.cmd_sync, offline=True
    ),
    "replay": Command(
        "re-run a run from its notebook snapshot and check it reproduces (exit 1 if not)",
        runs.replay_arguments,
        runs.cmd_replay,
    ),
    "diff": Command(
        "what differs between two runs: notebook, parameters, card, inputs, environment...",
        runs.diff_arguments,
        runs.cmd_diff,
    ),
    "demo": Command(
        "run the example notebook as a sweep and register the best",
        jobs.demo_arguments,
        jobs.cmd_demo,
    ),
    "inventory": Command(
        "every registered model with its RAG status",
        models.inventory_arguments,
        models.cmd_inventory,
    ),
    "promote": Command(
        "move an alias (or a version's stage) if the policy allows; audited",
        models.promote_arguments,
        models.cmd_promote,
    ),
    "check": Command(
        "check notebook cards against the policy and a typed parameters cell (exit 1)",
        notebooks.check_arguments,
        notebooks.cmd_check,
        offline=True,
    ),
    "zombies": Command(
        "models and versions nobody looks after", models.no_arguments, models.cmd_zombies
    ),
    "report": Command(
        "a self-contained one-page HTML report", models.report_arguments, models.cmd_report
    ),
    "host": Command(
        "the local job host: start | status | stop",
        host.host_arguments,
        host.cmd_host,
        offline=True,
    ),
    "schedule": Command(
        "notebooks that run on a cron schedule: create | list | show | update | pause | resume "
        "| run-now | delete",
        schedules.schedule_arguments,
        schedules.cmd_schedule,
    ),
    "scheduler": Command(
        "the service that fires schedules (one or several, against one tracking server)",
        schedules.scheduler_arguments,
        schedules.cmd_scheduler,
    ),
    "audit": Command(
        "a model's audit trail, or its aliases at a time",
        models.audit_arguments,
        models.cmd_audit,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The ``jupyter mlops`` parser: global options, then one subcommand from :data:`COMMANDS`."""
    common = global_options()
    parser = argparse.ArgumentParser(
        prog="jupyter mlops",
        description="Describe notebooks as models, run them as MLflow runs, register the results.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, parents=[common], help=command.help))
    return parser
