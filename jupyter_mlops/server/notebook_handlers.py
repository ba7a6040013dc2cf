"""REST handlers for a notebook's card and parameters contract (for notebooks not open)."""

from __future__ import annotations

from pathlib import Path

from .base import MlopsHandler, guarded
from .models import (
    DescribeCard,
    DescribeCardSchema,
    DescribeParameters,
    ParameterInfo,
    UpdateCard,
)


class CardHandler(MlopsHandler):
    """``GET mlops/card?path=`` reads a notebook's card; ``PUT mlops/card`` replaces it.

    A notebook open in JupyterLab is edited through its model metadata instead, so unsaved
    changes never conflict with a write on disk.
    """

    @guarded()
    async def get(self) -> None:
        path = self.get_query_argument("path", None)
        notebook = self.notebook_path(path)
        self.write_model(await self.call(_describe_card, str(path), notebook))

    @guarded()
    async def put(self) -> None:
        from ..card import write_card

        request = self.read_body(UpdateCard)
        notebook = self.notebook_path(request.path)
        await self.call(write_card, notebook, request.card)
        self.write_model(await self.call(_describe_card, request.path, notebook))


class CardSchemaHandler(MlopsHandler):
    """``GET mlops/card/schema``: the card's JSON Schema, so forms offer the allowed values."""

    @guarded()
    async def get(self) -> None:
        from ..card import SCHEMA_VERSION, card_json_schema

        self.write_model(
            DescribeCardSchema(schema_version=SCHEMA_VERSION, json_schema=card_json_schema())
        )


class ParametersHandler(MlopsHandler):
    """``GET mlops/parameters?path=``: the typed parameters declared by the notebook."""

    @guarded()
    async def get(self) -> None:
        from ..params import read_parameters

        path = self.get_query_argument("path", None)
        notebook = self.notebook_path(path)
        contract = await self.call(read_parameters, str(notebook))
        self.write_model(
            DescribeParameters(
                path=str(path),
                has_cell=contract.has_cell,
                parameters=[ParameterInfo(**p.to_dict()) for p in contract.parameters],
            )
        )


def _describe_card(path: str, notebook: Path) -> DescribeCard:
    from ..card import SCHEMA_VERSION, read_card

    card = read_card(notebook)
    return DescribeCard(
        path=path,
        card=card.model_dump(mode="json") if card else None,
        schema_version=SCHEMA_VERSION,
    )
