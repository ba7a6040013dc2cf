"""pytest plugin: run notebooks as jupyter-mlops jobs in CI.

``pytest --mlops-run notebooks/`` collects every ``.ipynb`` and runs it as a job (a real
kernel, an MLflow run with the executed notebook and receipt); a failure reports the failing
cell. ``-p NAME=VALUE`` style parameters come from ``--mlops-param``. The ``mlops_run_notebook``
fixture does the same from a test. Importing this plugin is cheap: nothing heavy loads unless used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jupyter-mlops")
    group.addoption(
        "--mlops-run",
        action="store_true",
        default=False,
        help="run collected .ipynb files as jupyter-mlops jobs",
    )
    group.addoption(
        "--mlops-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="parameter for every notebook run with --mlops-run (repeatable)",
    )
    group.addoption(
        "--mlops-timeout",
        type=float,
        default=900.0,
        help="per-notebook job timeout in seconds (default 900)",
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if (
        parent.config.getoption("--mlops-run")
        and file_path.suffix == ".ipynb"
        and ".ipynb_checkpoints" not in file_path.parts
    ):
        return NotebookFile.from_parent(parent, path=file_path)
    return None


class NotebookFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [NotebookJob.from_parent(self, name="job")]


class NotebookJob(pytest.Item):
    def runtest(self) -> None:
        from .params import read_parameters, validate

        raw = dict(item.split("=", 1) for item in self.config.getoption("--mlops-param"))
        declared = read_parameters(str(self.path)).by_name()
        values = validate(
            read_parameters(str(self.path)),
            {k: v for k, v in raw.items() if k in declared},
            from_text=True,
        )
        self.user_properties.append(
            (
                "mlops_run_id",
                run_notebook(
                    self.path, values, timeout=self.config.getoption("--mlops-timeout")
                ).run_id,
            )
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from .errors import MlopsError

        if isinstance(excinfo.value, MlopsError):
            return f"{self.path.name}: {excinfo.value.message}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"notebook job: {self.path.name}"


def run_notebook(
    path: str | Path,
    parameters: dict[str, Any] | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """Run ``path`` as a job and wait; raises ``JobFailedError`` naming the failing cell."""
    from .jobs.submit import submit_job, wait_for_job

    run_id = submit_job(path, parameters or {}, timeout=timeout, **kwargs)
    return wait_for_job(run_id)


@pytest.fixture
def mlops_run_notebook() -> Any:
    """``mlops_run_notebook("train.ipynb", {"C": 0.5})`` -> the finished job's ``JobInfo``."""
    return run_notebook
