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
