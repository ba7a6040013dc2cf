"""``jupyter mlops ...``: the command line over the same services as every other surface."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys

from . import governance_cli
from .errors import JobFailedError, MlopsError
from .run_options import add_launch_options


def _parser() -> argparse.ArgumentParser:
    # Global options work before or after the command; SUPPRESS keeps whichever was given.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    common.add_argument(
        "--tracking-uri",
        default=argparse.SUPPRESS,
        help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or ./mlflow.db)",
    )
    parser = argparse.ArgumentParser(
        prog="jupyter mlops",
        description="Describe notebooks as models, run them as MLflow runs, register the results.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(parents=[common], name="run", help="submit a run or a sweep of a notebook")
    run.add_argument("notebook")
    add_launch_options(run)
    run.add_argument(
        "--select", metavar="max(METRIC)", help="with a sweep and --wait: pick the best run"
    )
    run.add_argument(
        "--register",
        metavar="NAME",
        nargs="?",
        const="",
        help="with --select: register the best run's logged model",
    )

    jobs = sub.add_parser(parents=[common], name="jobs", help="list jobs")
    jobs.add_argument("--status", help="SCHEDULED, RUNNING, FINISHED, FAILED or KILLED")
    jobs.add_argument("--limit", type=int, default=50)
    cancel = sub.add_parser(parents=[common], name="cancel", help="cancel a job")
    cancel.add_argument("run_id")

    card = sub.add_parser(
        parents=[common], name="card", help="show or edit a notebook's model card"
    )
    card.add_argument("notebook", nargs="?")
    card.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    card.add_argument("--schema", action="store_true", help="print the card's JSON Schema")

    params = sub.add_parser(
        parents=[common], name="params", help="show a notebook's parameters contract"
    )
    params.add_argument("notebook")

    sub.add_parser(parents=[common], name="models", help="list registered models")
    receipt = sub.add_parser(
        parents=[common], name="receipt", help="show a run's provenance receipt"
    )
    receipt.add_argument("run_id")
    sub.add_parser(parents=[common], name="sync", help="push spooled registrations to MLflow")

    replay = sub.add_parser(
        parents=[common],
        name="replay",
        help="re-run a run from its notebook snapshot and check it reproduces (exit 1 if not)",
    )
    replay.add_argument("run_id")
    replay.add_argument("--executor", help="executor name (default: local)")
    replay.add_argument(
        "--tolerance",
        action="append",
        default=[],
        metavar="METRIC=ABS",
        help="allowed absolute difference of a metric (repeatable; default: exact)",
    )
    replay.add_argument(
        "--allow-changed-data",
        action="store_true",
        help="replay even if input files changed since the run (recorded on the replay run)",
    )
    diff = sub.add_parser(
        parents=[common],
        name="diff",
        help="what differs between two runs: notebook, parameters, card, inputs, environment...",
    )
    diff.add_argument("run_a")
    diff.add_argument("run_b")

    demo = sub.add_parser(
        parents=[common],
        name="demo",
        help="run the example notebook as a sweep and register the best",
    )
    demo.add_argument("--dir", default="mlops-demo", help="working folder (default: ./mlops-demo)")
    governance_cli.add_parsers(sub, common)
    return parser


def quiet_mlflow() -> None:
    """Keep MLflow's progress bars and store-migration notices out of command output."""
    import logging
    import os

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # read when mlflow is imported
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        if argv is None:
            # This is the process's own command and it exits next: with MLflow loaded, the
            # shutdown's garbage collection of ~270k objects costs 0.6-0.7 s. Frozen objects are
            # skipped by it; atexit handlers, flushing and refcount cleanup still run.
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    quiet_mlflow()
    args.json = getattr(args, "json", False)
    args.tracking_uri = getattr(args, "tracking_uri", None)
    from . import commands

    out = commands.Output(as_json=args.json)
    try:
        # Libraries print to stdout ("View run at ..."): keep stdout for our own output.
        with contextlib.redirect_stdout(sys.stderr):
            if args.command not in ("card", "params", "sync", *governance_cli.OFFLINE):
                commands.sync_spool_quietly(out)
            handler = getattr(commands, f"cmd_{args.command}", None)
            handler = handler or getattr(governance_cli, f"cmd_{args.command}")
            return int(handler(args, out) or 0)
    except JobFailedError as exc:
        out.error(exc.message, exc.to_dict())
        return 1
    except MlopsError as exc:
        out.error(exc.message, exc.to_dict())
        return 2
    except KeyboardInterrupt:
        out.error("interrupted", {"error": "INTERRUPTED"})
        return 130


if __name__ == "__main__":
    sys.exit(main())
