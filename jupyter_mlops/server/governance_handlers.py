"""REST handler of the governance inventory: parse, call the service off the loop, serialize."""

from __future__ import annotations

from .base import MlopsHandler, guarded
from .models import ListInventoryResponse


class InventoryHandler(MlopsHandler):
    """``GET mlops/inventory``: every model with owner, risk, monitoring and RAG status."""

    @guarded()
    async def get(self) -> None:
        from ..governance.inventory import inventory_rows

        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        rows = await self.call(inventory_rows, uri)
        self.write_model(ListInventoryResponse.model_validate({"models": rows}))
