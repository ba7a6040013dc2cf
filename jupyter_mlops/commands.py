"""What each ``jupyter mlops`` command does: parse, call a service, render."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from .errors import MlopsError, NotebookError


class Output:
    """Text for people, JSON with ``--json``; progress and errors go to stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.stdout = sys.stdout  # taken before the CLI sends library prints to stderr

    def emit(self, data: Any, text: str) -> None:
        if self.as_json:
            json.dump(data, self.stdout, indent=2, default=str)
            self.stdout.write("\n")
        else:
            self.stdout.write(text.rstrip("\n") + "\n")

    def note(self, text: str) -> None:
        sys.stderr.write(text + "\n")

    def error(self, message: str, data: dict[str, Any]) -> None:
        if self.as_json:
            json.dump(data, self.stdout, indent=2, default=str)
            self.stdout.write("\n")
        sys.stderr.write(f"error: {message}\n")


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def sync_spool_quietly(out: Output) -> None:
    """Push spooled registrations before any command, so nothing waits for a manual sync."""
    from .registry.spool import pending

    if not pending():
        return
    from .registry import sync

    result = sync()
    for item in result.pushed:
        out.note(f"synced spooled registration: {item['name']} version {item['version']}")


# -- jobs --------------------------------------------------------------------------------------
class _Progress:
    """One status line on stderr, redrawn in place on a terminal, printed on change otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, jobs: list[Any]) -> None:
        if not self.enabled:
            return
        done = sum(j.status in ("FINISHED", "FAILED", "KILLED") for j in jobs)
        cells = sum(j.cells_done for j in jobs)
        total = sum(j.cells_total for j in jobs)
        width = 24
        frac = (cells / total) if total else 0.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        line = f"[{bar}] runs {done}/{len(jobs)}  cells {cells}/{total or '?'}"
        if line == self.last:
            return
        self.last = line
        sys.stderr.write(("\r" + line) if self.tty else line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self.last:
            sys.stderr.write("\n")


def _job_row(job: Any) -> list[Any]:
    progress = f"{job.cells_done}/{job.cells_total}" if job.cells_total else ""
    duration = f"{job.duration_s:.1f}s" if job.duration_s is not None else ""
    kind = "sweep" if job.is_sweep else ("child" if job.parent_run_id else "run")
    return [
        job.run_id,
        job.status,
        kind,
        progress,
        duration,
        job.failure_reason or "",
        Path(job.notebook).name,
    ]


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    from .jobs.query import failure_message
    from .jobs.submit import submit
    from .run_options import job_request

    request = job_request(args, args.notebook, args.tracking_uri)
    if args.select and not request.is_sweep:
        raise MlopsError("--select needs --sweep.")
    submission = submit(request)
    parent = submission.run_id if request.is_sweep else None
    run_ids = submission.runs
    if parent:
        out.note(f"submitted sweep {parent} with {len(run_ids)} runs")
    else:
        out.note(f"submitted job {run_ids[0]}")
    if not args.wait:
        out.emit({"run_id": parent or run_ids[0], "runs": run_ids}, parent or run_ids[0])
        return 0
    progress = _Progress(enabled=not args.json)
    try:
        jobs = submission.wait(on_progress=progress)
    finally:
        progress.close()
    result: dict[str, Any] = {"run_id": parent or run_ids[0], "jobs": [j.to_dict() for j in jobs]}
    lines = [
        _table(
            [_job_row(j) for j in jobs],
            ["RUN", "STATUS", "KIND", "CELLS", "TIME", "REASON", "NOTEBOOK"],
        )
    ]
    failed = [j for j in jobs if j.status != "FINISHED"]
    lines += [failure_message(j) for j in failed]
    if parent and args.select and len(failed) < len(jobs):
        from .registry.best import register_best

        best, registration = register_best(
            parent, args.select, args.register, tracking_uri=args.tracking_uri
        )
        result["best"] = best.run_id
        lines.append(f"best run by {args.select}: {best.run_id}")
        if registration is not None:
            result["registration"] = registration.to_dict()
            lines.append(str(registration))
    out.emit(result, "\n".join(lines))
    return 1 if failed else 0


def cmd_jobs(args: argparse.Namespace, out: Output) -> int:
    from .jobs.query import list_jobs

    jobs = list_jobs(args.status, max_results=args.limit, tracking_uri=args.tracking_uri)
    text = (
        _table(
            [_job_row(j) for j in jobs],
            ["RUN", "STATUS", "KIND", "CELLS", "TIME", "REASON", "NOTEBOOK"],
        )
        if jobs
        else "no jobs"
    )
    out.emit([j.to_dict() for j in jobs], text)
    return 0


def cmd_cancel(args: argparse.Namespace, out: Output) -> int:
    from .jobs.cancel import cancel_job

    job = cancel_job(args.run_id, args.tracking_uri)
    out.emit(job.to_dict(), f"{job.run_id} {job.status}")
    return 0


# -- notebooks ---------------------------------------------------------------------------------
def cmd_card(args: argparse.Namespace, out: Output) -> int:
    from .card import apply_updates, card_json_schema, read_card, write_card

    if args.schema:
        out.emit(card_json_schema(), json.dumps(card_json_schema(), indent=2))
        return 0
    if not args.notebook:
        raise NotebookError("Give a notebook: jupyter mlops card NOTEBOOK [--set FIELD=VALUE]...")
    card = read_card(args.notebook)
    if args.set:
        card = write_card(args.notebook, apply_updates(card, args.set))
    if card is None:
        out.emit(None, f"{args.notebook} has no model card yet; add one with --set name=...")
        return 0
    data = card.model_dump(mode="json")
    text = "\n".join(
        f"{k:22} {json.dumps(v) if isinstance(v, list | dict) else v}" for k, v in data.items()
    )
    out.emit(data, text)
    return 0


def cmd_params(args: argparse.Namespace, out: Output) -> int:
    from .params import read_parameters

    contract = read_parameters(args.notebook)
    if not contract.has_cell:
        text = f"{args.notebook} has no cell tagged 'parameters': it runs with no parameters."
    else:
        text = _table(
            [[p.name, p.type, repr(p.default), p.help] for p in contract.parameters],
            ["NAME", "TYPE", "DEFAULT", "HELP"],
        )
    out.emit(contract.to_dict(), text)
    return 0


# -- registry ----------------------------------------------------------------------------------
def models_text(models: list[dict[str, Any]]) -> str:
    """The registered-models table shown by the CLI and the magics."""
    rows = [
        [
            m["name"],
            m["latest_version"],
            ",".join(f"{a}=v{v}" for a, v in m["aliases"].items()),
            m["owner"],
            m["risk_tier"],
            m["stage"],
        ]
        for m in models
    ]
    header = ["NAME", "LATEST", "ALIASES", "OWNER", "RISK", "STAGE"]
    return _table(rows, header) if models else "no registered models"


def cmd_models(args: argparse.Namespace, out: Output) -> int:
    from .registry import list_models

    models = list_models(args.tracking_uri)
    text = models_text(models)
    out.emit(models, text)
    return 0


def cmd_receipt(args: argparse.Namespace, out: Output) -> int:
    from .provenance import get_receipt, receipt_summary

    receipt = get_receipt(args.run_id, args.tracking_uri)
    shown = receipt_summary(receipt, " (see --json)")
    out.emit(receipt, json.dumps(shown, indent=2, default=str))
    return 0


def cmd_sync(args: argparse.Namespace, out: Output) -> int:
    from .registry import sync

    result = sync()
    lines = [f"pushed {p['name']} version {p['version']}" for p in result.pushed]
    lines += [f"still pending {p['name']}: {p['error']}" for p in result.still_pending]
    out.emit(
        {"pushed": result.pushed, "pending": result.still_pending},
        "\n".join(lines) or "spool is empty",
    )
    return 1 if result.still_pending else 0


def example_notebook() -> Path:
    """The example training notebook: shipped in the wheel, or in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "examples" / "train_classifier.ipynb",
        here.parent / "notebooks" / "train_classifier.ipynb",
    ):
        if candidate.is_file():
            return candidate
    raise NotebookError("The example notebook is missing from this installation; reinstall.")


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    from .config import get_settings

    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "train_classifier.ipynb"
    shutil.copy2(example_notebook(), notebook)
    settings = get_settings(args.tracking_uri)
    out.note(f"demo notebook: {notebook}\ntracking store: {settings.tracking_uri}")
    demo_args = argparse.Namespace(
        notebook=str(notebook),
        parameter=[],
        sweep=["C=0.05,1.0,20.0"],
        experiment="mlops-demo",
        timeout=600.0,
        kernel=None,
        executor=None,
        wait=True,
        select="max(accuracy)",
        register="",
        tracking_uri=args.tracking_uri,
        json=out.as_json,
    )
    code = cmd_run(demo_args, out)
    if not out.as_json:
        where = settings.artifact_root or "the tracking server's artifact store"
        out.note(
            f"artifacts: {where}\nsee them: mlflow ui --backend-store-uri "
            f"{settings.tracking_uri}\nlist models: jupyter mlops models"
        )
    return code


# -- reproducibility ---------------------------------------------------------------------------
def cmd_replay(args: argparse.Namespace, out: Output) -> int:
    from .reproduce.facts import describe_package_changes
    from .reproduce.replay import parse_tolerances, plan_replay, run_replay

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
    progress = _Progress(enabled=not args.json)
    try:
        result = run_replay(plan, on_progress=progress)
    finally:
        progress.close()
    out.emit(result.to_dict(), str(result))
    return 0 if result.reproduced else 1


def cmd_diff(args: argparse.Namespace, out: Output) -> int:
    from .reproduce.run_diff import diff

    result = diff(args.run_a, args.run_b, args.tracking_uri)
    out.emit(result.to_dict(), str(result))
    return 0
