"""``jupyter mlops run | jobs | cancel | demo``."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from ..errors import MlopsError, NotebookError
from ..run_options import add_launch_options
from ..tracking.client import shown_uri
from ..views import finished_text, jobs_text, submitted_text
from .output import Output, Progress


def run_arguments(run: argparse.ArgumentParser) -> None:
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


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    from ..jobs.submit import submit
    from ..run_options import job_request

    request = job_request(args, args.notebook, args.tracking_uri)
    if args.select and not request.is_sweep:
        raise MlopsError("--select needs --sweep.")
    selector: str | None = args.select or request.optimize  # a study's best is by its objective
    submission = submit(request)
    run_id = submission.run_id
    out.note(submitted_text(submission, request.notebook))
    if not args.wait:
        out.emit({"run_id": run_id, "runs": submission.runs}, run_id)
        return 0
    progress = Progress(enabled=not args.json)
    try:
        jobs = submission.wait(on_progress=progress)
    finally:
        progress.close()
    result: dict[str, Any] = {"run_id": run_id, "jobs": [j.to_dict() for j in jobs]}
    lines = [finished_text(jobs)]
    failed = [j for j in jobs if j.status != "FINISHED"]
    if selector and request.is_sweep and len(failed) < len(jobs):
        from ..registry.best import register_best

        best, registration = register_best(
            run_id, selector, args.register, tracking_uri=args.tracking_uri
        )
        result["best"] = best.run_id
        lines.append(f"best run by {selector}: {best.run_id} {best.parameters}")
        if registration is not None:
            result["registration"] = registration.to_dict()
            lines.append(str(registration))
    out.emit(result, "\n".join(lines))
    return 1 if failed else 0


def jobs_arguments(jobs: argparse.ArgumentParser) -> None:
    jobs.add_argument("--status", help="SCHEDULED, RUNNING, FINISHED, FAILED or KILLED")
    jobs.add_argument("--limit", type=int, default=50)


def cmd_jobs(args: argparse.Namespace, out: Output) -> int:
    from ..jobs.query import list_jobs

    if args.limit < 1:
        raise MlopsError(f"--limit must be at least 1, got {args.limit}.")
    jobs = list_jobs(args.status, max_results=args.limit, tracking_uri=args.tracking_uri)
    out.emit([j.to_dict() for j in jobs], jobs_text(jobs))
    return 0


def cancel_arguments(cancel: argparse.ArgumentParser) -> None:
    cancel.add_argument("run_id")


def cmd_cancel(args: argparse.Namespace, out: Output) -> int:
    from ..jobs.cancel import cancel_job

    job = cancel_job(args.run_id, args.tracking_uri)
    out.emit(job.to_dict(), f"{job.run_id} {job.status}")
    return 0


def cmd_resume(args: argparse.Namespace, out: Output) -> int:
    from ..jobs.study.launch import resume_study

    job = resume_study(args.run_id, args.tracking_uri)
    out.note(f"study {job.run_id} resumed: a new driver continues from its recorded trials")
    if not args.wait:
        out.emit(job.to_dict(), f"{job.run_id} {job.status}")
        return 0
    from ..jobs.query import wait_for_job

    ended = wait_for_job(job.run_id, tracking_uri=args.tracking_uri, raise_on_failure=False)
    out.emit(ended.to_dict(), finished_text([ended]))
    return 0 if ended.status == "FINISHED" else 1


def resume_arguments(resume: argparse.ArgumentParser) -> None:
    resume.add_argument("run_id", help="the study's run id (what `run --optimize` printed)")
    resume.add_argument("--wait", action="store_true", help="wait for the study to end")


def example_notebook() -> Path:
    """The example training notebook: shipped in the wheel, or in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package / "examples" / "train_classifier.ipynb",
        package.parent / "notebooks" / "train_classifier.ipynb",
    ):
        if candidate.is_file():
            return candidate
    raise NotebookError("The example notebook is missing from this installation; reinstall.")


def demo_arguments(demo: argparse.ArgumentParser) -> None:
    demo.add_argument("--dir", default="mlops-demo", help="working folder (default: ./mlops-demo)")


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    from ..config import get_settings

    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "train_classifier.ipynb"
    shutil.copy2(example_notebook(), notebook)
    settings = get_settings(args.tracking_uri)
    out.note(f"demo notebook: {notebook}\ntracking store: {shown_uri(settings.tracking_uri)}")
    demo_run = argparse.ArgumentParser(add_help=False)
    run_arguments(demo_run)
    demo_args = demo_run.parse_args(
        [
            *(str(notebook), "--sweep", "C=0.05,1.0,20.0", "--experiment", "mlops-demo"),
            *("--timeout", "600", "--wait", "--select", "max(accuracy)", "--register"),
        ]
    )
    demo_args.tracking_uri = args.tracking_uri
    demo_args.json = out.as_json
    code = cmd_run(demo_args, out)
    if not out.as_json:
        where = settings.artifact_root or "the tracking server's artifact store"
        out.note(
            f"artifacts: {where}\nsee them: mlflow ui --backend-store-uri "
            f"{shown_uri(settings.tracking_uri)}\nlist models: jupyter mlops models"
        )
    return code
