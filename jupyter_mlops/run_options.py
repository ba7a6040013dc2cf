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

    Sweep-only options without ``--sweep`` are refused rather than ignored. An option
    missing from ``args`` (a namespace built by code, as ``jupyter mlops demo`` does) takes its
    default.
    """
    common: dict[str, Any] = dict(
        experiment=getattr(args, "experiment", None),
        timeout=getattr(args, "timeout", None),
        kernel_name=getattr(args, "kernel", None),
        executor=getattr(args, "executor", None),
        from_text=True,
        include=getattr(args, "include", None) or None,
        resources=getattr(args, "resources", None),
    )
    scale = {name: getattr(args, name, None) for name in SWEEP_ONLY}
    scale["fail_fast"] = bool(scale["fail_fast"])
    if not getattr(args, "sweep", None) and any(scale.values()):
        raise InvalidParameterError(
            "--sample, --seed, --max-concurrency and --fail-fast need --sweep."
        )
    return common, scale
