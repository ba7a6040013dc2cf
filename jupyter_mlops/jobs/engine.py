"""A papermill engine that reports per-cell progress to a callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from papermill.engines import NBClientEngine, papermill_engines

ENGINE_NAME = "jupyter_mlops"


class ProgressEngine(NBClientEngine):
    """papermill's nbclient engine calling ``mlops_on_cell(done, total, current_index)``.

    It is called when a cell starts (so a dying kernel can be blamed on the right cell) and
    when a code cell completes.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        on_cell: Callable[[int, int, int | None], None] | None = kwargs.pop("mlops_on_cell", None)
        if on_cell is not None:
            total = sum(1 for c in nb_man.nb.cells if c.cell_type == "code")
            done = 0
            start, complete = nb_man.cell_start, nb_man.cell_complete

            def cell_start(cell: Any, cell_index: int | None = None, **kw: Any) -> None:
                start(cell, cell_index=cell_index, **kw)
                on_cell(done, total, cell_index)

            def cell_complete(cell: Any, cell_index: int | None = None, **kw: Any) -> None:
                nonlocal done
                complete(cell, cell_index=cell_index, **kw)
                if cell.cell_type == "code":
                    done += 1
                    on_cell(done, total, cell_index)

            nb_man.cell_start = cell_start
            nb_man.cell_complete = cell_complete
            on_cell(0, total, None)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register(ENGINE_NAME, ProgressEngine)
