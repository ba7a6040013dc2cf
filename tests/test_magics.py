"""``%mlops`` through IPython's own shell: every bad usage is a UsageError saying what was
wrong; the subcommands call the real services on the embedded store and real kernels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.query import describe_job
from jupyter_mlops.magics import MlopsMagics
from jupyter_mlops.tracking import get_client

CARD = {"name": "magic-model", "owner": "ana", "risk_tier": "high"}


@pytest.fixture
def mlops_shell(monkeypatch: pytest.MonkeyPatch) -> Any:
    """IPython's shell with the extension loaded and a clean namespace."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlops")
    shell.reset(new_session=False)
    shell.user_ns["model"] = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    shell.user_ns["X"] = [[0.5], [2.5]]
    return shell


@pytest.fixture
def mlops_session_notebook(mlops_notebook: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notebook the kernel knows as its own through jupyter_server's JPY_SESSION_NAME."""
    path = mlops_notebook("y = C * 2", "print(y)", params="C: float = 1.0  # strength", card=CARD)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    return Path(path)


def mlops(shell: Any, line: str) -> Any:
    return shell.run_line_magic("mlops", line)


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython()\n"
        "ip.run_line_magic('load_ext', 'jupyter_mlops')\n"
        "assert ip.find_line_magic('mlops') is not None\n"
        "print([m for m in ('mlflow', 'pandas', 'plotly', 'papermill', 'ipywidgets') "
        "if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_help_is_the_class_docstring(mlops_shell):
    magic = mlops_shell.find_line_magic("mlops")
    assert magic.__doc__ == MlopsMagics.__doc__
    for sub in ("card", "params", "run", "jobs", "cancel", "register", "promote", "models"):
        assert f"%mlops {sub}" in MlopsMagics.__doc__
    assert "%%mlops track" in MlopsMagics.__doc__


def test_subcommand_help_prints_and_does_not_exit(mlops_shell, capsys):
    assert mlops(mlops_shell, "register -h") is None
    assert "--input-example" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("", "needs a subcommand"),
        ("nope", "invalid choice: 'nope'"),
        ("run 'unclosed", "cannot split the line"),
        ("run -p C", "expected 2 arguments"),
        ("run --timeout soon", "invalid float value: 'soon'"),
        ("jobs --limit x", "invalid int value: 'x'"),
        ("jobs --limit 0", "--limit must be at least 1"),
        ("jobs --status BOGUS", "Unknown status 'BOGUS'"),
        ("promote m 1", "the following arguments are required: --to"),
        ("register", "the following arguments are required: VAR"),
        ("register missing --name m", "no variable 'missing'"),
        ("register model --name m --input-example nope", "--input-example: no variable 'nope'"),
        ("register model", "no model name. Pass --name NAME"),
        ("register model --name 'bad name!'", "name"),
        ("card", "Cannot tell which notebook this kernel belongs to"),
        ("params --notebook nope.ipynb", "Notebook not found: nope.ipynb"),
        ("run", "Pass it explicitly: --notebook PATH"),
        ("cancel no-such-run", "No job 'no-such-run'"),
        ("receipt no-such-run", "No run 'no-such-run'"),
        ("promote no-such-model 1 --to champion", "No version 1 of registered model"),
        ("track", "track is a cell magic"),
        ("cancel", "the following arguments are required: RUN_ID"),
    ],
)
def test_bad_usage_raises_usage_error(mlops_shell, line, fragment):
    with pytest.raises(UsageError, match=None) as info:
        mlops(mlops_shell, line)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("run -p nope 1", "Unknown parameter 'nope'"),
        ("run -p C abc", "declared float; cannot read 'abc'"),
        ("run --sweep C", "Expected --sweep NAME=V1,V2"),
        ("run --executor warp", "Unknown executor 'warp'"),
        ("run --max-concurrency 2", "need --sweep"),
        ("run --include nowhere.py", "nowhere.py"),
        ("run --resources GPU=1", "cannot reserve resources"),
        ("card --set bogus=1", "unknown card field 'bogus'"),
        ("card --set risk_tier=extreme", "risk_tier"),
    ],
)
def test_bad_usage_against_the_notebook(mlops_shell, mlops_session_notebook, line, fragment):
    with pytest.raises(UsageError) as info:
        mlops(mlops_shell, line)
    assert fragment in str(info.value)


def test_line_subcommand_as_cell_magic_is_refused(mlops_shell):
    with pytest.raises(UsageError, match="jobs is a line magic"):
        mlops_shell.run_cell_magic("mlops", "jobs", "x = 1")


def test_card_sets_fields_in_the_notebook_and_shows_the_editor(
    mlops_shell, mlops_session_notebook, capsys
):
    from jupyter_mlops.card import read_card
    from jupyter_mlops.widgets.card_form import CardEditor

    mlops(mlops_shell, "card --set owner=bo --set stage=staging")
    card = read_card(mlops_session_notebook)
    assert card is not None and card.owner == "bo" and card.stage == "staging"
    assert f"Saved the card to {mlops_session_notebook}" in capsys.readouterr().out
    editor = mlops(mlops_shell, "card")
    assert isinstance(editor, CardEditor) and editor.card["owner"] == "bo"


