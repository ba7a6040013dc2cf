"""``jupyter mlops schedule create | list | show | update | pause | resume | run-now | delete``
and ``jupyter mlops scheduler``, the service that fires them."""

from __future__ import annotations

import argparse

from ..run_options import add_schedule_actions, schedule_command
from .output import Output, global_options


def schedule_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_actions(parser, global_options())


def cmd_schedule(args: argparse.Namespace, out: Output) -> int:
    notebook = getattr(args, "notebook", None)  # create: the notebook; update: a new snapshot
    data, text = schedule_command(args, notebook, args.tracking_uri)
    out.emit(data, text)
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
