"""How a job ended, read from what papermill raised; and small parts of running one."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import spec


@dataclass
class Outcome:
    status: str = "FINISHED"
    reason: str | None = None
    cell_index: int | None = None
    ename: str | None = None
    evalue: str | None = None
    cell_label: str | None = None
    """The failing cell as the user knows it: ``In [3]``, or its first line if it never ran."""

    def tags(self) -> dict[str, Any]:
        fields = {
            spec.REASON: self.reason,
            spec.FAILED_CELL: self.cell_index,
            spec.FAILED_CELL_LABEL: self.cell_label,
            spec.ENAME: self.ename,
            spec.EVALUE: (self.evalue or "")[:4000] if self.evalue is not None else None,
        }
        return {k: v for k, v in fields.items() if v is not None}


def failure_outcome(
    exc: BaseException,
    kill_reason: str | None,
    timeout: Any,
    current_cell: int | None,
    executed: str | None = None,
) -> Outcome:
    """The outcome of a job whose notebook raised ``exc``, with papermill's facts: the cell,
    the exception's name and value. ``executed`` is the executed notebook, read when papermill
    has no value to give (an IPython ``UsageError`` is only written to the cell's stderr)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if kill_reason == "cancelled":
        return Outcome("KILLED", "cancelled")
    if kill_reason == "timeout":
        return Outcome("FAILED", "timeout", evalue=f"job timeout of {timeout} s")
    if isinstance(exc, PapermillExecutionError):
        ename, evalue = exc.ename, exc.evalue
        if not (evalue or "").strip() and executed:
            ename, evalue = _stderr_error(executed) or (ename, evalue)
        label = cell_label(exc.exec_count, exc.source)
        return Outcome("FAILED", "cell error", exc.cell_index, ename, evalue, label)
    if isinstance(exc, CellTimeoutError):  # a job's own timeout is kill_reason, above
        return Outcome(
            "FAILED",
            "cell error",
            current_cell,
            type(exc).__name__,
            f"{exc} (papermill waits only so long for a cell's output: the cell printed more, "
            "or faster, than the kernel could send; print less, or write it to a file).",
        )
    if isinstance(exc, DeadKernelError):
        return Outcome("FAILED", "kernel died", current_cell, "DeadKernelError", str(exc))
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return Outcome("KILLED", "cancelled")
    return Outcome("FAILED", "internal error", ename=type(exc).__name__, evalue=str(exc))


class Background(threading.Thread):
    """``fn(*args)`` in a thread; :meth:`result` joins and re-raises what it raised."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(name="mlops-background", daemon=True)
        self._call = (fn, args)
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        fn, args = self._call
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result() in the caller
            self._error = exc

    def wait(self) -> None:
        self.join()

    def result(self) -> None:
        self.join()
        if self._error is not None:
            raise self._error


def cell_label(exec_count: int | None, source: str | None) -> str | None:
    """``In [3]``, as Jupyter and papermill name an executed cell; else its first line."""
    if exec_count:
        return f"In [{exec_count}]"
    first = next((line.strip() for line in (source or "").splitlines() if line.strip()), "")
    return f"the cell starting {first[:60]!r}" if first else None


_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.+)$")


def _stderr_error(executed: str) -> tuple[str, str] | None:
    """The last ``SomeError: message`` line the failing cell (the one papermill marks with
    ``metadata.papermill.exception``) wrote to stderr, as (name, value)."""
    try:
        with open(executed, encoding="utf-8") as handle:
            cells = json.load(handle)["cells"]
        cell = next(c for c in cells if c["metadata"].get("papermill", {}).get("exception"))
    except (OSError, ValueError, LookupError, TypeError, AttributeError, StopIteration):
        return None
    lines: list[str] = []
    for output in cell.get("outputs") or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            lines += ("".join(text) if isinstance(text, list) else str(text)).splitlines()
    for line in reversed(lines):
        if found := _ERROR_LINE.match(line.strip()):
            return found.group(1), found.group(2)
    return None


def notebook_kernel(path: str) -> str | None:
    """The kernel named by a notebook's kernelspec, as papermill reads it; None if none."""
    try:
        with open(path, encoding="utf-8") as handle:
            name = (json.load(handle).get("metadata", {}).get("kernelspec") or {}).get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None
