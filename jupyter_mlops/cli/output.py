"""Where a command's output goes: text for people, JSON with ``--json``; notes to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


class Output:
    """Results to stdout, as text or as JSON; progress, notes and errors to stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.stdout = sys.stdout  # taken before the CLI sends library prints to stderr

    def emit(self, data: Any, text: str) -> None:
        if self.as_json:
            json.dump(data, self.stdout, indent=2, default=str)
            self.stdout.write("\n")
        else:
            self.stdout.write(text.rstrip("\n") + "\n")

    def write(self, text: str) -> None:
        """Text that is the result itself (a report, a CSV), in either mode."""
        self.stdout.write(text.rstrip("\n") + "\n")

    def note(self, text: str) -> None:
        sys.stderr.write(text + "\n")

    def error(self, message: str, data: dict[str, Any]) -> None:
        if self.as_json:
            json.dump(data, self.stdout, indent=2, default=str)
            self.stdout.write("\n")
        sys.stderr.write(f"error: {message}\n")


class Progress:
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


def global_options() -> argparse.ArgumentParser:
    """``--json`` and ``--tracking-uri``, a parent of every (sub)command's parser.

    They work before or after the command; SUPPRESS keeps whichever was given.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    common.add_argument(
        "--tracking-uri",
        default=argparse.SUPPRESS,
        help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or ./mlflow.db)",
    )
    return common