def test_params_prints_the_contract(mlops_shell, mlops_session_notebook, capsys):
    mlops(mlops_shell, "params")
    out = capsys.readouterr().out
    assert "NAME" in out and "C" in out and "float" in out and "strength" in out


def test_register_links_card_version_and_prints_link(
    mlops_shell, mlops_backend, capsys, mlops_session_notebook
):
    mlops(mlops_shell, "register model --alias challenger --input-example X")
    out = capsys.readouterr().out
    assert "Registered 'magic-model' version 1" in out
    if mlops_backend.startswith("http"):
        assert f"{mlops_backend}/#/models/magic-model/versions/1" in out
    else:
        assert f"mlflow ui --backend-store-uri {mlops_backend}" in out
    client = get_client(mlops_backend)
    version = client.get_model_version_by_alias("magic-model", "challenger")
    assert version.tags["mlops.card.owner"] == "ana" and version.tags["mlops.flavor"] == "sklearn"
    run = client.get_run(version.run_id)
    assert run.data.tags["mlops.interactive"] == "true"
    files = {f.path for f in client.list_artifacts(version.run_id, "input")}
    assert f"input/{mlops_session_notebook.name}" in files


def test_register_then_promote_and_models(mlops_shell, capsys):
    mlops(mlops_shell, "register model --name plain-model")
    mlops(mlops_shell, "register model --name plain-model --alias champion")
    mlops(mlops_shell, "promote plain-model 1 --to challenger")
    mlops(mlops_shell, "models")
    out = capsys.readouterr().out
    assert "plain-model: alias 'challenger' -> version 1" in out
    assert "plain-model" in out.splitlines()[-1] and "challenger=v1" in out
    with pytest.raises(UsageError, match="Cannot set alias 'latest'"):
        mlops(mlops_shell, "promote plain-model 1 --to latest")


@pytest.mark.timeout(300)
def test_run_wait_jobs_and_receipt_with_a_real_kernel(mlops_shell, mlops_session_notebook, capsys):
    mlops(mlops_shell, "run -p C 3 --wait")
    out = capsys.readouterr().out
    assert "Submitted job" in out and "FINISHED" in out
    run_id = out.split("Submitted job ", 1)[1].split()[0]
    mlops(mlops_shell, "jobs --status FINISHED")
    assert run_id in capsys.readouterr().out
    mlops(mlops_shell, f"receipt {run_id}")
    receipt = json.loads(capsys.readouterr().out)
    assert receipt["run_id"] == run_id and receipt["parameters"] == {"C": 3.0}
    mlops(mlops_shell, f"cancel {run_id}")
    assert f"{run_id} FINISHED" in capsys.readouterr().out


def test_run_wait_in_a_kernel_without_mlflow_leaves_it_so(mlops_session_notebook):
    """In a fresh kernel the job's process creates the run; the kernel never loads MLflow."""
    code = (
        "import sys\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython()\n"
        "ip.run_line_magic('load_ext', 'jupyter_mlops')\n"
        "ip.run_line_magic('mlops', 'run -p C 4 --wait')\n"
        "print('mlflow loaded:', 'mlflow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert "FINISHED" in out and out.strip().splitlines()[-1] == "mlflow loaded: False"
    run_id = out.split("Submitted job ", 1)[1].split()[0]
    job = describe_job(run_id)
    assert (job.status, job.parameters) == ("FINISHED", {"C": 4.0})


def test_run_takes_the_clis_launch_options(mlops_shell, mlops_notebook, monkeypatch, capsys):
    """--include, --sample/--seed, --max-concurrency and --kernel, as `jupyter mlops run`."""
    folder = Path(mlops_notebook("x = 1", name="scratch.ipynb")).parent / "with-helper"
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "helper.py").write_text("OFFSET = 10\n")
    nb = mlops_notebook(
        "import mlflow\nfrom lib import helper\nmlflow.log_metric('shifted', C + helper.OFFSET)",
        params="C: float = 1.0",
        name="scaled.ipynb",
        folder=folder / "nb",
    )
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    monkeypatch.chdir(folder)

    line = "run --sweep C=0:1 --sample 2 --seed 3 --max-concurrency 1 --include lib "
    mlops(mlops_shell, line + "--kernel python3 --wait")

    out = capsys.readouterr().out
    assert "Submitted sweep" in out and out.count("FINISHED") == 2, out
    parent = out.split("Submitted sweep ", 1)[1].split()[0]
    client = get_client(spec_uri())
    assert client.get_run(parent).data.tags[spec.SWEEP_MAX_CONCURRENCY] == "1"
    children = client.search_runs(
        [client.get_run(parent).info.experiment_id],
        filter_string=f"tags.`{spec.PARENT}` = '{parent}'",
    )
    assert len(children) == 2
    for child in children:
        assert child.data.tags[spec.KERNEL] == "python3"
        assert child.data.metrics["shifted"] == 10 + float(child.data.params["C"])


