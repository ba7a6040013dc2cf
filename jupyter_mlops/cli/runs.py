"""``jupyter mlops receipt | replay | diff``: what a run was, and whether it reproduces."""

from __future__ import annotations

import argparse

from ..views import receipt_text
from .output import Output, Progress


def run_id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id")


def cmd_receipt(args: argparse.Namespace, out: Output) -> int:
    from ..provenance import get_receipt

    receipt = get_receipt(args.run_id, args.tracking_uri)
    out.emit(receipt, receipt_text(receipt, " (see --json)"))
    return 0


def replay_arguments(replay: argparse.ArgumentParser) -> None:
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


def cmd_replay(args: argparse.Namespace, out: Output) -> int:
    from ..reproduce.facts import describe_package_changes
    from ..reproduce.replay import parse_tolerances, plan_replay, run_replay

    plan = plan_replay(
        args.run_id,
        args.executor,
        parse_tolerances(args.tolerance),
        args.allow_changed_data,
        args.tracking_uri,
    )
    python = plan.environment["python"]
    if python["a"] != python["b"]:
        out.note(f"environment: python {python['a']} -> {python['b']}")
    for line in describe_package_changes(plan.environment):
        out.note(f"environment: {line}")
    for change in plan.changed_inputs:
        out.note(
            f"input {change['path']} {change['status']}: sha256 {change['old_sha256']} -> "
            f"{change['new_sha256']} (allowed by --allow-changed-data)"
        )
    progress = Progress(enabled=not args.json)
    try:
        result = run_replay(plan, on_progress=progress)
    finally:
        progress.close()
    out.emit(result.to_dict(), str(result))
    return 0 if result.reproduced else 1


def diff_arguments(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("run_a")
    diff.add_argument("run_b")


def cmd_diff(args: argparse.Namespace, out: Output) -> int:
    from ..reproduce.run_diff import diff

    result = diff(args.run_a, args.run_b, args.tracking_uri)
    out.emit(result.to_dict(), str(result))
    return 0
