"""``jupyter mlops host start | status | stop``: the local job host of this store."""

from __future__ import annotations

import argparse

from ..config import get_settings
from ..errors import MlopsError
from ..views import host_text
from .output import Output


def host_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("start", "status", "stop"),
        help="start it (if it is not running), show its slots and queue, or ask it to exit "
        "once its jobs are done",
    )


def cmd_host(args: argparse.Namespace, out: Output) -> int:
    from ..jobs.host import client, enabled

    settings = get_settings(args.tracking_uri, "local")
    if args.action == "start":
        if not enabled():
            raise MlopsError("JUPYTER_MLOPS_HOST is off: each local job runs in its own process.")
        status = client.start(settings)
        if status is None:
            raise MlopsError(
                "The job host could not start; its log is under "
                f"{settings.home / 'hosts'}. Local jobs still run, each in its own process."
            )
    elif args.action == "stop":
        status = client.stop(settings)
    else:
        status = client.status(settings)
    out.emit(status or {"running": False}, host_text(status, args.action))
    return 0
