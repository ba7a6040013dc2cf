"""The REST API of the server extension, through a real Jupyter server and a real MLflow store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from server_support import mlops_get_error

import jupyter_mlops
from jupyter_mlops.server.models import ModelSummary

ENDPOINTS = ["models", "health"]


async def test_models_on_an_empty_store(jp_fetch):
    response = await jp_fetch("mlops", "models")

    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.body) == {"models": []}


async def test_models_lists_a_registered_model_with_its_card_owner(jp_fetch, mlops_tracking_uri):
    from mlflow import MlflowClient

    MlflowClient(mlops_tracking_uri).create_registered_model("m1", tags={"mlops.card.owner": "ana"})

    response = await jp_fetch("mlops", "models")

    models = json.loads(response.body)["models"]
    assert [m["name"] for m in models] == ["m1"]
    (model,) = models
    assert set(model) == set(ModelSummary.model_fields)
    assert model["owner"] == "ana"
    assert model["tags"] == {"mlops.card.owner": "ana"}
    assert model["risk_tier"] is None
    assert model["latest_version"] is None
    assert model["aliases"] == {}
    assert isinstance(model["updated_at"], int)


async def test_health_reports_version_and_configured_tracking_uri(jp_fetch, mlops_tracking_uri):
    response = await jp_fetch("mlops", "health")

    assert json.loads(response.body) == {
        "version": jupyter_mlops.__version__,
        "tracking_uri": mlops_tracking_uri,
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_request_without_token_is_refused(jp_fetch, endpoint):
    code, body = await mlops_get_error(jp_fetch, "mlops", endpoint, headers={"Authorization": ""})

    assert code == 403
    assert body == {"error": "FORBIDDEN", "message": "Forbidden"}


class TestUnconfiguredTrackingUri:
    @pytest.fixture
    def mlops_app_config(self) -> dict[str, Any]:
        return {"warm_models_cache": False}

    async def test_health_resolves_from_the_environment(self, jp_fetch, monkeypatch, tmp_path):
        uri = f"sqlite:///{tmp_path / 'from-env.db'}"
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)

        response = await jp_fetch("mlops", "health")

        assert json.loads(response.body)["tracking_uri"] == uri

    async def test_mlops_error_becomes_json_with_its_status(self, jp_fetch, tmp_path, monkeypatch):
        # No configured URI, so the server reads [tool.jupyter-mlops] from the cwd's pyproject.toml.
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
        (tmp_path / "pyproject.toml").write_text("[tool.jupyter-mlops\n", encoding="utf-8")
        monkeypatch.chdir(tmp_path)

        code, body = await mlops_get_error(jp_fetch, "mlops", "health")

        assert code == 400
        assert body["error"] == "INVALID_CONFIG"
        assert body["message"].startswith(f"Cannot read {tmp_path / 'pyproject.toml'}")
        assert set(body) == {"error", "message"}


class TestUnsupportedTrackingStore:
    @pytest.fixture
    def mlops_app_config(self) -> dict[str, Any]:
        return {"tracking_uri": "nosuchscheme://store", "warm_models_cache": False}

    async def test_unexpected_failure_is_a_generic_500_without_internals(self, jp_fetch):
        code, body = await mlops_get_error(jp_fetch, "mlops", "models")

        assert code == 500
        assert body == {
            "error": "INTERNAL_ERROR",
            "message": "The jupyter-mlops server extension failed; see the Jupyter server log.",
        }


class MlopsDenyingAuthorizer(Authorizer):
    """Lets a user do anything except touch the ``mlops`` resource."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return resource != "mlops"


class TestAuthorization:
    @pytest.fixture
    def mlops_serverapp_config(self) -> dict[str, Any]:
        return {"authorizer_class": MlopsDenyingAuthorizer}

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    async def test_authorizer_denying_the_mlops_resource_gets_403(self, jp_fetch, endpoint):
        code, body = await mlops_get_error(jp_fetch, "mlops", endpoint)

        assert code == 403
        assert body["error"] == "FORBIDDEN"

    async def test_other_resources_stay_allowed(self, jp_fetch):
        response = await jp_fetch("api", "status")

        assert response.code == 200
