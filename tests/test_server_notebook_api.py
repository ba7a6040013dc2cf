"""Card and parameters of notebooks through the REST API (a real Jupyter server)."""

from __future__ import annotations

import json

import pytest
from server_support import mlops_get_error, mlops_post

from jupyter_mlops.card import card_json_schema, read_card
from jupyter_mlops.server.models import DescribeCard, DescribeParameters


async def test_card_read_then_written_on_disk(jp_fetch, jp_root_dir, mlops_notebook):
    nb = mlops_notebook("print(1)", name="a.ipynb", folder=jp_root_dir / "sub")

    empty = json.loads((await jp_fetch("mlops", "card", params={"path": "sub/a.ipynb"})).body)
    assert empty == {"path": "sub/a.ipynb", "card": None, "schema_version": 1}

    written = await mlops_post(
        jp_fetch,
        "mlops",
        "card",
        method="PUT",
        body={"path": "sub/a.ipynb", "card": {"owner": "ana", "risk_tier": "high"}},
    )

    DescribeCard.model_validate(written)
    assert written["card"]["owner"] == "ana" and written["card"]["risk_tier"] == "high"
    card = read_card(nb)
    assert card is not None and card.owner == "ana"
    again = json.loads((await jp_fetch("mlops", "card", params={"path": "sub/a.ipynb"})).body)
    assert again == written


@pytest.mark.parametrize(
    ("card", "error", "fragment"),
    [
        ({"risk_tier": "extreme"}, "INVALID_CARD", "'extreme' is not allowed"),
        ({"ownr": "ana"}, "INVALID_CARD", "Did you mean 'owner'?"),
        ({"name": "bad name!"}, "INVALID_CARD", "is not a valid model name"),
    ],
    ids=["bad-value", "typo", "bad-name"],
)
async def test_invalid_card_is_refused_and_the_file_is_unchanged(
    jp_fetch, jp_root_dir, mlops_notebook, card, error, fragment
):
    nb = mlops_notebook("print(1)", name="a.ipynb", folder=jp_root_dir, card={"owner": "bo"})
    before = nb.read_text()

    code, answer = await mlops_get_error(
        jp_fetch, "mlops", "card", method="PUT", body=json.dumps({"path": "a.ipynb", "card": card})
    )

    assert (code, answer["error"]) == (400, error)
    assert fragment in answer["message"]
    assert nb.read_text() == before


async def test_card_of_a_missing_notebook_is_a_400(jp_fetch):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "card", params={"path": "no.ipynb"})

    assert (code, answer["error"]) == (400, "INVALID_NOTEBOOK")
    assert "Notebook not found" in answer["message"]


async def test_card_without_path_is_a_400(jp_fetch):
    code, answer = await mlops_get_error(jp_fetch, "mlops", "card")

    assert (code, answer["error"]) == (400, "INVALID_REQUEST")
    assert answer["message"] == "The 'path' of a notebook is required."


async def test_card_schema_is_the_core_schema(jp_fetch):
    body = json.loads((await jp_fetch("mlops", "card", "schema")).body)

    assert body == {"schema_version": 1, "json_schema": card_json_schema()}


async def test_parameters_contract_is_typed(jp_fetch, jp_root_dir, mlops_notebook):
    mlops_notebook(
        "print(C)",
        params="C: float = 1.0  # regularisation\nseed = 42\nname = 'x'\nflag = True\n"
        "folder = os.getcwd()  # type: str where to write",
        name="p.ipynb",
        folder=jp_root_dir,
    )

    body = json.loads((await jp_fetch("mlops", "parameters", params={"path": "p.ipynb"})).body)

    DescribeParameters.model_validate(body)
    assert body["has_cell"] is True
    expressions = [p.pop("expression") for p in body["parameters"]]
    assert expressions == [None] * 4 + ["os.getcwd()"]
    assert body["parameters"] == [
        {"name": "C", "type": "float", "default": 1.0, "help": "regularisation"},
        {"name": "seed", "type": "int", "default": 42, "help": ""},
        {"name": "name", "type": "str", "default": "x", "help": ""},
        {"name": "flag", "type": "bool", "default": True, "help": ""},
        # computed by the notebook: no default a form could send back as a string
        {"name": "folder", "type": "str", "default": None, "help": "where to write"},
    ]


async def test_notebook_without_parameters_cell(jp_fetch, jp_root_dir, mlops_notebook):
    mlops_notebook("print(1)", name="n.ipynb", folder=jp_root_dir)

    body = json.loads((await jp_fetch("mlops", "parameters", params={"path": "n.ipynb"})).body)

    assert body == {"path": "n.ipynb", "has_cell": False, "parameters": []}
