"""``jupyter mlops schedule create | list | show | update | pause | resume | run-now | delete``
and ``jupyter mlops scheduler``, the service that fires them."""

from __future__ import annotations

import argparse

from ..run_options import add_launch_options
from ..views import schedule_text, schedules_text
from .output import Output, global_options

NAMED = ("show", "pause", "resume", "run-now", "delete")


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


def schedule_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = [global_options()]
    create = actions.add_parser(
        "create", parents=common, help="schedule a notebook: a snapshot and its options"
    )
    create.add_argument("notebook")
    create.add_argument("--name", help="the schedule's name (default: the notebook's stem)")
    _timing(create, required=True)
    add_launch_options(create)
    update = actions.add_parser(
        "update", parents=common, help="change the timing, or take a new snapshot"
    )
    update.add_argument("name")
    update.add_argument("--notebook", help="snapshot this notebook again, with the run options")
    _timing(update, required=False)
    add_launch_options(update)
    actions.add_parser("list", parents=common, help="schedules with their next slot and last run")
    for action in NAMED:
        named = actions.add_parser(action, parents=common, help=f"{action} a schedule")
        named.add_argument("name")


def cmd_schedule(args: argparse.Namespace, out: Output) -> int:
    from ..run_options import job_request
    from ..schedules import service

    uri = args.tracking_uri
    if args.action == "create":
        schedule = service.create_schedule(
            job_request(args, args.notebook, uri),
            args.cron,
            timezone=args.timezone or "UTC",
            catch_up=args.catch_up or "once",
            name=args.name,
            tracking_uri=uri,
        )
    elif args.action == "update":
        request = job_request(args, args.notebook, uri) if args.notebook else None
        schedule = service.update_schedule(
            args.name,
            request=request,
            cron=args.cron,
            timezone=args.timezone,
            catch_up=args.catch_up,
            tracking_uri=uri,
        )
    elif args.action == "list":
        rows = service.describe_schedules(service.list_schedules(uri), uri)
        out.emit(rows, schedules_text(rows))
        return 0
    elif args.action == "run-now":
        run_id = service.run_now(args.name, uri)
        out.emit({"run_id": run_id}, run_id)
        return 0
    elif args.action == "show":
        schedule = service.get_schedule(args.name, uri)
        runs = service.fired_runs(schedule.id, uri)
        (row,) = service.describe_schedules([schedule], uri)
        out.emit({**row, "runs": [r.to_dict() for r in runs]}, schedule_text(row, runs))
        return 0
    else:
        change = {
            "pause": service.pause_schedule,
            "resume": service.resume_schedule,
            "delete": service.delete_schedule,
        }[args.action]
        schedule = change(args.name, uri)
    (row,) = service.describe_schedules([schedule], uri)
    if args.action == "delete":
        row["deleted"] = True
    out.emit(row, schedules_text([row]) + ("\n(deleted)" if args.action == "delete" else ""))
    return 0


def scheduler_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--refresh",
        type=float,
        default=30.0,
        help="seconds between reads of the schedules when no slot is due sooner (default 30)",
    )


def cmd_scheduler(args: argparse.Namespace, out: Output) -> int:
    import logging
    import signal
    import threading

    from ..errors import InvalidRequestError
    from ..schedules.scheduler import Scheduler

    if not args.refresh > 0:
        raise InvalidRequestError(f"--refresh must be a positive number, got {args.refresh}.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = Scheduler(args.tracking_uri, refresh=args.refresh)
    out.note(f"scheduler {scheduler.token}: firing schedules until stopped (SIGTERM or Ctrl-C)")
    scheduler.run(stop)
    return 0
