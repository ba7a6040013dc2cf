"""Notebooks nobody on this team wrote, found or fetched at test time, for tests/test_corpus.py:
papermill's own test notebooks (installed with its wheel) and the examples in the source
distributions of statsmodels and scikit-learn (fetched from PyPI with pip, cached)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

PAPERMILL_NOTEBOOKS = Path(papermill.__file__).parent / "tests" / "notebooks"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jupyter-mlops-corpus"

# pip prepares an sdist's metadata before it saves the file, and both sdists build with
# meson-python, which has no metadata hook: pip would compile the whole project (minutes).
# This stand-in backend, seen by pip only, hands pip the metadata the sdist already carries.
_BACKEND = """
import os, shutil
from email.parser import Parser

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    with open("PKG-INFO", encoding="utf-8") as fh:
        info = Parser().parse(fh)
    name = info["Name"].replace("-", "_") + "-" + info["Version"] + ".dist-info"
    os.makedirs(os.path.join(metadata_directory, name))
    shutil.copy("PKG-INFO", os.path.join(metadata_directory, name, "METADATA"))
    return name

def build_wheel(*args, **kwargs):
    raise RuntimeError("this stand-in backend only reads metadata")
"""
_OFFLINE = re.compile(
    r"NewConnectionError|Max retries|Network is unreachable|Name or service not known|"
    r"Temporary failure in name resolution|ConnectTimeout|ProxyError|No matching distribution"
)


def papermill_notebook(name: str, dest: Path) -> Path:
    """A copy at ``dest`` of papermill's test notebook ``name``; the test skips without them."""
    if not PAPERMILL_NOTEBOOKS.is_dir():
        pytest.skip(f"papermill {papermill.__version__} came without tests/notebooks/ in its wheel")
    return Path(shutil.copyfile(PAPERMILL_NOTEBOOKS / name, dest))


def papermill_reference(
    src: Path, out: Path, parameters: dict[str, Any] | None = None
) -> tuple[PapermillExecutionError | None, nbformat.NotebookNode]:
    """Bare papermill on ``src`` (kernel python3): what it raised, if anything, and its output."""
    raised = None
    try:
        papermill.execute_notebook(
            str(src), str(out), parameters=parameters, kernel_name="python3", progress_bar=False
        )
    except PapermillExecutionError as exc:
        raised = exc
    return raised, nbformat.read(out, as_version=4)


def cells_run(nb: nbformat.NotebookNode) -> list[tuple[str, Any, Any, str]]:
    """Each cell's type, execution count, papermill's status for it (``completed``, ``failed``,
    ``pending``) and what it printed to stdout (or the error it raised)."""

    def said(cell: Any) -> str:
        outputs = cell.get("outputs") or []
        text = [o.get("text", "") for o in outputs if o.get("name") == "stdout"]
        return "".join(text) + "".join(o.ename for o in outputs if o.output_type == "error")

    return [
        (
            c.cell_type,
            c.get("execution_count"),
            c.metadata.get("papermill", {}).get("status"),
            said(c),
        )
        for c in nb.cells
    ]


def stderr_of(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")


def stored_notebook(run_id: str, name: str) -> nbformat.NotebookNode:
    """The executed notebook the job kept on its run, under ``output/``."""
    from jupyter_mlops.config import get_settings
    from jupyter_mlops.tracking import read_artifact_text

    text = read_artifact_text(get_settings().tracking_uri, run_id, f"output/{name}")
    return nbformat.reads(text, as_version=4)


def sdist(project: str, version: str) -> Path:
    """``project==version``'s source distribution, fetched once with pip into ``CACHE``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = f"{re.sub(r'[-_.]+', '_', project).lower()}-{version}"
    cached = CACHE / f"{stem}.tar.gz"
    if cached.exists():
        return cached
    with tempfile.TemporaryDirectory() as tmp:
        backend = Path(tmp, "backend")
        backend.mkdir()
        (backend / "mesonpy.py").write_text(_BACKEND)
        pip = [sys.executable, "-m", "pip", "download", "--timeout", "60", "--retries", "2"]
        only_this = ["--no-deps", "--no-binary", project, "--no-build-isolation", "-q"]
        try:
            proc = subprocess.run(
                [*pip, *only_this, "-d", str(Path(tmp, "got")), f"{project}=={version}"],
                capture_output=True,
                text=True,
                timeout=600,
                env=dict(os.environ, PYTHONPATH=str(backend)),
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"PyPI did not answer within 600 s when fetching the {project} sdist")
        got = sorted(Path(tmp, "got").glob("*.tar.gz"))
        if proc.returncode != 0 or not got:
            said = (proc.stdout + proc.stderr).strip()
            if _OFFLINE.search(said):
                pytest.skip(f"PyPI cannot be reached to fetch the {project} sdist: {said[-300:]}")
            pytest.fail(f"pip download of the {project}=={version} sdist failed:\n{said[-2000:]}")
        partial = CACHE / f".{stem}.{os.getpid()}.part"
        shutil.copyfile(got[0], partial)
        partial.replace(cached)  # atomic: a parallel session sees all of it or none
    return cached


def notebook_from_script(source: str) -> nbformat.NotebookNode:
    """A sphinx-gallery example script as a notebook: one code cell per ``# %%`` block."""
    blocks = re.split(r"^# %%.*$", source, flags=re.M)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(b.strip()) for b in blocks if b.strip()]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def append_cell(nb: nbformat.NotebookNode, source: str) -> None:
    cell = nbformat.v4.new_code_cell(source)
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        cell.pop("id", None)  # cell ids came with nbformat 4.5
    nb.cells.append(cell)
