"""The lab extension in a real JupyterLab, driven by headless Chromium.

A model registered through the package API must show in the MLOps sidebar with its card
fields, and the panel's filter box must hide it when the text does not match.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, JupyterLab, lab_on_sqlite, lab_page, running_under_ci

import jupyter_mlops
from jupyter_mlops.card import card_json_schema

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "browser"
MODEL = "browser-model"
CARD = {"name": MODEL, "owner": "ana", "risk_tier": "high", "stage": "staging"}
ALERT_MODEL = "alerting-model"
ALERT_REASON = "precision dropped 7.0% vs champion (0.900 -> 0.837)"

PANEL = "#jupyter-mlops-sidebar"
TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
EXTENSION_MARKERS = ("jupyter-mlops", "jupyter_mlops", "jp-mlops")

# Playwright timeouts, in milliseconds.
LOAD_TIMEOUT = 60_000
STEP_TIMEOUT = 20_000

# Installed before the click: records when the pointer goes down on the tab, when the first
# model row enters the DOM, the first frame after that (the row's first paint), and the
# models request's resource timing.
TIMING_PROBE = """
(tabSelector) => {
  const t = (window.__mlopsTiming = {});
  window.addEventListener(
    'pointerdown',
    event => {
      if (t.click === undefined && event.target.closest(tabSelector)) {
        t.click = performance.now();
      }
    },
    { capture: true }
  );
  const seen = () => document.querySelector('#jupyter-mlops-sidebar .jp-mlops-Model');
  const observer = new MutationObserver(() => {
    if (t.row === undefined && seen()) {
      t.row = performance.now();
      observer.disconnect();
      const entry = performance
        .getEntriesByType('resource')
        .filter(e => e.name.includes('/mlops/models') && e.startTime >= t.click)[0];
      if (entry) {
        t.request = { start: entry.startTime, end: entry.responseEnd };
      }
      requestAnimationFrame(() => setTimeout(() => (t.paint = performance.now()), 0));
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
}
"""


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)"
    if running_under_ci():
        pytest.fail(f"{reason}. CI is set, so the browser test must run.", pytrace=False)
    pytest.skip(reason)


def extension_related(*texts: str | None) -> bool:
    return any(marker in (text or "") for text in texts for marker in EXTENSION_MARKERS)


@dataclass
class PageProblems:
    """What the page reported that must fail the test."""

    activation: list[str] = field(default_factory=list)
    extension: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)

    def take_api_errors(self) -> list[str]:
        """The failed API calls seen so far, forgotten once taken (for refusals a test expects)."""
        taken, self.api_calls = self.api_calls, []
        return taken

    def assert_none(self) -> None:
        assert not self.activation, self.activation
        assert not self.extension, self.extension
        assert not self.api_calls, self.api_calls

    def _on_console(self, message: Any) -> None:
        text = message.text
        if "Error activating plugin" in text:
            self.activation.append(text)
        elif message.type == "error" and extension_related(text, message.location.get("url")):
            self.extension.append(f"console: {text}")

    def _on_page_error(self, error: Any) -> None:
        if extension_related(error.message, error.stack):
            self.extension.append(f"uncaught: {error.stack or error.message}")

    def _on_response(self, response: Any) -> None:
        if "/mlops/" in response.url and response.status >= 400:
            self.api_calls.append(f"{response.status} {response.url}")

    def _on_request_failed(self, request: Any) -> None:
        if "/mlops/" in request.url:
            self.api_calls.append(f"{request.failure} {request.url}")


@contextlib.contextmanager
def sidebar_lab(
    tmp_path: Path, write: Callable[[Path], object], shot: str, step_timeout_ms: int = 30_000
) -> Iterator[tuple[Any, JupyterLab, PageProblems]]:
    """A lab on a new SQLite store and a root holding what ``write`` puts there; yields the
    page, the lab and the problems watched on the page (``shot``-failure.png on failure)."""
    require_chromium()
    from playwright.sync_api import expect

    expect.set_options(timeout=step_timeout_ms)
    root = tmp_path / "root"
    root.mkdir()
    write(root)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lab = lab_on_sqlite(tmp_path, root)
    problems = PageProblems()
    with lab_page(
        lab,
        viewport={"width": 1400, "height": 900},
        step_timeout_ms=step_timeout_ms,
        failure_shot=ARTIFACTS / f"{shot}-failure.png",
    ) as page:
        problems.watch(page)
        yield page, lab, problems


def drive_sidebar(page: Any, lab: JupyterLab, problems: PageProblems) -> dict[str, Any]:
    """The user's steps, with a screenshot after each; returns the timing of the first list."""
    from playwright.sync_api import expect

    # 1. JupyterLab loads with every plugin activated.
    page.goto(lab.lab_url(), wait_until="domcontentloaded", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".jp-Launcher", state="visible", timeout=LOAD_TIMEOUT)
    tab = page.locator(TAB)
    expect(tab).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "01-lab-loaded.png"))
    problems.assert_none()

    # 2. The panel lists the model with its card fields.
    page.evaluate(TIMING_PROBE, TAB)
    clicked = time.perf_counter()
    tab.click()
    panel = page.locator(PANEL)
    row = panel.locator(".jp-mlops-Model", has_text=MODEL)
    expect(row).to_be_visible()
    wall_ms = (time.perf_counter() - clicked) * 1000
    page.wait_for_function("() => window.__mlopsTiming.paint !== undefined")
    timing: dict[str, Any] = page.evaluate("() => window.__mlopsTiming")
    timing["wall_ms"] = wall_ms

    expect(row.locator(".jp-mlops-ModelName")).to_have_text(MODEL)
    expect(row.locator(".jp-mlops-ModelVersion")).to_have_text("v1")
    fields = row.locator(".jp-mlops-ModelFields")
    expect(fields.locator("dt")).to_have_text(["Owner", "Risk tier", "Stage", "Aliases"])
    values = fields.locator("dd")
    expect(values.nth(0)).to_have_text("ana")
    expect(values.nth(1)).to_have_text("high")
    expect(values.nth(2)).to_have_text("staging")
    page.screenshot(path=str(ARTIFACTS / "02-panel-lists-model.png"))

    # The risk filter offers the tiers of the card's schema, and filters by them.
    tiers = card_json_schema()["properties"]["risk_tier"]["anyOf"][0]["enum"]
    risk = panel.locator(".jp-mlops-RiskFilter")
    expect(risk.locator("option")).to_have_text(["Risk", *tiers])
    risk.select_option(CARD["risk_tier"])
    expect(panel.locator(".jp-mlops-Model")).to_have_count(1)
    expect(row).to_be_visible()
    risk.select_option("")
    expect(panel.locator(".jp-mlops-Model")).to_have_count(2)

    # 3. Typing a filter that matches nothing hides the model.
    needle = "zz-no-such-model"
    filter_box = panel.locator("input.jp-mlops-Filter")
    filter_box.click()
    filter_box.press_sequentially(needle)
    expect(filter_box).to_have_value(needle)
    # Typing inside the text keeps the caret where it is.
    filter_box.press("Home")
    filter_box.press_sequentially("ab")
    expect(filter_box).to_have_value("ab" + needle)
    expect(panel.locator(".jp-mlops-Model")).to_have_count(0)
    expect(panel.locator(".jp-mlops-Empty")).to_contain_text(needle)
    page.screenshot(path=str(ARTIFACTS / "03-filter-hides-model.png"))

    # Clearing the filter brings the model back.
    filter_box.fill("")
    expect(row).to_be_visible()

    # 4. A model whose last evaluation raised an alert says so, with its RAG status and why;
    # the alert summary filters the list down to the models with alerts.
    alerting = panel.locator(".jp-mlops-Model", has_text=ALERT_MODEL)
    expect(alerting.locator(".jp-mlops-AlertBadge")).to_have_text("alert")
    expect(alerting.locator(".jp-mlops-RagBadge")).to_have_text("red")
    expect(alerting.locator(".jp-mlops-Alerts li")).to_have_text([f"⚠ {ALERT_REASON}"])
    expect(alerting.locator(".jp-mlops-RagReasons")).to_contain_text(ALERT_REASON)
    summary = panel.locator(".jp-mlops-AlertSummary")
    expect(summary).to_have_text("⚠ 1 model has an alert")
    summary.click()
    expect(panel.locator(".jp-mlops-StatusFilter")).to_have_value("alert")
    expect(panel.locator(".jp-mlops-Model")).to_have_count(1)
    expect(row).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "04-alerts.png"))
    panel.locator(".jp-mlops-StatusFilter").select_option("")
    expect(row).to_be_visible()
    problems.assert_none()
    return timing


