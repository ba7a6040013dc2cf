"""The options of a launch, shared by ``jupyter mlops run`` and ``%mlops run``.

Both surfaces take the same flags and turn them into the same
:class:`~jupyter_mlops.jobs.request.JobRequest`, so a flag added here works in both.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .jobs.inputs import parse_resources

if TYPE_CHECKING:
    from .jobs.request import JobRequest


def add_launch_options(run: argparse.ArgumentParser) -> None:
    """Parameters, sweep, where and how the job runs."""
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable)",
    )
    run.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="sweep a parameter over values; repeat for a grid",
    )
    run.add_argument("--experiment", help="MLflow experiment name")
    run.add_argument("--timeout", type=float, help="stop the job after this many seconds")
    run.add_argument("--kernel", help="kernel name (default: the notebook's)")
    run.add_argument("--executor", help="executor: local (default) or dask://HOST:PORT")
    run.add_argument("--wait", action="store_true", help="wait, show progress, report failures")
    run.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PATH",
        help="file or folder placed beside the notebook where it runs (repeatable)",
    )
    run.add_argument(
        "--resources", metavar="NAME=AMOUNT,...", help="Dask worker resources, e.g. GPU=1"
    )
    run.add_argument(
        "--sample", type=int, metavar="N", help="random sweep: draw N points (ranges LOW:HIGH)"
    )
    run.add_argument("--seed", type=int, help="seed of the --sample draw")
    run.add_argument(
        "--max-concurrency", type=int, metavar="N", help="sweep: at most N runs at once"
    )
    run.add_argument(
        "--fail-fast", action="store_true", help="sweep: cancel the other runs when one fails"
    )
    run.add_argument(
        "--optimize",
        metavar="max(METRIC)",
        help="Optuna study of the --sweep space: max(METRIC) or min(METRIC)",
    )
    run.add_argument("--trials", type=int, metavar="N", help="study: at most N trial runs")
    run.add_argument("--sampler", help="study: tpe (default), random, cmaes, qmc or grid")
    run.add_argument("--pruner", help="study: median (default), hyperband or none")
    run.add_argument(
        "--timeout-total", metavar="DURATION", help="study: ask no trial after 2h, 30m, 600s..."
    )


def job_request(
    args: argparse.Namespace, notebook: str | Path, tracking_uri: str | None = None
) -> JobRequest:
    """The request the parsed options ask for; values are text, coerced by the notebook.

    An option missing from ``args`` (a namespace built by code, as ``jupyter mlops demo``
    does) takes its default.
    """
    from .jobs.request import JobRequest
    from .params import parse_sweep

    def option(name: str) -> Any:
        return getattr(args, name, None)

    return JobRequest(
        notebook=Path(notebook),
        parameters=dict(option("parameter") or []),
        sweep=parse_sweep(option("sweep") or []),
        from_text=True,
        experiment=option("experiment"),
        timeout=option("timeout"),
        kernel_name=option("kernel"),
        executor=option("executor"),
        tracking_uri=tracking_uri,
        include=tuple(Path(p) for p in option("include") or ()),
        resources=parse_resources(option("resources")),
        sample=option("sample"),
        seed=option("seed"),
        max_concurrency=option("max_concurrency"),
        fail_fast=bool(option("fail_fast")),
        optimize=option("optimize"),
        trials=option("trials"),
        sampler=option("sampler"),
        pruner=option("pruner"),
        timeout_total=option("timeout_total"),
    )


SCHEDULE_NAMED = ("show", "pause", "resume", "run-now", "delete")


def _timing(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--cron", required=required, help='cron expression, e.g. "0 6 * * 1-5" (weekdays 06:00)'
    )
    parser.add_argument("--timezone", help="IANA timezone of the expression (default UTC)")
    parser.add_argument(
        "--catch-up",
        choices=("once", "skip"),
        help="a slot missed while no scheduler ran: fire the latest once (default) or skip",
    )


def add_schedule_actions(
    parser: argparse.ArgumentParser,
    common: argparse.ArgumentParser | None = None,
    notebook_positional: bool = True,
) -> None:
    """``schedule create | update | list | show | pause | resume | run-now | delete``.

    ``notebook_positional`` is False where the notebook is the one open (``%mlops``): it is
    then ``--notebook`` for ``create`` too.
    """
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    parents = [common] if common else []

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, parents=parents, help=text)

    create = action("create", "schedule a notebook: a snapshot and its launch options")
    if notebook_positional:
        create.add_argument("notebook")
    else:
        create.add_argument("--notebook", help="the notebook, when the kernel cannot tell")
    create.add_argument("--name", help="the schedule's name (default: the notebook's stem)")
    _timing(create, required=False)
    create.add_argument(
        "--on",
        metavar="EVENT",
        help="fire on an event instead of a cron: version:MODEL (each new version), "
        "alias:MODEL@ALIAS (the alias moves), alert:MODEL (an alert fires) or input:PATH "
        "(the file changes)",
    )
    add_launch_options(create)
    update = action("update", "change the timing, or take a new snapshot")
    update.add_argument("name")
    update.add_argument("--notebook", help="snapshot this notebook again, with the run options")
    _timing(update, required=False)
    add_launch_options(update)
    action("list", "schedules with their next slot and last run")
    for name in SCHEDULE_NAMED:
        action(name, f"{name} a schedule").add_argument("name")


def schedule_command(
    args: argparse.Namespace, notebook: str | Path | None, tracking_uri: str | None = None
) -> tuple[Any, str]:
    """Do what a parsed ``schedule ACTION`` asks; (data, text) for the surface to show."""
    from .schedules import service
    from .views import schedule_text, schedules_text

    uri = tracking_uri
    if getattr(args, "wait", False):
        from .errors import InvalidRequestError

        raise InvalidRequestError(
            "--wait belongs to `run`: a schedule fires later; follow its runs with "
            "`schedule show NAME`."
        )
    if args.action == "list":
        rows = service.describe_schedules(service.list_schedules(uri), uri)
        return rows, schedules_text(rows)
    if args.action == "run-now":
        run_id = service.run_now(args.name, uri)
        return {"run_id": run_id}, f"schedule {args.name} fired now: run {run_id}"
    if args.action == "show":
        shown = service.get_schedule(args.name, uri)
        runs = service.fired_runs(shown.id, uri)
        (row,) = service.describe_schedules([shown], uri)
        return {**row, "runs": [r.to_dict() for r in runs]}, schedule_text(row, runs)
    if args.action == "create":
        assert notebook is not None
        changed = service.create_schedule(
            job_request(args, notebook, uri),
            args.cron,
            trigger=args.on,
            timezone=args.timezone or "UTC",
            catch_up=args.catch_up or "once",
            name=args.name,
            tracking_uri=uri,
        )
    elif args.action == "update":
        changed = service.update_schedule(
            args.name,
            request=job_request(args, notebook, uri) if notebook else None,
            cron=args.cron,
            timezone=args.timezone,
            catch_up=args.catch_up,
            tracking_uri=uri,
        )
    else:
        change = {
            "pause": service.pause_schedule,
            "resume": service.resume_schedule,
            "delete": service.delete_schedule,
        }[args.action]
        changed = change(args.name, uri)
    (row,) = service.describe_schedules([changed], uri)
    if args.action == "delete":
        return {**row, "deleted": True}, f"schedule {changed.name} deleted (its runs stay)"
    return row, schedules_text([row])
