"""The REST contract: the committed OpenAPI document and the TypeScript mirror stay current."""

from __future__ import annotations

import json
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from jupyter_mlops.server import openapi
from jupyter_mlops.server.app import ROUTES
from jupyter_mlops.server.contract import CONTRACT

TOKENS = Path(__file__).resolve().parents[1] / "labextension" / "src" / "tokens.ts"
INTERFACE = re.compile(r"export interface (I\w+)(?: extends (I\w+))? \{(.*?)\n\}", re.S)
FIELD = re.compile(r"^\s+(\w+)(\??): (.+);$", re.M)


def test_committed_openapi_document_is_current():
    committed = openapi.OPENAPI_PATH.read_text(encoding="utf-8")

    assert committed == openapi.render(), (
        "jupyter_mlops/server/openapi.json is stale: run python -m jupyter_mlops.server.openapi"
    )


def test_openapi_documents_every_route_and_method():
    from test_server_security import own_methods

    routes = {
        "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern): sorted(own_methods(cls))
        for pattern, cls in ROUTES
    }
    documented = {path: sorted(ops) for path, ops in openapi.openapi_document()["paths"].items()}

    assert documented == routes


def test_openapi_schemas_are_the_contract_models():
    schemas = openapi.openapi_document()["components"]["schemas"]

    assert set(schemas) == {model.__name__ for model in CONTRACT}
    json.dumps(schemas)  # plain JSON


def ts_interfaces() -> dict[str, dict[str, tuple[bool, str]]]:
    """Interface name -> field -> (optional, type text), with inherited fields."""
    found: dict[str, dict[str, tuple[bool, str]]] = {}
    for name, base, body in INTERFACE.findall(TOKENS.read_text(encoding="utf-8")):
        fields = dict(found[base]) if base else {}
        fields.update({f: (opt == "?", t) for f, opt, t in FIELD.findall(body)})
        found[name] = fields
    return found


def nullable(model: type[BaseModel], field: str) -> bool:
    annotation = model.model_fields[field].annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(annotation)
    return False


def test_typescript_interfaces_mirror_the_models_one_to_one():
    interfaces = ts_interfaces()

    assert set(interfaces) == {f"I{model.__name__}" for model in CONTRACT}
    for model in CONTRACT:
        fields = interfaces[f"I{model.__name__}"]
        assert list(fields) == list(model.model_fields), model.__name__
        for name, (optional, text) in fields.items():
            if typing.get_origin(model.model_fields[name].annotation) is None and text.startswith(
                "JsonValue"
            ):
                continue  # a JSON value: null is already one of them
            assert nullable(model, name) == text.endswith("| null"), (model.__name__, name)
            required = model.model_fields[name].is_required()
            if optional:
                assert not required, (model.__name__, name)
