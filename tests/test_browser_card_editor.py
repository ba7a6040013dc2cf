"""The card editor widget in a real JupyterLab, driven by headless Chromium.

Saving the widget puts the card into the open notebook's metadata through the labextension
(dirty, no reload, the file untouched until the notebook is saved), as the sidebar does.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from browser_support import notebook_page
from test_browser import ARTIFACTS, PANEL, require_chromium

LOAD_TIMEOUT = 60_000
STEP_TIMEOUT = 30_000

WIDGET = ".jp-mlops-w"
CARD = {"name": "churn", "owner": "ana", "risk_tier": "low"}
MODEL_CARD = "() => window.jupyterapp.shell.currentWidget.context.model"


def write_card_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("The card editor"),
        nbformat.v4.new_code_cell(
            "import jupyter_mlops as mlops\neditor = mlops.card_editor()\neditor"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["jupyter_mlops"] = {"schema_version": 1, "card": CARD}
    path = folder / "card.ipynb"
    nbformat.write(nb, path)
    return path


def stored_card(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())["metadata"]["jupyter_mlops"]["card"]


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_card_editor_sets_the_card_in_the_open_notebook(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT)
    root = tmp_path / "root"
    root.mkdir()
    notebook = write_card_notebook(root)
    with notebook_page(
        tmp_path / "lab",
        root,
        "card.ipynb",
        step_timeout_ms=STEP_TIMEOUT,
        load_timeout_ms=LOAD_TIMEOUT,
        failure_shot=ARTIFACTS / "card-editor-failure.png",
    ) as page:
        widget = page.locator(WIDGET)
        expect(widget).to_be_visible(timeout=LOAD_TIMEOUT)
        owner = widget.locator(".widget-text", has_text="owner").locator("input")
        expect(owner).to_have_value("ana")
        # The sidebar's card form shows the same card, and follows the widget's edit.
        page.locator(".jp-NotebookPanel-toolbar .jp-mlops-LaunchButton").click()
        sidebar_owner = page.locator(f"{PANEL} input[name='owner']")
        expect(sidebar_owner).to_have_value("ana")
        page.screenshot(path=str(ARTIFACTS / "card-editor-01-rendered.png"))

        owner.fill("bo")
        owner.press("Tab")
        widget.locator("button", has_text="Save card").click()
        expect(widget).to_contain_text("is set in the open notebook card.ipynb")
        expect(sidebar_owner).to_have_value("bo")
        page.screenshot(path=str(ARTIFACTS / "card-editor-02-set-in-notebook.png"))

        in_model = page.evaluate(f"() => ({MODEL_CARD})().getMetadata('jupyter_mlops')")
        assert in_model["card"]["owner"] == "bo"
        assert in_model["schema_version"] == 1
        assert page.evaluate(f"() => ({MODEL_CARD})().dirty") is True
        assert stored_card(notebook)["owner"] == "ana", "the file changes only when saved"

        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(f"() => !({MODEL_CARD})().dirty")
        page.screenshot(path=str(ARTIFACTS / "card-editor-03-saved.png"))

    saved = nbformat.read(notebook, as_version=4)
    assert saved.metadata["jupyter_mlops"]["card"]["owner"] == "bo"
    assert saved.metadata["jupyter_mlops"]["card"]["name"] == "churn"
    assert [c.cell_type for c in saved.cells] == ["markdown", "code"]
