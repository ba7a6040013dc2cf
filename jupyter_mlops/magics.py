"""The ``%mlops`` magics: parse a line, call the same services as every other surface, print."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from .errors import MlopsError, NotebookError
from .run_options import add_launch_options, add_schedule_actions
from .views import (
    card_text,
    finished_text,
    jobs_text,
    models_text,
    params_text,
    receipt_text,
    submitted_text,
)


def say(text: object) -> None:
    """A magic's result, written to the cell's output."""
    print(text)  # noqa: T201 - the cell's output is where a magic answers


class _HelpShown(Exception):
    """``-h`` printed the help of a subcommand; nothing else to do."""


class MlopsArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`UsageError` instead of exiting the kernel."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}. Usage: {self.format_usage().strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        if status:
            raise UsageError(message or f"{self.prog}: bad usage")
        raise _HelpShown


def build_parser() -> MlopsArgumentParser:
    """The one parser of every ``%mlops`` subcommand."""
    parser = MlopsArgumentParser(prog="%mlops", add_help=False)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=MlopsArgumentParser)

    def notebook_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--notebook", help="the notebook, when the kernel cannot tell")

    card = sub.add_parser("card", help="show the card editor, or set card fields")
    card.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    notebook_option(card)
    notebook_option(sub.add_parser("params", help="the typed parameters contract"))

    run = sub.add_parser("run", help="launch the saved notebook as a job or a sweep")
    add_launch_options(run)
    notebook_option(run)

    schedule = sub.add_parser("schedule", help="run this notebook on a cron schedule; list...")
    add_schedule_actions(schedule, notebook_positional=False)

    jobs = sub.add_parser("jobs", help="list jobs")
    jobs.add_argument("--status", help="SCHEDULED, RUNNING, FINISHED, FAILED or KILLED")
    jobs.add_argument("--limit", type=int, default=50)

    sub.add_parser("cancel", help="cancel a job").add_argument("run_id", metavar="RUN_ID")

    register = sub.add_parser("register", help="register the model held in a variable")
    register.add_argument("variable", metavar="VAR")
    register.add_argument("--name")
    register.add_argument("--alias")
    register.add_argument("--input-example", metavar="VAR")
    notebook_option(register)

    promote = sub.add_parser("promote", help="point an alias at a model version")
    promote.add_argument("name", metavar="NAME")
    promote.add_argument("version", metavar="VERSION")
    promote.add_argument("--to", required=True, metavar="ALIAS", dest="alias")
    promote.add_argument("--approver", metavar="WHO", help="who approved the move")
    promote.add_argument("--reason", metavar="TEXT", help="why, for the audit trail")

    sub.add_parser("models", help="list registered models")
    sub.add_parser("receipt", help="a run's provenance receipt").add_argument(
        "run_id", metavar="RUN_ID"
    )

    track = sub.add_parser("track", help="(cell magic) run the cell in a tracked MLflow run")
    track.add_argument("--name", help="run name")
    track.add_argument("--experiment")
    track.add_argument("--no-autolog", action="store_true", help="leave MLflow autologging off")
    notebook_option(track)
    return parser


@magics_class
class MlopsMagics(Magics):
    """jupyter-mlops in the notebook.

    Line magic::

      %mlops card [--set FIELD=VALUE]...       card editor, or set card fields
      %mlops params                            the typed parameters contract
      %mlops run [-p NAME VALUE]... [--sweep NAME=V1,V2]... [--executor NAME]
                 [--experiment NAME] [--timeout SECONDS] [--wait]
                                               launch the saved notebook as a job or sweep
      %mlops schedule create --cron "0 6 * * 1-5" [--timezone TZ] [run options]
                                               run the saved notebook on a cron schedule
      %mlops schedule list | show | pause | resume | run-now | delete NAME
      %mlops jobs [--status STATUS] [--limit N]
      %mlops cancel RUN_ID
      %mlops register VAR [--name NAME] [--alias ALIAS] [--input-example VAR]
                                               register the model held in VAR
      %mlops promote NAME VERSION --to ALIAS [--approver WHO] [--reason TEXT]
                                               point ALIAS at a version, if the policy
                                               allows; the move is audited
      %mlops models                            registered models
      %mlops receipt RUN_ID                    a run's provenance receipt

    Cell magic::

      %%mlops track [--name NAME] [--experiment NAME] [--no-autolog]
                                               run the cell in a job-like MLflow run with
                                               autologging, logging the cell and a notebook
                                               snapshot

    ``card``, ``params``, ``run``, ``register`` and ``track`` find the notebook from
    Jupyter's session, VS Code, papermill or the job; add ``--notebook PATH`` when they
    cannot. ``%mlops SUBCOMMAND -h`` shows one subcommand's options.
    """

    parser = build_parser()

    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None) -> Any:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"%mlops: cannot split the line ({exc}).") from None
        if not words:
            raise UsageError("%mlops needs a subcommand: " + self._choices() + ". See %mlops?")
        try:
            args = self.parser.parse_args(words)
        except _HelpShown:
            return None
        if (cell is None) == (args.command == "track"):
            if cell is None:
                raise UsageError("track is a cell magic: put %%mlops track on a cell's first line.")
            raise UsageError(f"{args.command} is a line magic: use %mlops {args.command}.")
        handler: Callable[..., Any] = getattr(self, f"handle_{args.command}")
        try:
            return handler(args, cell) if cell is not None else handler(args)
        except MlopsError as exc:
            raise UsageError(exc.message) from None

    def _choices(self) -> str:
        return ", ".join(sorted(h[len("handle_") :] for h in dir(self) if h.startswith("handle_")))

    # -- helpers ----------------------------------------------------------------------------
    def _notebook(self, explicit: str | None) -> Path:
        from .notebook_path import find_notebook

        return find_notebook(explicit, self.shell.user_ns if self.shell else None)

    def _maybe_notebook(self, explicit: str | None) -> Path | None:
        """The notebook when one is found; an explicit path must exist."""
        try:
            return self._notebook(explicit)
        except NotebookError:
            if explicit:
                raise
            return None

    def _variable(self, name: str, option: str) -> Any:
        ns = self.shell.user_ns if self.shell else {}
        if name not in ns:
            raise UsageError(f"{option}: no variable {name!r} in the notebook; define it first.")
        return ns[name]

    # -- subcommands ------------------------------------------------------------------------
    def handle_card(self, args: argparse.Namespace) -> Any:
        from .card import apply_updates, read_card, write_card

        notebook = self._notebook(args.notebook)
        if not args.set:
            from .widgets import card_editor

            return card_editor(notebook=str(notebook))
        card = write_card(notebook, apply_updates(read_card(notebook), args.set))
        say(f"Saved the card to {notebook}; reload the notebook to see it in its metadata.")
        say(card_text(card))
        return None

    def handle_params(self, args: argparse.Namespace) -> None:
        from .params import read_parameters

        notebook = self._notebook(args.notebook)
        say(params_text(read_parameters(str(notebook)), notebook.name))

    def handle_run(self, args: argparse.Namespace) -> None:
        from .jobs.submit import submit
        from .run_options import job_request

        notebook = self._notebook(args.notebook)
        submission = submit(job_request(args, notebook))
        say(submitted_text(submission, notebook))
        if not args.wait:
            say("Follow it with %mlops jobs, or jupyter_mlops.job_monitor().")
            return
        say(finished_text(submission.wait()))

    def handle_schedule(self, args: argparse.Namespace) -> None:
        from .run_options import schedule_command

        notebook = getattr(args, "notebook", None)
        if args.action == "create":
            notebook = self._notebook(notebook)
        say(schedule_command(args, notebook)[1])

    def handle_jobs(self, args: argparse.Namespace) -> None:
        from .jobs.query import list_jobs

        if args.limit < 1:
            raise UsageError(f"%mlops jobs: --limit must be at least 1, got {args.limit}.")
        say(jobs_text(list_jobs(args.status, max_results=args.limit)))

    def handle_cancel(self, args: argparse.Namespace) -> None:
        from .jobs.cancel import cancel_job

        job = cancel_job(args.run_id)
        say(f"{job.run_id} {job.status}")

    def handle_register(self, args: argparse.Namespace) -> Any:
        from .config import get_settings
        from .links import model_version_link
        from .registry import register

        model = self._variable(args.variable, "%mlops register VAR")
        example = None
        if args.input_example:
            example = self._variable(args.input_example, "--input-example")
        notebook = self._maybe_notebook(args.notebook)
        if args.name is None and notebook is None:
            raise UsageError(
                "%mlops register: no model name. Pass --name NAME, or --notebook PATH for a "
                "notebook whose card has a name."
            )
        registration = register(
            model,
            args.name,
            alias=args.alias,
            input_example=example,
            notebook=str(notebook) if notebook else None,
        )
        say(registration)
        if registration.version is not None:
            uri = get_settings().tracking_uri
            say(model_version_link(uri, registration.name, registration.version))
        return None

    def handle_promote(self, args: argparse.Namespace) -> None:
        from .governance.promotion import promote

        say(
            promote(args.name, args.version, args.alias, approver=args.approver, reason=args.reason)
        )

    def handle_models(self, args: argparse.Namespace) -> None:
        from .registry import list_models

        say(models_text(list_models()))

    def handle_receipt(self, args: argparse.Namespace) -> None:
        from .provenance import get_receipt

        say(receipt_text(get_receipt(args.run_id)))

    def handle_track(self, args: argparse.Namespace, cell: str) -> None:
        from .config import get_settings
        from .jobs.tracked import tracked_run
        from .links import run_link

        notebook = self._maybe_notebook(args.notebook)
        with tracked_run(
            cell,
            name=args.name,
            notebook=notebook,
            experiment=args.experiment,
            autolog=not args.no_autolog,
        ) as tracked:
            result = self.shell.run_cell(cell, store_history=False) if self.shell else None
            if result is not None and not result.success:
                tracked.error = result.error_in_exec or result.error_before_exec
        snapshot = (
            f" with a snapshot of {notebook.name}"
            if notebook
            else " without a notebook snapshot (add --notebook PATH for one)"
        )
        say(f"Tracked run {tracked.run_id}: {tracked.status}{snapshot}.")
        say(run_link(get_settings().tracking_uri, tracked.experiment_id, tracked.run_id))


# ``%mlops?`` shows the magic function's docstring: make it the class's.
MlopsMagics.mlops.__doc__ = MlopsMagics.__doc__
