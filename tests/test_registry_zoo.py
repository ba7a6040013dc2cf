"""Every model family a data scientist trains registers in its native flavour and loads back.

Each model of ``zoo_models`` is registered interactively and from inside a real job, on the
embedded store and on a real ``mlflow server``; each version must carry its flavour in
``MLmodel``, its library pinned in ``requirements.txt``, and predict as the original does when
loaded with ``mlflow.pyfunc.load_model`` and with ``jupyter_mlops.load_model``; ``evaluate``
finds drift against each one's reference profile, and the job that registered them all replays
with the same predictions.
"""

from __future__ import annotations

from importlib.metadata import version as dist_version
from pathlib import Path

import numpy as np
import pytest
import yaml
import zoo_models

import jupyter_mlops
from jupyter_mlops.errors import RegistrationError
from jupyter_mlops.registry.spool import pending
from jupyter_mlops.tracking import get_client

ZOO = zoo_models.build()


def native_predict(model, data):
    kind = type(model).__module__.split(".")[0]
    if kind == "xgboost" and type(model).__name__ == "Booster":
        import xgboost

        return model.predict(xgboost.DMatrix(data))
    return model.predict(data)


def check_version(uri: str, name: str, version: str, flavor: str, library: str, model, data):
    import mlflow.artifacts
    import mlflow.pyfunc

    local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", tracking_uri=uri))
    meta = yaml.safe_load((local / "MLmodel").read_text())
    assert flavor in meta["flavors"], meta["flavors"].keys()
    assert meta["model_id"] and meta["run_id"]
    reqs = (local / "requirements.txt").read_text().split()
    assert f"{library}=={dist_version(library)}" in reqs, reqs
    assert all("==" in r for r in reqs), reqs
    rows = data.head(7)
    expected = np.asarray(native_predict(model, rows), dtype=float)
    mlflow.set_tracking_uri(uri)
    by_mlflow = np.asarray(mlflow.pyfunc.load_model(f"models:/{name}/{version}").predict(rows))
    by_us = np.asarray(
        jupyter_mlops.load_model(f"{name}/{version}", tracking_uri=uri).predict(rows)
    )
    np.testing.assert_allclose(by_mlflow.astype(float), expected, rtol=1e-6)
    np.testing.assert_allclose(by_us.astype(float), expected, rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(ZOO))
def test_interactive_register_saves_the_native_flavour_and_loads_back(mlops_backend, kind):
    model, data, flavor, library = ZOO[kind]
    reg = jupyter_mlops.register(model, f"zoo-{kind}", input_example=data.head(3), reference=data)
    assert (reg.status, reg.flavor) == ("registered", flavor)
    check_version(mlops_backend, reg.name, reg.version, flavor, library, model, data)
    client = get_client(mlops_backend)
    run = client.get_run(reg.run_id)
    contexts = {(d.dataset.name, tuple(t.value for t in d.tags)) for d in run.inputs.dataset_inputs}
    assert (f"zoo-{kind}-reference", ("training",)) in contexts
    assert client.get_logged_model(reg.model_id).source_run_id == reg.run_id
    shifted = data.copy()
    numeric = list(shifted.select_dtypes("number").columns)
    shifted[numeric] = shifted[numeric] * 1.5 + 1
    evaluation = jupyter_mlops.evaluate(reg.name, shifted)
    assert (evaluation.rows, evaluation.drift_status) == (len(data), "drift")
    drifted = {d["feature"] for d in evaluation.drift if d["psi"] > 0.25}
    assert drifted == {c for c in numeric if shifted[c].nunique() > 1}, evaluation.drift


def test_serialization_is_skops_with_the_models_types_or_cloudpickle_for_notebook_code():
    tree = jupyter_mlops.register(ZOO["tree"][0], "zoo-tree-format")
    custom = jupyter_mlops.register(ZOO["custom-pipeline"][0], "zoo-custom-format")
    assert (tree.serialization, custom.serialization) == ("skops", "cloudpickle")
    import mlflow.artifacts

    local = mlflow.artifacts.download_artifacts("models:/zoo-tree-format/1")
    meta = yaml.safe_load(Path(local, "MLmodel").read_text())["flavors"]["sklearn"]
    assert meta["serialization_format"] == "skops"
    assert "sklearn.tree._tree.Tree" in meta["skops_trusted_types"]


JOB_CELL = """
import jupyter_mlops
import xgboost
registered = {}
for kind, (model, data, flavor, library) in build().items():
    reg = jupyter_mlops.register(model, f"job-{kind}", input_example=data.head(3))
    assert reg.flavor == flavor, (kind, reg)
    registered[kind] = reg.version
    rows = xgboost.DMatrix(data) if kind == "xgb-booster" else data
    jupyter_mlops.log({f"mean_prediction.{kind}": float(np.mean(model.predict(rows)))})
jupyter_mlops.log({"models": len(registered)})
"""