def spec_uri() -> str:
    from jupyter_mlops.config import resolve_tracking_uri

    return resolve_tracking_uri()


def test_track_runs_the_cell_in_a_job_like_run(mlops_shell, mlops_session_notebook, capsys):
    cell = (
        "from sklearn.linear_model import LogisticRegression\n"
        "fitted = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])\n"
    )
    mlops_shell.run_cell_magic("mlops", "track --name fit-it", cell)
    out = capsys.readouterr().out
    assert "fitted" in mlops_shell.user_ns
    run_id = out.split("Tracked run ", 1)[1].split(":")[0]
    assert "FINISHED with a snapshot of job.ipynb" in out
    client = get_client(f"sqlite:///{Path.cwd() / 'mlflow.db'}")
    run = client.get_run(run_id)
    tags = run.data.tags
    assert run.info.status == "FINISHED" and run.info.run_name == "fit-it"
    assert tags[spec.JOB] == "true" and tags[spec.EXECUTOR] == "interactive"
    assert tags[spec.NOTEBOOK] == str(mlops_session_notebook) and tags["mlops.card.owner"] == "ana"
    assert "training_score" in run.data.metrics  # autologging was on
    paths = {a.path for a in client.list_artifacts(run_id)}
    assert {"cell.py", "input", "receipt.json"} <= paths
    from jupyter_mlops.jobs.query import list_jobs

    assert run_id in [j.run_id for j in list_jobs()]


def test_track_restores_the_kernels_tracking_uri(mlops_shell, monkeypatch, tmp_path):
    import mlflow
    from mlflow.tracking._tracking_service import utils

    job_store = f"sqlite:///{tmp_path / 'job.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", job_store)  # as in a job's kernel
    assert utils._tracking_uri is None
    mlops_shell.run_cell_magic(
        "mlops", "track --no-autolog", "import mlflow\nmlflow.log_metric('m', 1)"
    )
    assert utils._tracking_uri is None and mlflow.get_tracking_uri() == job_store
    run = mlflow.MlflowClient(job_store).search_runs(["0", "1"])
    assert [r.data.metrics for r in run] == [{"m": 1.0}]


def test_track_marks_a_failing_cell_failed(mlops_shell, capsys):
    mlops_shell.run_cell_magic("mlops", "track --no-autolog", "raise KeyError('col')")
    out = capsys.readouterr().out
    assert "FAILED without a notebook snapshot (add --notebook PATH" in out
    run_id = out.split("Tracked run ", 1)[1].split(":")[0]
    run = get_client(f"sqlite:///{Path.cwd() / 'mlflow.db'}").get_run(run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags[spec.ENAME] == "KeyError" and run.data.tags[spec.REASON] == "cell error"


def test_run_optimize_is_a_study_from_a_cell(mlops_shell, mlops_notebook, monkeypatch, capsys):
    nb = mlops_notebook(
        "import mlflow\nmlflow.log_metric('score', -(C - 2) ** 2)", params="C: float = 1.0"
    )
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    mlops(mlops_shell, "run --optimize max(score) --trials 2 --sweep C=0:4 --seed 1 --wait")
    out = capsys.readouterr().out
    assert "Submitted study" in out and "FINISHED" in out, out
    parent = out.split("Submitted study ", 1)[1].split()[0]
    client = get_client(spec_uri())
    tags = client.get_run(parent).data.tags
    assert (tags[spec.STUDY], tags[spec.STUDY_OBJECTIVE]) == ("true", "score")
    assert int(float(client.get_run(parent).data.metrics["trials_complete"])) == 2


def test_schedule_schedules_the_open_notebook_and_lists_it(
    mlops_shell, mlops_session_notebook, capsys
):
    mlops(mlops_shell, 'schedule create --cron "30 5 * * 1-5" --timezone Europe/Paris -p C 0.5')
    mlops(mlops_shell, "schedule list")
    listed = capsys.readouterr().out
    row = next(line for line in listed.splitlines() if line.startswith("job "))
    assert row.split()[1:7] == ["30", "5", "*", "*", "1-5", "(Europe/Paris)"], listed
    assert row.split()[7].endswith(":30:00+01:00") or row.split()[7].endswith(":30:00+02:00")
    with pytest.raises(UsageError, match="is not a cron expression"):
        mlops(mlops_shell, 'schedule create --cron "every day" --name other')
    with pytest.raises(UsageError, match="No schedule 'nope'"):
        mlops(mlops_shell, "schedule pause nope")
    mlops(mlops_shell, "schedule pause job")
    assert "paused" in capsys.readouterr().out
    from jupyter_mlops.schedules.service import get_schedule

    stored = get_schedule("job")
    assert (stored.paused, stored.options["parameters"]) == (True, {"C": "0.5"})
