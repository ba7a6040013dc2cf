"""The sidebar offers only what the server's executor can do, in a real JupyterLab.

The answer of ``GET mlops/config`` decides which job options and actions are shown: with the
local executor a running job can be cancelled from the Jobs tab and there are no worker
resources to ask for; an executor that cannot cancel gets no Cancel button, and one with
worker resources gets the resources input. The second executor is the real answer with its
features changed in the browser, the boundary where the sidebar reads them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_support import JupyterLab, open_launch_form
from test_browser import ARTIFACTS, PANEL, PageProblems, sidebar_lab

LOAD_TIMEOUT = 60_000
STEP_TIMEOUT = 30_000
JOB_TIMEOUT = 120_000

ACTIVE = re.compile(r"^(SCHEDULED|RUNNING)$")


def write_slow_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seconds: int = 1  # how long the job sleeps")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(seconds)")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "slow.ipynb")


def open_slow_launch_form(page: Any, lab: JupyterLab) -> Any:
    from playwright.sync_api import expect

    open_launch_form(page, lab, "slow.ipynb", LOAD_TIMEOUT)
    panel = page.locator(PANEL)
    expect(panel.locator("input[name='seconds']")).to_have_value("1")
    return panel


def cancel_active_jobs(page: Any, lab: JupyterLab) -> None:
    """Stop what the test left running: local jobs outlive the server."""
    auth = {"Authorization": f"token {lab.token}"}
    listed = page.request.get(f"{lab.base_url}mlops/jobs", headers=auth).json()
    for job in listed.get("jobs", []):
        if ACTIVE.match(job["status"]):
            page.request.post(f"{lab.base_url}mlops/jobs/{job['run_id']}/cancel", headers=auth)


def drive(page: Any, lab: JupyterLab, problems: PageProblems) -> None:
    from playwright.sync_api import expect

    # 1. The local executor: a timeout, no resources.
    panel = open_slow_launch_form(page, lab)
    expect(panel.locator("input[name='timeout']")).to_be_visible()
    expect(panel.locator("input[name='resources']")).to_have_count(0)

    # 2. Text the int parameter cannot be read as comes back as the server's message.
    seconds = panel.locator("input[name='seconds']")
    seconds.fill("soon")
    panel.locator(".jp-mlops-Launch").click()
    refusal = panel.locator(".jp-mlops-LaunchMessage.jp-mod-error")
    expect(refusal).to_contain_text("Parameter 'seconds' is declared int; cannot read 'soon'")
    assert [call.split(" ")[0] for call in problems.take_api_errors()] == ["400"]
    expect(panel.locator(".jp-mlops-Job")).to_have_count(0)

    # 3. A running job has a Cancel button, and cancelling it kills the job.
    seconds.fill("120")
    panel.locator(".jp-mlops-Launch").click()
    job = panel.locator(".jp-mlops-Job").first
    expect(job.locator(".jp-mlops-JobStatus")).to_have_text(ACTIVE, timeout=JOB_TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "executor-1-local-running.png"))
    job.locator(".jp-mlops-Cancel").click()
    expect(job).to_have_class(re.compile(r"\bjp-mlops-mod-killed\b"), timeout=JOB_TIMEOUT)
    expect(job.locator(".jp-mlops-Cancel")).to_have_count(0)
    problems.assert_none()

    # 4. An executor with worker resources and no way to cancel.
    def other_executor(route: Any) -> None:
        config = route.fetch().json()
        config["features"] |= {"cancel": False, "resources": True, "timeout": False}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(config))

    # JupyterLab adds a cache-busting query to each request.
    page.route(re.compile(r"/mlops/config(\?[^/]*)?$"), other_executor)
    panel = open_slow_launch_form(page, lab)
    expect(panel.locator("input[name='resources']")).to_be_visible()
    expect(panel.locator("input[name='timeout']")).to_have_count(0)
    panel.locator("input[name='seconds']").fill("120")
    panel.locator(".jp-mlops-Launch").click()
    expect(panel.locator(".jp-mlops-Job")).to_have_count(2, timeout=JOB_TIMEOUT)
    running = panel.locator(".jp-mlops-Job").filter(
        has=page.locator(".jp-mlops-JobStatus", has_text=ACTIVE)
    )
    expect(running).to_have_count(1, timeout=JOB_TIMEOUT)
    expect(running.locator(".jp-mlops-JobActions")).to_be_attached()
    expect(running.locator(".jp-mlops-Cancel")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "executor-2-no-cancel.png"))
    problems.assert_none()


@pytest.mark.browser
@pytest.mark.timeout(420)
def test_sidebar_offers_only_what_the_executor_supports(tmp_path: Path) -> None:
    with sidebar_lab(tmp_path, write_slow_notebook, "executor", STEP_TIMEOUT) as (
        page,
        lab,
        problems,
    ):
        try:
            drive(page, lab, problems)
        finally:
            cancel_active_jobs(page, lab)
