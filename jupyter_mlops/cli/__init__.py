"""``jupyter mlops ...``: the command line over the same services as every other surface.

:mod:`.commands` is the table of commands; each handler parses nothing itself, calls a service
and renders through :mod:`jupyter_mlops.views`, as the ``%mlops`` magics do.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys

from ..errors import JobFailedError, MlopsError
from .commands import COMMANDS, build_parser
from .models import sync_spool_quietly
from .output import Output

__all__ = ["COMMANDS", "build_parser", "main"]


def quiet_mlflow() -> None:
    """Keep MLflow's progress bars and store-migration notices out of command output."""
    import logging
    import os

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # read when mlflow is imported
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, so that a reader gone away is seen while it can be handled
        return code
    except BrokenPipeError:
        # The output was piped to a reader that stopped early (`| head`): what it read is
        # all it wanted. Nothing more is written, and the exit flush must not fail either.
        if argv is None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command a pipe stopped
    finally:
        if argv is None:
            # This is the process's own command and it exits next: with MLflow loaded, the
            # shutdown's garbage collection of ~270k objects costs 0.6-0.7 s. Frozen objects are
            # skipped by it; atexit handlers, flushing and refcount cleanup still run.
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    quiet_mlflow()
    args.json = getattr(args, "json", False)
    args.tracking_uri = getattr(args, "tracking_uri", None)
    command = COMMANDS[args.command]
    out = Output(as_json=args.json)
    try:
        # Libraries print to stdout ("View run at ..."): keep stdout for our own output.
        with contextlib.redirect_stdout(sys.stderr):
            if not command.offline:
                sync_spool_quietly(out)
            return int(command.handler(args, out) or 0)
    except JobFailedError as exc:
        out.error(exc.message, exc.to_dict())
        return 1
    except MlopsError as exc:
        out.error(exc.message, exc.to_dict())
        return 2
    except KeyboardInterrupt:
        out.error("interrupted", {"error": "INTERRUPTED"})
        return 130
