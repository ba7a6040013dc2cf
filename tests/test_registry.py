"""Registration: flavours, card on the version, idempotence, and the spool when MLflow is down."""

from __future__ import annotations

import json
import warnings
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest
from conftest import MlflowServer, free_port, run_cli
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlops
from jupyter_mlops.errors import InvalidCardError, InvalidParameterError, RegistrationError
from jupyter_mlops.registry import SpooledRegistrationWarning
from jupyter_mlops.registry.spool import claimed, pending, spool_dir
from jupyter_mlops.tracking import get_client

CARD = {
    "name": "iris-clf",
    "owner": "ana",
    "risk_tier": "high",
    "stage": "development",
    "alerts": [{"metric": "accuracy", "threshold": 0.9}],
}


@pytest.fixture(scope="module")
def mlops_model():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=300).fit(X, y), X


def _versions(uri: str, name: str) -> list:
    return get_client(uri).search_model_versions(f"name='{name}'")


def test_interactive_register_carries_card_snapshot_and_receipt(
    mlops_backend, mlops_model, mlops_notebook
):
    model, X = mlops_model
    nb = mlops_notebook("x = 1", card=CARD)
    reg = jupyter_mlops.register(
        model, notebook=str(nb), alias="challenger", input_example=X.head(2)
    )
    assert (reg.status, reg.name, reg.version, reg.alias) == (
        "registered",
        "iris-clf",
        "1",
        "challenger",
    )
    client = get_client(mlops_backend)
    mv = client.get_model_version("iris-clf", "1")
    assert mv.run_id == reg.run_id
    assert mv.tags["mlops.card.owner"] == "ana" and mv.tags["mlops.card.risk_tier"] == "high"
    assert json.loads(mv.tags["mlops.card.alerts"])[0]["metric"] == "accuracy"
    assert client.get_registered_model("iris-clf").tags["mlops.card.owner"] == "ana"
    assert str(client.get_model_version_by_alias("iris-clf", "challenger").version) == "1"
    artifacts = {a.path for a in client.list_artifacts(reg.run_id)}
    assert {"input", "receipt.json"} <= artifacts
    logged = client.get_logged_model(reg.model_id)  # the model is the run's LoggedModel
    assert (logged.source_run_id, str(logged.status)) == (reg.run_id, "READY")
    assert mv.source == f"models:/{reg.model_id}"
    assert "'sklearn' flavour, skops" in str(reg)
    receipt = jupyter_mlops.get_receipt(reg.run_id)
    assert receipt["run_id"] == reg.run_id and receipt["card"]["owner"] == "ana"
    import mlflow.artifacts
    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model("models:/iris-clf@challenger")
    assert list(loaded.predict(X.head(3))) == list(model.predict(X.head(3)))
    local = mlflow.artifacts.download_artifacts("models:/iris-clf/1", tracking_uri=mlops_backend)
    reqs = Path(local, "requirements.txt").read_text().split()
    assert f"scikit-learn=={dist_version('scikit-learn')}" in reqs
    assert all("==" in r for r in reqs)
    assert loaded.metadata.signature is not None


def test_register_inside_a_job_links_the_job_run_and_is_idempotent(mlops_notebook):
    nb = mlops_notebook(
        "from sklearn.dummy import DummyClassifier\nimport jupyter_mlops\n"
        "m = DummyClassifier().fit([[0], [1]], [0, 1])",
        "first = jupyter_mlops.register(m)\nsecond = jupyter_mlops.register(m)\n"
        "assert first.version == second.version == '1', (first, second)",
        card={"name": "dummy", "owner": "bo"},
    )
    run_id = jupyter_mlops.submit_job(nb)
    assert jupyter_mlops.wait_for_job(run_id).status == "FINISHED"
    uri = jupyter_mlops.config.get_settings().tracking_uri
    versions = _versions(uri, "dummy")
    assert [(str(v.version), v.run_id) for v in versions] == [("1", run_id)]
    assert versions[0].tags["mlops.card.owner"] == "bo"


def test_pyfunc_fallback_for_objects_with_predict(mlops_env):
    class Doubler:
        def predict(self, rows):
            return [2 * r for r in rows]

    reg = jupyter_mlops.register(Doubler(), "doubler")
    uri = jupyter_mlops.config.get_settings().tracking_uri
    assert (
        get_client(uri).get_model_version("doubler", reg.version).tags["mlops.flavor"] == "pyfunc"
    )


