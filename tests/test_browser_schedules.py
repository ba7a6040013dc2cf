"""Schedules in a real JupyterLab: create one from the launch form, then list, run, open,
pause, resume and delete it from the sidebar's Schedules tab; a job that fails is told as a
JupyterLab notification.

The cron expression is read by the server as it is typed: a bad one is refused with the
server's message before anything is stored, a good one is shown in words with its next five
slots in the schedule's timezone.
"""

from __future__ import annotations

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


def write_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x: int = 1  # what the run doubles")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("import mlflow\nmlflow.log_metric('double', 2 * x)"),
        nbformat.v4.new_code_cell("print('doubled', 2 * x)"),
        nbformat.v4.new_code_cell("assert x != 13, 'unlucky number'"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "nightly.ipynb")


def drive(page: Any, lab: JupyterLab, problems: PageProblems) -> None:
    from playwright.sync_api import expect

    open_launch_form(page, lab, "nightly.ipynb", LOAD_TIMEOUT)
    panel = page.locator(PANEL)
    expect(panel.locator("input[name='x']")).to_have_value("1")
    panel.locator("input[name='x']").fill("21")

    # 1. The schedule form reads the expression as it is typed.
    form = panel.locator(".jp-mlops-ScheduleForm")
    form.locator("summary").click()
    form.locator("input[name='cron']").fill("61 * * * *")
    expect(form.locator(".jp-mlops-CronProblem")).to_contain_text("is not a cron expression")
    expect(form.locator(".jp-mlops-CreateSchedule")).to_be_disabled()
    assert [call.split(" ")[0] for call in problems.take_api_errors()] == ["400"]
    form.locator("input[name='cron']").fill("0 6 * * 1-5")
    form.locator("input[name='timezone']").fill("Europe/London")
    preview = form.locator(".jp-mlops-CronPreview")
    expect(preview.locator(".jp-mlops-CronWords")).to_have_text("At 06:00, Monday through Friday")
    slots = preview.locator(".jp-mlops-ScheduleNextList li")
    expect(slots).to_have_count(5)
    for text in slots.all_inner_texts():
        assert re.fullmatch(r"06:00 (Mon|Tue|Wed|Thu|Fri) \d{1,2} \w{3}", text), text
    page.screenshot(path=str(ARTIFACTS / "schedules-1-form.png"))

    # 2. Created, it is listed on the Schedules tab with its next slot.
    form.locator(".jp-mlops-CreateSchedule").click()
    row = panel.locator(".jp-mlops-Schedule")
    expect(row).to_have_count(1)
    expect(panel.locator(".jp-mlops-Tab.jp-mod-current")).to_have_text("Schedules")
    expect(row.locator(".jp-mlops-JobName")).to_have_text("nightly")
    expect(row.locator(".jp-mlops-ScheduleWhen")).to_contain_text(
        "At 06:00, Monday through Friday (Europe/London)"
    )
    expect(row.locator(".jp-mlops-ScheduleNext")).to_have_text(re.compile(r"^next 06:00 "))
    expect(row.locator(".jp-mlops-ScheduleLast")).to_have_text("never run")
    row.locator(".jp-mlops-ScheduleRuns").click()
    expect(row.locator(".jp-mlops-ScheduleDetail .jp-mlops-Empty")).to_have_text(
        "No runs fired yet."
    )
    expect(row.locator(".jp-mlops-ScheduleDetail .jp-mlops-ScheduleNextList li")).to_have_count(5)

    # 3. Run now: the run it fired is listed, followed live until it ends, and opens.
    row.locator(".jp-mlops-RunNow").click()
    expect(panel.locator(".jp-mlops-Notice")).to_contain_text("submitted")
    fired = row.locator(".jp-mlops-FiredRun")
    expect(fired).to_have_count(1)
    expect(fired.locator(".jp-mlops-JobStatus")).to_have_text("FINISHED", timeout=JOB_TIMEOUT)
    expect(row.locator(".jp-mlops-ScheduleLast")).to_have_text("last run FINISHED")
    page.screenshot(path=str(ARTIFACTS / "schedules-2-fired.png"))
    fired.locator(".jp-mlops-OpenOutput").click()
    output = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output")
    expect(output.filter(has_text="doubled 42")).to_have_count(1, timeout=LOAD_TIMEOUT)

    # 4. Pause, resume, delete.
    row.locator(".jp-mlops-PauseResume").click()
    expect(row.locator(".jp-mlops-ScheduleState")).to_have_text("paused")
    expect(row.locator(".jp-mlops-ScheduleNext")).to_have_text("no next run")
    row.locator(".jp-mlops-PauseResume").click()
    expect(row.locator(".jp-mlops-ScheduleState")).to_have_text("active")
    expect(row.locator(".jp-mlops-ScheduleNext")).to_have_text(re.compile(r"^next 06:00 "))
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator(".jp-mlops-DeleteSchedule").click()
    expect(row).to_have_count(0)
    expect(panel.locator(".jp-mlops-Notice")).to_contain_text("the runs it fired stay")
    problems.assert_none()

    # 5. A job launched from here that fails is told as a JupyterLab notification, with the
    # cell and the exception, and opens its executed notebook.
    panel.locator(".jp-mlops-Tab[data-tab='notebook']").click()
    panel.locator("input[name='x']").fill("13")
    panel.locator(".jp-mlops-Launch").click()
    toast = page.locator(".Toastify__toast").filter(has_text="Job nightly (x=13) failed")
    expect(toast).to_contain_text("In [5]", timeout=JOB_TIMEOUT)  # after papermill's own
    expect(toast).to_contain_text("AssertionError: unlucky number")
    page.screenshot(path=str(ARTIFACTS / "schedules-3-failed-notification.png"))
    toast.get_by_role("button", name="Open output").click()
    output = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output")
    expect(output.filter(has_text="unlucky number")).not_to_have_count(0, timeout=LOAD_TIMEOUT)
    problems.assert_none()

    # 6. A schedule fired by a new model version is listed with its event in words.
    from jupyter_mlops.tracking import get_client

    get_client(f"sqlite:///{lab.folder.parent / 'mlflow.db'}").create_registered_model("churn")
    made = page.request.post(
        f"{lab.base_url}mlops/schedules",
        data={"path": "nightly.ipynb", "trigger": "version:churn", "name": "on-churn"},
        headers={"Authorization": f"token {lab.token}"},
    )
    assert made.status == 201, made.text()
    panel.locator(".jp-mlops-Tab[data-tab='schedules']").click()
    row = panel.locator(".jp-mlops-Schedule").filter(has_text="on-churn")
    expect(row.locator(".jp-mlops-ScheduleWhen")).to_have_text(
        "When a new version of churn is registered"
    )
    expect(row.locator(".jp-mlops-ScheduleNext")).to_have_text("on version:churn")
    problems.assert_none()


@pytest.mark.browser
@pytest.mark.timeout(420)
def test_schedule_created_from_the_launch_form_and_run_from_the_sidebar(tmp_path: Path) -> None:
    with sidebar_lab(tmp_path, write_notebook, "schedules", STEP_TIMEOUT) as (page, lab, problems):
        drive(page, lab, problems)
