"""The launcher widget in a real JupyterLab, driven by headless Chromium.

The open notebook's kernel finds its notebook through jupyter_server's session, the launcher
renders its form from the parameters cell, a click on Launch starts a real job, and the
job's progress bar, updated from the kernel while the job runs, reaches done.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from browser_support import notebook_page
from test_browser import ARTIFACTS, require_chromium

LOAD_TIMEOUT = 60_000
STEP_TIMEOUT = 30_000
JOB_TIMEOUT = 240_000

WIDGET = ".jp-mlops-w"


def write_launch_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x: int = 1  # how much")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("y = x * 2"),
        nbformat.v4.new_code_cell(
            "import jupyter_mlops as mlops\nw = mlops.launcher()\nw.poll_interval = 0.5\nw"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "launch.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.browser
@pytest.mark.timeout(420)
def test_launcher_widget_launches_and_shows_progress_to_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_chromium()
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT)

    root = tmp_path / "root"
    root.mkdir()
    write_launch_notebook(root)
    uri = f"sqlite:///{root / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # the kernels inherit it from the server
    # Create the store's tables now: the server extension and the kernel would otherwise both
    # run MLflow's first-use migrations on the fresh SQLite file at the same moment.
    from jupyter_mlops.tracking import get_client

    get_client(uri).search_experiments()
    with notebook_page(
        tmp_path / "lab",
        root,
        "launch.ipynb",
        step_timeout_ms=STEP_TIMEOUT,
        load_timeout_ms=LOAD_TIMEOUT,
        failure_shot=ARTIFACTS / "launcher-failure.png",
    ) as page:
        widget = page.locator(WIDGET)
        expect(widget).to_be_visible(timeout=LOAD_TIMEOUT)
        expect(widget).to_contain_text("x")
        expect(widget).to_contain_text("how much")
        page.screenshot(path=str(ARTIFACTS / "launcher-01-rendered.png"))

        widget.locator("button", has_text="Launch").click()
        progress = widget.locator(".jp-mlops-w-progress")
        expect(progress).to_have_count(1, timeout=LOAD_TIMEOUT)
        page.screenshot(path=str(ARTIFACTS / "launcher-02-launched.png"))
        expect(widget).to_contain_text("Done: 1/1 finished.", timeout=JOB_TIMEOUT)
        expect(progress).to_contain_text("FINISHED")
        expect(progress.locator(".progress-bar-success")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "launcher-03-done.png"))

    from jupyter_mlops.jobs.query import list_jobs

    jobs = list_jobs(tracking_uri=uri)
    assert [j.status for j in jobs] == ["FINISHED"]
    assert jobs[0].notebook == str((root / "launch.ipynb").resolve())
