"""Replay a run from its snapshot and receipt, and diff two runs, on a real MLflow server."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

import jupyter_mlops
from jupyter_mlops import diff, replay, submit_job, wait_for_job
from jupyter_mlops.errors import InputDataChangedError, InvalidParameterError, NotFoundError
from jupyter_mlops.provenance import sha256_file
from jupyter_mlops.reproduce import facts
from jupyter_mlops.reproduce.replay import parse_tolerances
from jupyter_mlops.tracking import get_client

CARD = {"name": "repro-model", "owner": "ana", "inputs": ["data.csv"]}
READS_DATA = (
    "import mlflow\n"
    "total = sum(int(v) for v in open('data.csv').read().split())\n"
    "mlflow.log_metric('total', total * scale)"
)


@pytest.fixture
def mlops_uri(mlops_server, monkeypatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlops_server.uri)
    return str(mlops_server.uri)


def _finished(notebook, parameters=None) -> str:
    run_id = submit_job(notebook, parameters)
    assert wait_for_job(run_id).status == "FINISHED"
    return run_id


def _tags(uri: str, run_id: str) -> dict[str, str]:
    return dict(get_client(uri).get_run(run_id).data.tags)


@pytest.fixture
def mlops_tracking_uri(mlops_uri) -> str:
    """The Jupyter server extension reads the same MLflow server."""
    return mlops_uri


async def test_deterministic_notebook_replays_as_reproduced(
    mlops_uri, mlops_notebook, mlops_env, jp_fetch
):
    (mlops_env / "data.csv").write_text("1 2 3\n")
    nb = mlops_notebook(READS_DATA, params="scale: int = 1", card=CARD)
    run_id = _finished(nb, {"scale": 10})
    client = get_client(mlops_uri)
    client.create_registered_model("repro-model")
    client.create_model_version("repro-model", f"runs:/{run_id}/model", run_id=run_id)
    assert jupyter_mlops.describe_model("repro-model")["versions"][0]["replay"] is None

    result = replay(run_id)

    assert result.reproduced and result.verdict == "reproduced", str(result)
    assert result.metrics == {"total": {"original": 60.0, "replay": 60.0}}
    assert result.metric_differences == [] and result.changed_inputs == []
    assert set(result.environment) >= {"python", "missing", "changed", "added"}
    new = client.get_run(result.replay_run_id)
    assert new.data.params == {"scale": "10"}  # the original parameters, not the default
    assert new.data.tags[facts.REPLAY_OF] == run_id
    assert new.data.tags[facts.REPLAY_VERDICT] == "reproduced"
    assert facts.REPLAY_ALLOW_CHANGED_DATA not in new.data.tags
    assert new.data.tags["mlops.job.cwd"] == str(mlops_env)  # ran where the data is
    receipt = jupyter_mlops.get_receipt(result.replay_run_id)
    assert receipt["notebook"]["sha256"] == jupyter_mlops.get_receipt(run_id)["notebook"]["sha256"]
    original = _tags(mlops_uri, run_id)
    assert original[facts.REPLAY_LAST_RUN] == result.replay_run_id
    assert original[facts.REPLAY_VERDICT] == "reproduced" and float(original[facts.REPLAY_AT])
    version = jupyter_mlops.describe_model("repro-model")["versions"][0]
    assert version["replay"]["reproduced"] is True
    assert version["replay"]["replay_run_id"] == result.replay_run_id
    assert version["replay"]["at"] == float(original[facts.REPLAY_AT])
    # The sidebar's model view (REST) carries the same verdict.
    described = json.loads((await jp_fetch("mlops", "models", "repro-model")).body)
    assert described["versions"][0]["replay"] == {
        "verdict": "reproduced",
        "reproduced": True,
        "at": float(original[facts.REPLAY_AT]),
        "replay_run_id": result.replay_run_id,
    }


def test_unseeded_randomness_is_not_reproduced(mlops_uri, mlops_notebook):
    nb = mlops_notebook("import mlflow, random\nmlflow.log_metric('r', random.random())")
    run_id = _finished(nb)

    cli = run_cli("replay", run_id, "--json")

    assert cli.returncode == 1, cli.stderr
    result = json.loads(cli.stdout)
    assert result["verdict"] == "not reproduced" and result["reproduced"] is False
    [difference] = result["metric_differences"]
    assert difference["metric"] == "r" and difference["tolerance"] is None
    assert difference["difference"] == pytest.approx(difference["replay"] - difference["original"])
    assert difference["difference"] != 0
    for run in (run_id, result["replay_run_id"]):
        tags = _tags(mlops_uri, run)
        assert tags[facts.REPLAY_VERDICT] == "not reproduced"
        assert json.loads(tags[facts.REPLAY_DIFFERENCES])[0]["metric"] == "r"

    with pytest.raises(InvalidParameterError, match="logged no such metric"):
        replay(run_id, tolerances={"accuracy": 0.1})
    tolerant = replay(run_id, tolerances={"r": 1.0})  # random() differs by less than 1
    assert tolerant.reproduced and tolerant.tolerances == {"r": 1.0}
    assert _tags(mlops_uri, run_id)[facts.REPLAY_LAST_RUN] == tolerant.replay_run_id


def test_changed_input_refuses_replay_unless_allowed(mlops_uri, mlops_notebook, mlops_env):
    data = mlops_env / "data.csv"
    data.write_text("1 2 3\n")
    old_sha = sha256_file(data)
    nb = mlops_notebook(READS_DATA, params="scale: int = 1", card=CARD)
    run_id = _finished(nb)
    data.write_text("1 2 4\n")
    new_sha = sha256_file(data)

    with pytest.raises(InputDataChangedError, match=r"data\.csv") as caught:
        replay(run_id)
    assert old_sha in caught.value.message and new_sha in caught.value.message
    assert caught.value.details["changed_inputs"][0]["status"] == "changed"
    cli = run_cli("replay", run_id)
    assert cli.returncode == 2
    assert "data.csv (changed)" in cli.stderr and "--allow-changed-data" in cli.stderr

    result = replay(run_id, allow_changed_data=True)

    assert [(c["path"], c["old_sha256"], c["new_sha256"]) for c in result.changed_inputs] == [
        ("data.csv", old_sha, new_sha)
    ]
    assert not result.reproduced  # the data changed, and so did the metric
    assert result.metric_differences[0]["difference"] == 1.0
    tags = _tags(mlops_uri, result.replay_run_id)
    assert tags[facts.REPLAY_ALLOW_CHANGED_DATA] == "true"
    assert json.loads(tags[facts.REPLAY_CHANGED_INPUTS])[0]["new_sha256"] == new_sha

    data.unlink()
    with pytest.raises(InputDataChangedError, match=r"data\.csv \(missing\)"):
        replay(run_id)


def test_notebook_edited_on_disk_replays_the_snapshot_and_diff_shows_the_edit(
    mlops_uri, mlops_notebook
):
    nb = mlops_notebook("import mlflow\nmlflow.log_metric('m', 1)", "y = 2", params="p: int = 1")
    run_id = _finished(nb)
    edited = mlops_notebook(
        "import mlflow\nmlflow.log_metric('m', 5)", "y = 2", "z = 3", params="p: int = 1"
    )
    assert edited == nb  # the same file, now edited

    result = replay(run_id)

    assert result.reproduced, str(result)  # the snapshot logs 1, the file on disk 5
    assert diff(run_id, result.replay_run_id).changed_sections() == []
    later = _finished(edited, {"p": 2})
    changes = diff(run_id, later)
    assert changes.changed_sections() == ["notebook", "parameters", "metrics"]
    modified, added = changes.notebook["cells"]
    assert (modified["change"], modified["index_a"], modified["index_b"]) == ("modified", 1, 1)
    assert "-  mlflow.log_metric('m', 1)" in modified["diff"]
    assert "+  mlflow.log_metric('m', 5)" in modified["diff"]
    assert (added["change"], added["index_b"], added["source_b"]) == ("added", 3, "z = 3")
    assert changes.parameters == {"p": {"a": "1", "b": "2"}}
    assert changes.metrics == {"m": {"a": 1.0, "b": 5.0, "difference": 4.0}}
    html = changes._repr_html_()
    assert "<table>" in html and "mlflow.log_metric(&#x27;m&#x27;, 5)" in html

    text = run_cli("diff", run_id, later)
    assert text.returncode == 0, text.stderr
    assert "cell 1 (code) modified" in text.stdout and "cell 3 (code) added" in text.stdout
    assert "p: 1 -> 2" in text.stdout and "m: 1.0 -> 5.0 (+4)" in text.stdout
    as_json = run_cli("diff", run_id, later, "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["identical"] is False and len(data["notebook"]["cells"]) == 2


def test_unknown_run_and_bad_tolerance_are_clear_errors(mlops_uri):
    missing = "0" * 32
    with pytest.raises(NotFoundError, match=f"No run '{missing}'"):
        replay(missing)
    with pytest.raises(NotFoundError, match=f"No run '{missing}'"):
        diff(missing, missing)
    cli = run_cli("replay", missing, "--json")
    assert cli.returncode == 2 and json.loads(cli.stdout)["error"] == "NOT_FOUND"
    assert f"No run '{missing}'" in cli.stderr
    assert run_cli("diff", missing, missing).returncode == 2
    assert parse_tolerances(["acc=0.5", "a=b=0"]) == {"acc": 0.5, "a=b": 0.0}
    for bad in ("acc", "acc=-1", "=1", "acc=high"):
        with pytest.raises(InvalidParameterError, match="METRIC=ABS"):
            parse_tolerances([bad])
    assert run_cli("replay", missing, "--tolerance", "acc").returncode == 2


def test_diff_shows_card_and_input_changes_and_a_same_environment(mlops_notebook, mlops_env):
    """On the embedded store: the card and the data change between two runs, nothing else."""
    from jupyter_mlops.card import write_card

    data = mlops_env / "data.csv"
    data.write_text("1 2 3\n")
    nb = mlops_notebook(READS_DATA, params="scale: int = 1", card=CARD)
    first = _finished(nb)
    data.write_text("1 2 4\n")
    write_card(nb, {**CARD, "owner": "bo"})
    second = _finished(nb)

    changes = diff(first, second)

    assert changes.changed_sections() == ["card", "inputs", "metrics"]
    assert changes.card == {"owner": {"a": "ana", "b": "bo"}}
    assert changes.inputs == {"data.csv": {"a": sha256_file_of("1 2 3\n"), "b": sha256_file(data)}}
    assert changes.notebook["cells"] == []  # only the card in the metadata changed
    assert changes.metrics["total"]["difference"] == 1.0
    text = run_cli("diff", first, second)
    assert text.returncode == 0, text.stderr
    assert "owner" in text.stdout and "data.csv" in text.stdout
    as_json = json.loads(run_cli("diff", first, second, "--json").stdout)
    assert as_json["card"] == changes.card and as_json["inputs"] == changes.inputs


def sha256_file_of(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()
