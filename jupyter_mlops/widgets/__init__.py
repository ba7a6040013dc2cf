"""ipywidgets over the jupyter-mlops services: card editor, launcher, jobs, models, compare.

Each widget exposes ``on_<event>`` callbacks and programmatic triggers (``save()``,
``submit()``, ``refresh()``, ``cancel()``), so it works, and is tested, without a browser.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .card_form import CardEditor
    from .jobs_table import JobsTable
    from .launch_form import Launcher
    from .models_table import ModelsTable
    from .sweep_compare import SweepComparison


def _notebook(notebook: str | os.PathLike[str] | None) -> str:
    from ..notebook_path import find_notebook

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - ipywidgets needs IPython
        shell = None
    return str(find_notebook(notebook, shell.user_ns if shell else None))


def card_editor(notebook: str | os.PathLike[str] | None = None) -> CardEditor:
    """A form over the notebook's model card, validated as you type; ``save()`` stores it."""
    from .card_form import CardEditor

    return CardEditor(_notebook(notebook))


def launcher(
    notebook: str | os.PathLike[str] | None = None, executor: str | None = None
) -> Launcher:
    """A form from the notebook's parameters with a sweep builder; ``submit()`` launches."""
    from .launch_form import Launcher

    return Launcher(_notebook(notebook), executor)


def job_monitor(status: str = "", limit: int = 50, live: bool = True) -> JobsTable:
    """A live table of jobs with Cancel buttons."""
    from .jobs_table import JobsTable

    return JobsTable(status, limit, live)


def models() -> ModelsTable:
    """The registered-model inventory with filters; the data is in ``.df``."""
    from .models_table import ModelsTable

    return ModelsTable()


def compare(experiment_or_parent_run: str, metric: str | None = None) -> SweepComparison:
    """Plotly charts of a sweep (parent run id) or an experiment: metric vs parameter,
    parallel coordinates."""
    from .sweep_compare import SweepComparison

    return SweepComparison(experiment_or_parent_run, metric)


__all__ = ["card_editor", "compare", "job_monitor", "launcher", "models"]
