"""Helpers shared by the benchmark scripts: isolated folders, timing statistics, reports.

Every script prints a human-readable table and one ``BENCH-RESULT {json}`` line that
``run_all.py`` reads to build its summary. Numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Variables that would point a benchmark at some other store or run.
_FOREIGN_ENV = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
    "MLFLOW_RUN_ID",
    "MLFLOW_EXPERIMENT_ID",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_ARTIFACT_ROOT",
    "JUPYTER_MLOPS_RUN_ID",
    "JUPYTER_MLOPS_NOTEBOOK",
    "JUPYTER_MLOPS_EXECUTOR",
)

RESULT_PREFIX = "BENCH-RESULT "


def parse_args(description: str, default_n: int = 5, extra: Callable[[Any], None] | None = None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-n", "--repeat", type=int, default=default_n, help="measured repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    if extra:
        extra(parser)
    return parser.parse_args()


@contextlib.contextmanager
def bench_folder(name: str, keep: bool = False) -> Iterator[Path]:
    """A fresh folder holding the working directory and JUPYTER_MLOPS_HOME, embedded store."""
    folder = Path(tempfile.mkdtemp(prefix=f"jm-bench-{name}-")).resolve()
    home = folder / "home"
    work = folder / "work"
    home.mkdir()
    work.mkdir()
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    for var in _FOREIGN_ENV:
        os.environ.pop(var, None)
    os.environ["JUPYTER_MLOPS_HOME"] = str(home)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.chdir(work)
    try:
        yield work
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        if keep:
            print(f"(kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def write_notebook(path: Path, body: str, params: str) -> None:
    """A notebook of a ``parameters`` cell and one code cell, on the ``python3`` kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def fmt_s(seconds: float) -> str:
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.3f} s"


def print_table(title: str, rows: list[tuple[str, list[float]]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    print(f"  {'measurement'.ljust(width)}  {'median':>10}  {'min':>10}  {'max':>10}  n")
    for label, samples in rows:
        s = summary(samples)
        print(
            f"  {label.ljust(width)}  {fmt_s(s['median']):>10}  {fmt_s(s['min']):>10}  "
            f"{fmt_s(s['max']):>10}  {s['n']}"
        )


def report(
    bench: str,
    case: str,
    ours: tuple[str, list[float]],
    baseline: tuple[str, list[float]],
    target: str,
    met: bool | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Print ours vs baseline, the ratio and the target; emit the machine-readable line."""
    o, b = summary(ours[1]), summary(baseline[1])
    ratio = o["median"] / b["median"] if b["median"] else float("nan")
    verdict = "n/a (reported only)" if met is None else ("MET" if met else "MISSED")
    print(f"  ratio ours/baseline (medians): {ratio:.3f}x   target: {target}   -> {verdict}")
    result = {
        "bench": bench,
        "case": case,
        "ours_label": ours[0],
        "ours": o,
        "baseline_label": baseline[0],
        "baseline": b,
        "ratio": ratio,
        "target": target,
        "met": met,
        **(extra or {}),
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def header(text: str) -> None:
    print("=" * len(text))
    print(text)
    print("=" * len(text))
    print(f"python {sys.version.split()[0]}  cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}")