def test_bad_registrations_are_refused_with_a_clear_error(mlops_model):
    model, _ = mlops_model
    with pytest.raises(RegistrationError, match="No model name"):
        jupyter_mlops.register(model)
    with pytest.raises(InvalidCardError, match="not a valid model name"):
        jupyter_mlops.register(model, "bad/name")
    with pytest.raises(RegistrationError, match="not a model of a library"):
        jupyter_mlops.register(object(), "thing")
    assert pending() == []  # nothing half-written stays in the spool


def test_models_named_with_quotes_elsewhere_are_described():
    from jupyter_mlops.config import resolve_tracking_uri

    client = get_client(resolve_tracking_uri())
    for name in ("it's", 'the "best"', "both ' and \""):
        client.create_registered_model(name)
        client.create_model_version(name, "file:///nowhere", run_id=None)
    assert [v["version"] for v in jupyter_mlops.describe_model("it's")["versions"]] == ["1"]
    assert [v["version"] for v in jupyter_mlops.describe_model('the "best"')["versions"]] == ["1"]
    with pytest.raises(InvalidParameterError, match="holds both single and double quotes"):
        jupyter_mlops.describe_model("both ' and \"")


def test_register_run_picks_the_logged_model_of_a_run(mlops_notebook):
    nb = mlops_notebook(
        "from sklearn.dummy import DummyClassifier\nimport jupyter_mlops\n"
        "jupyter_mlops.log_model(DummyClassifier().fit([[0], [1]], [0, 1]))",
        card={"name": "from-run"},
    )
    run_id = jupyter_mlops.submit_job(nb)
    jupyter_mlops.wait_for_job(run_id)
    first = jupyter_mlops.register_run(run_id, alias="champion")
    again = jupyter_mlops.register_run(run_id)
    assert first.version == again.version == "1" and first.name == "from-run"


def test_server_down_spools_then_sync_gives_exactly_one_version(tmp_path, mlops_model, monkeypatch):
    model, _ = mlops_model
    server = MlflowServer(tmp_path / "flaky-server", port=free_port())
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = jupyter_mlops.register(model, "spooled-model", alias="champion")
    assert reg.status == "spooled" and reg.version is None
    assert any(
        issubclass(w.category, SpooledRegistrationWarning)
        and "jupyter mlops sync" in str(w.message)
        for w in caught
    )
    assert len(pending()) == 1
    still_down = run_cli("sync")
    assert still_down.returncode == 1 and "still pending" in still_down.stdout
    server.start()
    try:
        # An entry another process is pushing is left to it, never pushed twice.
        [waiting] = pending()
        with claimed(waiting) as held:
            assert held is not None and held.entry_id == waiting.entry_id
            busy = run_cli("sync", "--json")
            assert busy.returncode == 0, busy.stderr
            assert json.loads(busy.stdout)["pushed"] == []
        # A damaged entry is kept and named, and does not hold up the others.
        broken = spool_dir() / "0-damaged"
        broken.mkdir()
        (broken / "entry.json").write_text("{not json")
        synced = run_cli("sync", "--json")
        assert synced.returncode == 0, synced.stderr
        assert f"{broken} cannot be read" in synced.stderr
        assert broken.exists()
        assert [p["version"] for p in json.loads(synced.stdout)["pushed"]] == ["1"]
        assert json.loads(run_cli("sync", "--json").stdout)["pushed"] == []
        versions = _versions(server.uri, "spooled-model")
        assert [str(v.version) for v in versions] == ["1"]
        client = get_client(server.uri)
        assert str(client.get_model_version_by_alias("spooled-model", "champion").version) == "1"
        assert pending() == []
    finally:
        server.stop()


def test_any_cli_command_pushes_the_spool(tmp_path, mlops_model, monkeypatch):
    model, _ = mlops_model
    server = MlflowServer(tmp_path / "late-server", port=free_port())
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert jupyter_mlops.register(model, "late").status == "spooled"
    server.start()
    try:
        listed = run_cli("models")
        assert listed.returncode == 0, listed.stderr
        assert "synced spooled registration: late version 1" in listed.stderr
        assert "late" in listed.stdout
    finally:
        server.stop()
