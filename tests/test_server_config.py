"""``GET mlops/config`` through a real Jupyter server: the executor and what it can do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from server_support import mlops_get_error

from jupyter_mlops.jobs.executors import FEATURES
from jupyter_mlops.server.models import DescribeConfig


async def get_config(jp_fetch) -> tuple[DescribeConfig, str]:
    response = await jp_fetch("mlops", "config")
    body = response.body.decode()
    return DescribeConfig.model_validate_json(body), body


async def test_authenticated_user_reads_the_local_executor_and_its_features(jp_fetch):
    config, _ = await get_config(jp_fetch)

    assert config.executor == "local"
    assert set(config.features) == set(FEATURES)
    # A local job runs in a process on this machine: it can be stopped and timed out,
    # but there are no worker resources to ask for.
    assert config.features["cancel"] is True
    assert config.features["timeout"] is True
    assert config.features["resources"] is False
    assert config.tracking_uri_is_remote is False


async def test_request_without_credentials_is_refused(jp_fetch):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "config", headers={"Authorization": ""})

    assert code == 403
    assert answer["error"] == "FORBIDDEN"


class TestRemoteTracking:
    SECRET = "s3cret-pass"

    @pytest.fixture
    def mlops_tracking_uri(self) -> str:
        # Never contacted: the answer only says whether the store is remote.
        return f"https://ana:{self.SECRET}@mlflow.example.invalid"

    async def test_says_the_store_is_remote_without_naming_it(self, jp_fetch):
        config, body = await get_config(jp_fetch)

        assert config.tracking_uri_is_remote is True
        assert self.SECRET not in body
        assert "example.invalid" not in body
        assert set(json.loads(body)) == {"executor", "features", "tracking_uri_is_remote"}


class TestDaskExecutor:
    ADDRESS = "10.1.2.3:8786"

    @pytest.fixture
    def mlops_app_config(self, mlops_tracking_uri: str) -> dict[str, Any]:
        return {
            "tracking_uri": mlops_tracking_uri,
            "warm_models_cache": False,
            "executor": "dask",
            "dask_address": self.ADDRESS,
        }

    async def test_names_the_executor_and_offers_worker_resources(self, jp_fetch):
        config, body = await get_config(jp_fetch)

        assert config.executor == "dask"
        assert config.features["resources"] is True
        assert config.features["cancel"] is True
        assert self.ADDRESS not in body


class TestUnknownExecutor:
    @pytest.fixture
    def mlops_app_config(self, mlops_tracking_uri: str) -> dict[str, Any]:
        return {"tracking_uri": mlops_tracking_uri, "warm_models_cache": False, "executor": "nope"}

    async def test_answers_the_config_error_listing_valid_executors(self, jp_fetch):
        code, answer = await mlops_get_error(jp_fetch, "mlops", "config")

        assert code == 400
        assert answer["error"] == "INVALID_CONFIG"
        assert "Unknown executor 'nope'" in answer["message"]
        assert "dask, local" in answer["message"]
