"""``jupyter mlops schedule create | list | show | update | pause | resume | run-now | delete``
and ``jupyter mlops scheduler``, the service that fires them."""

from __future__ import annotations

import argparse
import os

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
    parser.add_argument(
        "--poll",
        type=float,
        default=10.0,
        help="seconds between looks at what trigger schedules watch (default 10)",
    )
    parser.add_argument(
        "--webhook-port",
        type=int,
        help="also receive MLflow's registry webhooks on this port, signed with the secret "
        "in $JUPYTER_MLOPS_WEBHOOK_SECRET: a new version then fires its triggers at once",
    )
    parser.add_argument(
        "--webhook-host",
        default="127.0.0.1",
        help="the address the webhook receiver binds (default 127.0.0.1)",
    )


def cmd_scheduler(args: argparse.Namespace, out: Output) -> int:
    import logging
    import signal
    import threading

    from ..errors import InvalidRequestError
    from ..schedules.scheduler import Scheduler

    for option in ("refresh", "poll"):
        if not getattr(args, option) > 0:
            raise InvalidRequestError(
                f"--{option} must be a positive number, got {getattr(args, option)}."
            )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = Scheduler(args.tracking_uri, refresh=args.refresh, poll=args.poll)
    receiver = None
    if args.webhook_port is not None:
        from ..schedules.webhook import SECRET_ENV, WebhookReceiver

        secret = os.environ.get(SECRET_ENV, "")
        receiver = WebhookReceiver(scheduler.wake, secret, args.webhook_host, args.webhook_port)
        out.note(f"receiving MLflow webhooks on {receiver.url}")
        receiver.start()
    out.note(f"scheduler {scheduler.token}: firing schedules until stopped (SIGTERM or Ctrl-C)")
    try:
        scheduler.run(stop)
    finally:
        if receiver is not None:
            receiver.stop()
    return 0