def report_timing(timing: dict[str, Any]) -> None:
    click = timing["click"]
    request = timing.get("request")
    server_part = (
        f"GET mlops/models sent at +{request['start'] - click:.0f} ms, "
        f"answered in {request['end'] - request['start']:.0f} ms"
        if request
        else "GET mlops/models not seen in resource timing"
    )
    print(
        f"\n[timing] tab click -> '{MODEL}' row painted: {timing['paint'] - click:.0f} ms "
        f"in page (row in DOM at +{timing['row'] - click:.0f} ms; {server_part}); "
        f"{timing['wall_ms']:.0f} ms as seen by Playwright"
    )


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_sidebar_lists_registered_model_and_filters_it(tmp_path: Path) -> None:
    require_chromium()
    from sklearn.dummy import DummyClassifier

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    jupyter_mlops.register(
        DummyClassifier().fit([[0], [1]], [0, 1]), MODEL, card=CARD, tracking_uri=uri
    )
    # As an evaluation of its champion leaves it: an alert fired (jupyter_mlops.evaluate).
    jupyter_mlops.register(
        DummyClassifier().fit([[0], [1]], [0, 1]),
        ALERT_MODEL,
        card={"name": ALERT_MODEL, "owner": "bo", "risk_tier": "low"},
        tracking_uri=uri,
    )
    from jupyter_mlops.governance import facts
    from jupyter_mlops.tracking import get_client

    client = get_client(uri)
    client.set_registered_model_tag(ALERT_MODEL, facts.ALERT_STATUS, "alert")
    client.set_registered_model_tag(ALERT_MODEL, facts.ALERT_REASONS, json.dumps([ALERT_REASON]))

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lab = JupyterLab(
        tmp_path / "lab", root_dir=tmp_path, extra_args=[f"--MlopsApp.tracking_uri={uri}"]
    )
    problems = PageProblems()
    with lab_page(
        lab,
        viewport={"width": 1280, "height": 800},
        step_timeout_ms=STEP_TIMEOUT,
        failure_shot=ARTIFACTS / "failure.png",
    ) as page:
        problems.watch(page)
        timing = drive_sidebar(page, lab, problems)

    report_timing(timing)


