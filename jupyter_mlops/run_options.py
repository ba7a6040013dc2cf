"""The options of a launch, shared by ``jupyter mlops run`` and ``%mlops run``.

Both surfaces take the same flags and turn them into the same keyword arguments of
:func:`~jupyter_mlops.submit_job` and :func:`~jupyter_mlops.submit_sweep`, so a flag added here
works in both.
"""

from __future__ import annotations

import argparse
from typing import Any

from .errors import InvalidParameterError

SWEEP_ONLY = ("sample", "seed", "max_concurrency", "fail_fast")


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


def launch_kwargs(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments of every launch, those only a sweep takes), from parsed options.

    Sweep-only options without ``--sweep`` are refused rather than ignored.
    """
    common: dict[str, Any] = dict(
        experiment=args.experiment,
        timeout=args.timeout,
        kernel_name=args.kernel,
        executor=args.executor,
        from_text=True,
        include=args.include or None,
        resources=args.resources,
    )
    scale = {name: getattr(args, name) for name in SWEEP_ONLY}
    if not args.sweep and any(scale.values()):
        raise InvalidParameterError(
            "--sample, --seed, --max-concurrency and --fail-fast need --sweep."
        )
    return common, scale
