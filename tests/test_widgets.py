"""The widgets through their programmatic triggers: real services, real kernels, no browser."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.card import read_card
from jupyter_mlops.errors import NotebookError

CARD = {"name": "widget-model", "owner": "ana", "risk_tier": "high"}
PARAMS = "C: float = 1.0  # strength\nseed: int = 0\nlabel: str = 'a'\nfast: bool = True"
SCORE_CELL = "import mlflow\nmlflow.log_metric('score', C * 2 + seed)"


@pytest.fixture
def mlops_train_notebook(mlops_notebook: Any) -> Path:
    return Path(mlops_notebook(SCORE_CELL, params=PARAMS, card=CARD, name="train.ipynb"))


def test_widgets_are_public_and_lazy():
    assert {"card_editor", "launcher", "job_monitor", "models", "compare"} <= set(mlops.__all__)
    assert type(mlops.job_monitor(live=False)).__name__ == "JobsTable"
    assert type(mlops.job_monitor(live=False)).__name__ == "JobsTable"  # once loaded, too


def test_the_old_name_of_the_job_monitor_still_works_with_a_warning():
    # Importing a submodule binds the jobs package to mlops.jobs: calling it is the old widget.
    importlib.import_module("jupyter_mlops.jobs.submit")
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match="now jupyter_mlops.job_monitor"):
            table = mlops.jobs(live=False)
        assert type(table).__name__ == "JobsTable"


def test_card_editor_validates_inline_and_saves_to_the_file(mlops_train_notebook):
    editor = mlops.card_editor(mlops_train_notebook)
    assert editor.valid and editor.card["owner"] == "ana"
    saved: list[Any] = []
    editor.on_save(saved.append)

    editor.set(name="bad name!")
    assert not editor.valid and "name" in editor.error
    assert editor.save_button.disabled and editor.message_kind == "error"
    assert editor.save() is None and "Not saved" in editor.message

    editor.set(name="good-name", tags="{not json")
    assert not editor.valid and "invalid JSON" in editor.error
    editor.set(tags='{"team": "risk"}', owner="bo", stage="staging", inputs="a.csv, b.csv")
    assert editor.valid and editor.message == "The card is valid."
    card = editor.save()
    assert card is not None and saved == [card]
    on_disk = read_card(mlops_train_notebook)
    assert on_disk is not None and on_disk.owner == "bo" and on_disk.inputs == ["a.csv", "b.csv"]
    assert on_disk.tags == {"team": "risk"} and on_disk.stage == "staging"
    assert "Reload Notebook from Disk" in editor.message and "MLOps sidebar" in editor.message
    editor.set(nope="x")
    assert "Unknown card field 'nope'" in editor.message


class FrontEndComm:
    """The browser end of a comm, as seen from the kernel: it answers, closes, or is silent."""

    opened: list[dict[str, Any]]

    def __init__(self, **kwargs: Any) -> None:
        FrontEndComm.opened.append(kwargs)
        self.on_msg_callback: Any = None
        self.on_close_callback: Any = None

    def on_msg(self, callback: Any) -> None:
        self.on_msg_callback = callback

    def on_close(self, callback: Any) -> None:
        self.on_close_callback = callback


def test_card_sent_to_the_front_end_is_answered_exactly_once(tmp_path):
    from jupyter_mlops.widgets.frontend_card import COMM_TARGET, send_card

    FrontEndComm.opened = []
    comms: list[FrontEndComm] = []
    answers: list[tuple[bool, str]] = []

    def create_comm(**kwargs: Any) -> FrontEndComm:
        comms.append(FrontEndComm(**kwargs))
        return comms[-1]

    block = {"schema_version": 1, "card": CARD}
    notebook = tmp_path / "nb.ipynb"
    send_card(notebook, block, lambda *a: answers.append(a), create_comm=create_comm)
    assert FrontEndComm.opened == [
        {"target_name": COMM_TARGET, "data": {"path": str(notebook.resolve()), "metadata": block}}
    ]
    comms[0].on_msg_callback({"content": {"data": {"ok": True}}})
    comms[0].on_close_callback({})  # the front end closes after answering: no second answer
    assert answers == [(True, "")]

    send_card(notebook, block, lambda *a: answers.append(a), create_comm=create_comm)
    comms[1].on_close_callback({})  # a front end without the target closes at once
    assert answers[1] == (False, "the front end has no jupyter-mlops extension for this notebook")

    send_card(notebook, block, lambda *a: answers.append(a), create_comm=create_comm, timeout=0.05)
    deadline = time.monotonic() + 10
    while len(answers) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert answers[2] == (False, "no answer within 0.05 s")
    comms[2].on_msg_callback({"content": {"data": {"ok": True}}})  # too late: ignored
    assert len(answers) == 3


def test_card_editor_writes_the_file_when_the_open_notebook_cannot_take_it(
    mlops_train_notebook,
):
    editor = mlops.card_editor(mlops_train_notebook)
    saved: list[Any] = []
    editor.on_save(saved.append)
    editor.set(owner="cy")
    card = mlops.ModelCard(**editor.card)
    editor._answered(card, True, "")
    assert "set in the open notebook train.ipynb" in editor.message
    assert read_card(mlops_train_notebook).owner == "ana", "the front end holds it, not the file"

    editor._answered(card, False, "no answer within 5 s")
    assert read_card(mlops_train_notebook).owner == "cy"
    assert editor.message.startswith("The open notebook did not take the card (no answer")
    assert "Saved to" in editor.message and saved == [card, card]


def test_card_editor_without_a_notebook_says_how_to_name_one(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(NotebookError, match="notebook=PATH"):
        mlops.card_editor()


def test_launcher_refuses_bad_values_in_the_widget(mlops_train_notebook):
    launcher = mlops.launcher(mlops_train_notebook)
    assert list(launcher.values) == ["C", "seed", "label", "fast"]
    launcher.sweep(seed="1, x")
    assert launcher.runs_label.value == "2 runs"
    assert launcher.submit() == [] and "declared int; cannot read 'x'" in launcher.message
    launcher.sweep(seed="")
    launcher.executor_choice.value = "warp"
    assert launcher.submit() == [] and "Unknown executor 'warp'" in launcher.message
    launcher.set(nope=1)
    assert "Unknown parameter 'nope'" in launcher.message


@pytest.mark.timeout(420)
def test_launch_sweep_follow_progress_list_and_compare(mlops_train_notebook):
    launcher = mlops.launcher(mlops_train_notebook)
    launcher.poll_interval = 0.3
    launched: list[Any] = []
    finished: list[Any] = []
    launcher.on_launch(launched.append)
    launcher.on_done(finished.append)
    launcher.set(C=2.5, label="b")
    launcher.sweep(seed="1,2")
    assert launcher.parameters() == {"C": 2.5, "label": "b"}
    run_ids = launcher.submit()
    assert len(run_ids) == 2 and launched == [run_ids] and launcher.parent_run_id
    assert launcher.wait(timeout=360), launcher.message
    assert launcher.statuses == ["FINISHED", "FINISHED"] and len(finished) == 1
    for bar in launcher.progress.children:
        assert bar.bar.value == bar.bar.max and bar.bar.bar_style == "success"
    assert launcher.message == "Done: 2/2 finished."

    table = mlops.job_monitor(live=False)
    assert set(run_ids) | {launcher.parent_run_id} <= set(table.run_ids)

    chart = mlops.compare(launcher.parent_run_id)
    assert chart.metric == "score" and chart.parameters == ["seed"]
    assert set(chart.figures) == {"score_vs_seed", "parallel"}
    assert sorted(chart.df["metric.score"]) == [6.0, 7.0]
    selected: list[str] = []
    chart.on_select(selected.append)
    chart.select("nope")
    assert "No metric 'nope'" in chart.message and selected == []
    chart.select("score")
    assert selected == ["score"]


def test_the_launcher_starts_a_study_and_follows_its_run(mlops_train_notebook):
    launcher = mlops.launcher(mlops_train_notebook)
    launcher.poll_interval = 0.3
    launcher.sweep(seed="0:5")
    launcher.optimize.value = "max(score)"
    launcher.trials.value = 3
    assert launcher.runs_label.value == "a study of up to 3 trials"
    request = launcher.request()
    assert (request.optimize, request.trials, request.sampler) == ("max(score)", 3, "tpe")
    run_ids = launcher.submit()
    assert run_ids == [launcher.parent_run_id], launcher.message
    assert launcher.message.startswith(f"Launched study {run_ids[0]} (up to 3 trials)")
    assert launcher.wait(timeout=360), launcher.message
    assert launcher.statuses == ["FINISHED"]
    trials = mlops.list_jobs(parent=run_ids[0])
    assert len(trials) == 3 and all(0 <= t.parameters["seed"] <= 5 for t in trials)


def test_compare_of_nothing_says_what_to_pass():
    chart = mlops.compare("no-such-thing")
    assert chart.df is None and "neither a run id nor an experiment" in chart.message


@pytest.mark.timeout(300)
def test_jobs_table_cancels_a_running_job(mlops_notebook):
    from jupyter_mlops import submit_job

    slow = mlops_notebook("import time\ntime.sleep(120)", name="slow.ipynb")
    run_id = submit_job(slow)
    table = mlops.job_monitor(live=False)
    cancelled: list[Any] = []
    table.on_cancel(cancelled.append)
    assert run_id in table.run_ids
    job = table.cancel(run_id)
    assert job.status == "KILLED" and cancelled == [job]
    assert f"Job {run_id} is KILLED" in table.message
    table.cancel("no-such-run")
    assert "No job 'no-such-run'" in table.message


def test_models_table_filters_its_dataframe(mlops_backend):
    import uuid

    from sklearn.dummy import DummyClassifier

    # The real server is shared by the session: names unique to this test, found by the filter.
    tag = uuid.uuid4().hex[:8]
    high, low = f"wt-{tag}-high", f"wt-{tag}-low"
    model = DummyClassifier().fit([[0], [1]], [0, 1])
    mlops.register(model, card={"name": high, "owner": f"ana{tag}", "risk_tier": "high"})
    mlops.register(
        model, card={"name": low, "owner": f"bo{tag}", "risk_tier": "low"}, alias="champion"
    )
    table = mlops.models()
    refreshed: list[Any] = []
    table.on_refresh(refreshed.append)
    assert {high, low} <= set(table.df["name"])
    assert table.df.set_index("name").loc[low, "aliases"] == "champion=v1"
    table.query = f"ANA{tag}".upper()
    assert list(table.filtered["name"]) == [high]
    assert f"1 of {len(table.df)} models" in table.message
    table.query, table.risk_tier = tag, "low"
    assert list(table.filtered["name"]) == [low]
    assert low in table.table.value and high not in table.table.value
    table.refresh()
    assert len(refreshed) == 1


def test_models_table_shows_an_unreachable_server_as_a_message(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    table = mlops.models()
    assert table.df.empty and table.message_kind == "error"
    assert "does not answer" in table.message


def test_styles_take_every_colour_from_the_jupyterlab_theme():
    import re

    from jupyter_mlops.widgets.base import STYLE

    assert "var(--jp-layout-color1)" in STYLE and "var(--jp-error-color1)" in STYLE
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsl\(", STYLE) == []
