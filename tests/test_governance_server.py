"""The inventory over the REST API, and RAG status in the models list, via a real Jupyter server."""

from __future__ import annotations

import json

from governance_support import make_model
from server_support import mlops_get_error

from jupyter_mlops.server.models import InventoryRow, ListInventoryResponse


async def test_inventory_route_serves_the_inventory(jp_fetch, mlops_tracking_uri):
    make_model(mlops_tracking_uri, "served", 2, {"champion": 2}, owner="ana", risk_tier="low")
    make_model(mlops_tracking_uri, "ownerless", 1, risk_tier="medium")

    response = await jp_fetch("mlops", "inventory")

    body = json.loads(response.body)
    ListInventoryResponse.model_validate(body)
    rows = {r["name"]: r for r in body["models"]}
    assert list(rows) == ["ownerless", "served"]
    assert set(rows["served"]) == set(InventoryRow.model_fields)
    assert (rows["served"]["champion"], rows["served"]["latest_version"]) == ("2", "2")
    assert rows["served"]["rag"] == "red"  # a champion without validation sign-off
    assert rows["ownerless"]["rag_reasons"][0] == "no owner"


async def test_models_list_carries_the_rag_status(jp_fetch, mlops_tracking_uri):
    make_model(mlops_tracking_uri, "listed", 1, owner="ana", risk_tier="high")

    models = json.loads((await jp_fetch("mlops", "models")).body)["models"]

    assert models[0]["rag"] == "amber"
    assert models[0]["rag_reasons"] == [
        "missing card fields for a high-risk model: use_case, materiality, documentation_url"
    ]


async def test_a_bad_policy_is_a_clear_error_not_a_500(jp_fetch, jp_root_dir, monkeypatch):
    (jp_root_dir / "pyproject.toml").write_text(
        "[tool.jupyter-mlops.policy]\nstaleness_days = -1\n", encoding="utf-8"
    )
    monkeypatch.chdir(jp_root_dir)

    code, answer = await mlops_get_error(jp_fetch, "mlops", "inventory")

    assert code == 400 and answer["error"] == "INVALID_CONFIG"
    assert "key 'staleness_days'" in answer["message"]