# -- the whole loop: card, launch, jobs, models ----------------------------------------------
E2E_MODEL = "browser-e2e-classifier"
EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "train_classifier.ipynb"
JOB_TIMEOUT = 240_000
SUBMIT_TIMEOUT = 60_000


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"e2e-{name}.png"))


def saved_card(path: Path) -> dict[str, Any]:
    """The card in the notebook on disk; empty while Jupyter is still writing the file."""
    import json

    try:
        return dict(json.loads(path.read_text())["metadata"]["jupyter_mlops"]["card"])
    except (ValueError, KeyError):
        return {}


def drive_full_loop(page: Any, lab: JupyterLab, root: Path, problems: PageProblems) -> None:
    from playwright.sync_api import expect

    notebook = root / "train_classifier.ipynb"
    # 1. The example notebook opens.
    page.goto(
        f"{lab.base_url}lab/tree/train_classifier.ipynb?reset&token={lab.token}",
        wait_until="domcontentloaded",
        timeout=LOAD_TIMEOUT,
    )
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=LOAD_TIMEOUT)
    expect(page.locator(".jp-NotebookPanel-toolbar .jp-mlops-LaunchButton")).to_be_visible()
    shot(page, "1-notebook-open")

    # 2. The toolbar button opens the sidebar on "This notebook".
    page.locator(".jp-NotebookPanel-toolbar .jp-mlops-LaunchButton").click()
    panel = page.locator(PANEL)
    expect(panel.locator(".jp-mlops-NotebookPath")).to_have_text("train_classifier.ipynb")
    name = panel.locator("input[name='name']")
    expect(name).to_have_value("breast-cancer-classifier")
    shot(page, "2-sidebar-this-notebook")

    # 3. Edit the card: an invalid name is flagged inline, then fixed and saved.
    name.fill("bad name!")
    expect(panel.locator(".jp-mlops-FieldError")).to_contain_text("letters, digits")
    shot(page, "3a-card-inline-error")
    name.fill(E2E_MODEL)
    panel.locator("input[name='owner']").fill("ana")
    panel.locator("select[name='risk_tier']").select_option("high")
    expect(panel.locator(".jp-mlops-FieldError")).to_have_count(0)
    expect(
        page.locator(".jp-NotebookPanel .jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty").first
    ).to_be_attached()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 20
    while saved_card(notebook).get("name") != E2E_MODEL:
        assert time.monotonic() < deadline, "the card was not saved with the notebook"
        time.sleep(0.2)
    card = saved_card(notebook)
    assert card["owner"] == "ana" and card["risk_tier"] == "high"
    assert card["alerts"][0]["metric"] == "accuracy"  # fields the form does not show survive
    shot(page, "3b-card-saved")

    # 4. The local executor takes a timeout but has no worker resources to ask for.
    expect(panel.locator("input[name='timeout']")).to_be_visible()
    expect(panel.locator("input[name='resources']")).to_have_count(0)

    # A value the parameters contract cannot read is refused by the server, which says why.
    panel.locator("input[name='C']").fill("abc")
    panel.locator(".jp-mlops-Launch").click()
    refusal = panel.locator(".jp-mlops-LaunchMessage.jp-mod-error")
    expect(refusal).to_contain_text("Parameter 'C' is declared float", timeout=SUBMIT_TIMEOUT)
    expect(refusal).to_contain_text("'abc'")
    assert [call.split(" ")[0] for call in problems.take_api_errors()] == ["400"]
    shot(page, "4a-launch-refused")

    # Launch a run that registers the model.
    panel.locator("input[name='register']").fill("true")
    panel.locator("input[name='C']").fill("0.5")
    panel.locator(".jp-mlops-Launch").click()

    # 5. Jobs shows it running, then finished.
    job = panel.locator(".jp-mlops-Job").first
    expect(job).to_be_visible(timeout=SUBMIT_TIMEOUT)  # saves, then submits the job
    expect(job.locator(".jp-mlops-JobParams")).to_contain_text("C=0.5")
    # The tracking store is a local file, with no run page to link to: the run id is shown.
    run_id = job.get_attribute("data-run-id")
    assert run_id
    expect(job.locator(".jp-mlops-RunId")).to_have_attribute("title", f"MLflow run {run_id}")
    shot(page, "4-job-launched")
    expect(panel.locator(".jp-mlops-Job.jp-mlops-mod-finished")).to_have_count(
        1, timeout=JOB_TIMEOUT
    )
    expect(job.locator(".jp-mlops-JobCells")).to_contain_text("6/6 cells")
    shot(page, "5-job-finished")
    job.locator(".jp-mlops-OpenOutput").click()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab")).to_have_count(
        2, timeout=SUBMIT_TIMEOUT
    )
    assert list((root / "mlops-outputs").rglob("train_classifier.ipynb"))
    shot(page, "5b-output-opened")

    # 5c. A run scikit-learn refuses fails; the row names the cell as the notebook shows it
    # (In [N]) and the exception as Python prints it.
    panel.locator(".jp-mlops-Tab[data-tab='notebook']").click()
    panel.locator("input[name='register']").fill("false")
    panel.locator("input[name='C']").fill("-1")
    panel.locator(".jp-mlops-Launch").click()
    failed = panel.locator(".jp-mlops-Job.jp-mlops-mod-failed")
    expect(failed).to_have_count(1, timeout=JOB_TIMEOUT)
    failure = failed.locator(".jp-mlops-JobFailure")
    expect(failure).to_contain_text("cell error · In [")
    expect(failure).to_contain_text("InvalidParameterError: The 'C' parameter")
    shot(page, "5c-job-failed")

    # 6. Models lists the registered model; expanding it shows v1 with its card.
    panel.locator(".jp-mlops-Tab[data-tab='models']").click()
    row = panel.locator(".jp-mlops-Model", has_text=E2E_MODEL)
    expect(row).to_be_visible(timeout=SUBMIT_TIMEOUT)
    expect(row.locator(".jp-mlops-ModelVersion")).to_have_text("v1")
    row.locator(".jp-mlops-ModelHeader").click()
    version = row.locator(".jp-mlops-Version[data-version='1']")
    expect(version).to_be_visible(timeout=SUBMIT_TIMEOUT)
    expect(version.locator(".jp-mlops-VersionCard")).to_contain_text("ana")
    expect(version.locator(".jp-mlops-RunId")).to_have_attribute("title", f"MLflow run {run_id}")
    version.locator(".jp-mlops-ShowReceipt").click()
    expect(version.locator(".jp-mlops-Receipt")).to_contain_text("0.5", timeout=SUBMIT_TIMEOUT)
    shot(page, "6-model-registered")
    problems.assert_none()


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_card_edit_launch_watch_and_find_the_model(tmp_path: Path) -> None:
    require_chromium()
    import shutil

    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(EXAMPLE, root / "train_classifier.ipynb")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lab = JupyterLab(tmp_path / "lab", root_dir=root, extra_args=[f"--MlopsApp.tracking_uri={uri}"])
    problems = PageProblems()
    with lab_page(
        lab,
        viewport={"width": 1400, "height": 900},
        step_timeout_ms=STEP_TIMEOUT,
        failure_shot=ARTIFACTS / "e2e-failure.png",
    ) as page:
        problems.watch(page)
        drive_full_loop(page, lab, root, problems)
