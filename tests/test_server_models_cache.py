"""Models list and describe through the REST API against a real MLflow server, and its cache."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from server_support import mlops_get_error

import jupyter_mlops
from jupyter_mlops.server.models import DescribeModel
from jupyter_mlops.server.models_cache import ModelsCache

pytestmark = pytest.mark.server


@pytest.fixture
def mlops_tracking_uri(mlops_server) -> str:
    return str(mlops_server.uri)


@pytest.fixture(autouse=True)
def mlops_registry_left_as_found(mlops_server) -> Iterator[None]:
    """The real server is shared by the session: delete the models a test registered."""
    from mlflow import MlflowClient

    client = MlflowClient(mlops_server.uri, registry_uri=mlops_server.uri)
    before = {m.name for m in client.search_registered_models(max_results=1000)}
    yield
    for model in client.search_registered_models(max_results=1000):
        if model.name not in before:
            client.delete_registered_model(model.name)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.time_ns()}"


async def model_names(jp_fetch, **params: str) -> list[str]:
    body = json.loads((await jp_fetch("mlops", "models", params=params)).body)
    return [m["name"] for m in body["models"]]


async def test_describe_model_has_versions_with_card_and_receipt(jp_fetch, mlops_tracking_uri):
    from sklearn.dummy import DummyClassifier

    name = unique("described")
    card = {"name": name, "owner": "ana", "risk_tier": "high", "stage": "staging"}
    model = DummyClassifier().fit([[0], [1]], [0, 1])
    jupyter_mlops.register(model, card=card, alias="challenger", tracking_uri=mlops_tracking_uri)
    jupyter_mlops.register(model, card=card, tracking_uri=mlops_tracking_uri)

    body = json.loads((await jp_fetch("mlops", "models", name)).body)

    DescribeModel.model_validate(body)
    assert body["name"] == name and body["owner"] == "ana" and body["latest_version"] == "2"
    assert body["aliases"] == {"challenger": "1"}
    assert [v["version"] for v in body["versions"]] == ["2", "1"]
    v1 = body["versions"][1]
    assert v1["aliases"] == ["challenger"]
    assert v1["card"]["owner"] == "ana" and v1["card"]["risk_tier"] == "high"
    assert v1["receipt_url"] == f"receipts/{v1['run_id']}"
    assert v1["run_url"].startswith(f"{mlops_tracking_uri}/#/experiments/")
    receipt = json.loads((await jp_fetch("mlops", *v1["receipt_url"].split("/"))).body)
    assert receipt["receipt"]["card"]["owner"] == "ana"


async def test_describe_unknown_model_is_a_404(jp_fetch):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "models", "no-such-model")

    assert (code, answer["error"]) == (404, "NOT_FOUND")
    assert "No registered model 'no-such-model'" in answer["message"]


async def test_list_is_refreshed_incrementally_and_fully_on_demand(jp_fetch, mlops_tracking_uri):
    from mlflow import MlflowClient

    client = MlflowClient(mlops_tracking_uri)
    first, second = unique("inc-a"), unique("inc-b")
    client.create_registered_model(first, tags={"mlops.card.owner": "ana"})
    assert first in await model_names(jp_fetch)

    # A new model is found by the incremental read...
    client.create_registered_model(second)
    names = await model_names(jp_fetch)
    assert first in names and second in names
    assert names == sorted(names)

    # ...a deletion does not bump any timestamp, so only a full refresh sees it.
    client.delete_registered_model(first)
    assert first in await model_names(jp_fetch)
    assert first not in await model_names(jp_fetch, refresh="full")


def test_incremental_read_stops_at_the_first_cached_timestamp(mlops_tracking_uri, monkeypatch):
    from mlflow import MlflowClient

    client = MlflowClient(mlops_tracking_uri)
    for i in range(4):
        client.create_registered_model(unique(f"page-{i}"))
    cache = ModelsCache(full_refresh_s=3600, page_size=2)
    cache.response_json(mlops_tracking_uri)

    seen: list[Any] = []
    from jupyter_mlops import registry

    real = registry.iter_models

    def counting(*args: Any, **kwargs: Any):
        for summary in real(*args, **kwargs):
            seen.append(summary["name"])
            yield summary

    monkeypatch.setattr(registry, "iter_models", counting)
    cache.response_json(mlops_tracking_uri)
    # Nothing changed: the newest model and the next, older one end the read.
    assert len(seen) <= 2

    newest = unique("page-new")
    client.create_registered_model(newest)
    seen.clear()
    body = json.loads(cache.response_json(mlops_tracking_uri))
    assert seen[0] == newest and len(seen) <= 3
    assert newest in [m["name"] for m in body["models"]]


class TestDownServer:
    @pytest.fixture
    def mlops_tracking_uri(self) -> str:
        from conftest import free_port

        return f"http://127.0.0.1:{free_port()}"

    async def test_models_of_a_down_server_is_a_503_with_a_message(self, jp_fetch):
        code, answer = await mlops_get_error(jp_fetch, "mlops", "models")

        assert (code, answer["error"]) == (503, "TRACKING_UNAVAILABLE")
        assert "does not answer" in answer["message"]


class TestWarmUp:
    @pytest.fixture
    def mlops_app_config(self, mlops_tracking_uri) -> dict[str, Any]:
        return {"tracking_uri": mlops_tracking_uri, "warm_models_cache": True}

    async def test_cache_is_filled_in_the_background_when_the_extension_loads(
        self, jp_serverapp, mlops_tracking_uri
    ):
        (app,) = jp_serverapp.extension_manager.extension_apps["jupyter_mlops"]
        deadline = time.monotonic() + 60
        while mlops_tracking_uri not in app.models_cache._registries or (
            app.models_cache._registries[mlops_tracking_uri].body is None
        ):
            assert time.monotonic() < deadline, "the cache was not warmed"
            await asyncio.sleep(0.1)
