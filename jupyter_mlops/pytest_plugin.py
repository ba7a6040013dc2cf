"""pytest plugin: run notebooks as jupyter-mlops jobs in CI.

``pytest --mlops-run notebooks/`` collects every ``.ipynb`` and runs it as a job (a real
kernel, an MLflow run with the executed notebook and receipt) with the ``smoke_parameters`` of
its card, overridden by ``--mlops-param NAME=VALUE``. A failure reports the failing cell. When
the card names a registered model with a ``champion``, the run's metrics are checked against the
champion's by the card's alert rules (threshold, or drop beyond ``max_drop_pct``, else the
policy's ``decay_pct``): a regression fails the test, and a rule's metric that the run did not
log fails it too. The ``mlops_run_notebook`` fixture runs a notebook from a test. Importing this
plugin is cheap: nothing heavy loads unless used.
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
        from .card import read_card
        from .params import read_parameters, validate

        card = read_card(self.path)
        contract = read_parameters(str(self.path))
        declared = contract.by_name()
        raw = dict(item.split("=", 1) for item in self.config.getoption("--mlops-param"))
        smoke = validate(contract, dict(card.smoke_parameters) if card else {})
        values = {
            **smoke,
            **validate(contract, {k: v for k, v in raw.items() if k in declared}, from_text=True),
        }
        job = run_notebook(self.path, values, timeout=self.config.getoption("--mlops-timeout"))
        self.user_properties.append(("mlops_run_id", job.run_id))
        if card is not None and card.name and card.alerts:
            verdict = check_against_champion(job.run_id, card.name, card.alerts)
            self.user_properties.append(("mlops_champion_check", verdict))

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
    from .jobs.query import wait_for_job
    from .jobs.submit import submit_job

    run_id = submit_job(path, parameters or {}, timeout=timeout, **kwargs)
    return wait_for_job(run_id)


def check_against_champion(run_id: str, name: str, rules: list[Any]) -> str:
    """Raise :class:`MetricRegressionError` when the run breaks a rule vs the champion.

    Returns what was compared, for the test report.
    """
    from .config import get_settings
    from .errors import MetricRegressionError
    from .governance.alerts import broken_rules
    from .governance.policy import load_policy
    from .tracking import get_client

    client = get_client(get_settings().tracking_uri)
    metrics = dict(client.get_run(run_id).data.metrics)
    missing = sorted({r.metric for r in rules} - set(metrics))
    if missing:
        raise MetricRegressionError(
            f"run {run_id} logged no {', '.join(missing)}, which the card's alert rules check; "
            "log it in the notebook (mlflow.log_metric) or drop the rule."
        )
    from mlflow.exceptions import MlflowException

    try:
        champion = client.get_model_version_by_alias(name, "champion")
    except MlflowException:
        champion = None
    base = (
        dict(client.get_run(champion.run_id).data.metrics) if champion and champion.run_id else {}
    )
    fired = broken_rules(rules, metrics, base, load_policy().decay_pct)
    if fired:
        where = f"champion {name} v{champion.version}" if champion else "the thresholds"
        raise MetricRegressionError(f"run {run_id} regressed against {where}: " + "; ".join(fired))
    if champion is None:
        return f"no champion of {name}: thresholds only"
    return f"no regression vs champion {name} v{champion.version}"


@pytest.fixture
def mlops_run_notebook() -> Any:
    """``mlops_run_notebook("train.ipynb", {"C": 0.5})`` -> the finished job's ``JobInfo``."""
    return run_notebook