def test_a_job_registers_every_model_of_the_zoo(mlops_backend, mlops_notebook):
    source = Path(zoo_models.__file__).read_text()
    nb = mlops_notebook(source, JOB_CELL, card={"name": "zoo", "owner": "ana"})
    run_id = jupyter_mlops.submit_job(nb)
    assert jupyter_mlops.wait_for_job(run_id).status == "FINISHED"
    client = get_client(mlops_backend)
    for kind, (model, data, flavor, library) in ZOO.items():
        (found,) = client.search_model_versions(f"name='job-{kind}'")
        assert found.run_id == run_id and found.tags["mlops.card.owner"] == "ana"
        assert found.tags["mlops.flavor"] == flavor
        check_version(mlops_backend, f"job-{kind}", found.version, flavor, library, model, data)
    custom = client.search_model_versions("name='job-custom-pipeline'")[0]
    assert custom.tags["mlops.serialization"] == "cloudpickle"  # ClippedScaler is __main__'s
    if mlops_backend.startswith("http"):  # once, on the real server: the job replays
        replayed = jupyter_mlops.replay(run_id)
        assert replayed.reproduced, str(replayed)
        assert {f"mean_prediction.{kind}" for kind in ZOO} <= set(replayed.metrics)
        for kind, (_, _, flavor, _) in ZOO.items():
            again = client.get_model_version(f"job-{kind}", "2")
            assert (again.run_id, again.tags["mlops.flavor"]) == (replayed.replay_run_id, flavor)


def _nothing_left(name: str) -> None:
    from jupyter_mlops.config import resolve_tracking_uri

    assert pending() == []
    assert get_client(resolve_tracking_uri()).search_model_versions(f"name='{name}'") == []


def test_an_object_that_is_no_model_is_refused_clearly():
    with pytest.raises(RegistrationError, match=r"Cannot register a object: .*PythonModel"):
        jupyter_mlops.register(object(), "not-a-model")
    _nothing_left("not-a-model")


def test_a_model_of_a_library_missing_here_names_what_to_install():
    try:
        import tensorflow  # noqa: F401

        pytest.skip("tensorflow is installed here")
    except ImportError:
        pass
    Model = type("Model", (), {"__module__": "tensorflow.python.keras.engine", "predict": len})
    with pytest.raises(RegistrationError, match="Install tensorflow"):
        jupyter_mlops.register(Model(), "missing-library")
    _nothing_left("missing-library")


def test_the_wrong_object_of_a_library_says_what_its_flavour_takes():
    import statsmodels.api as sm
    import xgboost

    data = ZOO["ols"][1]
    with pytest.raises(RegistrationError, match="fitted results"):
        jupyter_mlops.register(sm.OLS(np.ones(len(data)), data), "unfitted")
    with pytest.raises(RegistrationError, match=r"xgboost\.Booster"):
        jupyter_mlops.register(xgboost.DMatrix(data), "a-matrix")
    _nothing_left("unfitted")
    _nothing_left("a-matrix")


def test_pytorch_modules_register_in_the_pytorch_flavour():
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(4, 3))
    rows = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    reg = jupyter_mlops.register(net, "zoo-torch", input_example=rows)
    assert reg.flavor == "pytorch"
    loaded = jupyter_mlops.load_model("zoo-torch")
    expected = net(torch.from_numpy(rows)).detach().numpy()
    np.testing.assert_allclose(np.asarray(loaded.predict(rows)), expected, rtol=1e-5)


def test_keras_models_register_in_the_keras_flavour():
    keras = pytest.importorskip("keras")
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    rows = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    reg = jupyter_mlops.register(net, "zoo-keras", input_example=rows)
    assert reg.flavor in ("keras", "tensorflow")
    loaded = jupyter_mlops.load_model("zoo-keras")
    np.testing.assert_allclose(np.asarray(loaded.predict(rows)), net.predict(rows), rtol=1e-5)


def test_mlflow_still_deserializes_python_saved_models_by_default(monkeypatch):
    from mlflow.environment_variables import MLFLOW_ALLOW_PICKLE_DESERIALIZATION

    monkeypatch.delenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", raising=False)
    assert MLFLOW_ALLOW_PICKLE_DESERIALIZATION.get() is True, (
        "MLflow no longer loads pickle/skops models by default: every scikit-learn and "
        "statsmodels version now needs MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true; update the "
        "README's 'What register() saves' and decide what load_model() should do."
    )
    model, data, _, _ = ZOO["forest"]
    jupyter_mlops.register(model, "zoo-default-load")
    loaded = jupyter_mlops.load_model("zoo-default-load")
    np.testing.assert_array_equal(loaded.predict(data.head(5)), model.predict(data.head(5)))


def test_a_refused_deserialization_says_which_version_and_what_to_set(monkeypatch):
    from jupyter_mlops.errors import ModelLoadRefusedError

    for kind in ("tree", "ols", "xgb-booster"):
        model, data, _, _ = ZOO[kind]
        jupyter_mlops.register(model, f"zoo-refused-{kind}", reference=data)
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    tree_data = ZOO["tree"][1]
    with pytest.raises(ModelLoadRefusedError, match=r"zoo-refused-tree version 1: .*sklearn skops"):
        jupyter_mlops.load_model("zoo-refused-tree")
    with pytest.raises(ModelLoadRefusedError, match="MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true"):
        jupyter_mlops.evaluate("zoo-refused-tree", tree_data)
    with pytest.raises(ModelLoadRefusedError, match="statsmodels"):
        jupyter_mlops.load_model("zoo-refused-ols")
    booster, data, _, _ = ZOO["xgb-booster"]
    loaded = jupyter_mlops.load_model("zoo-refused-xgb-booster")
    expected = native_predict(booster, data.head(5))
    np.testing.assert_allclose(np.asarray(loaded.predict(data.head(5))), expected, rtol=1e-6)
