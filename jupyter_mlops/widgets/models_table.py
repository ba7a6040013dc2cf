"""``models()``: the registered-model inventory as a filterable table over a DataFrame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import ipywidgets as W
from traitlets import Unicode

from ..card import Level, Stage
from .base import MlopsWidget, html_table

COLUMNS = ["name", "latest_version", "aliases", "owner", "use_case", "risk_tier", "stage"]


class ModelsTable(MlopsWidget):
    """Registered models; ``df`` holds all of them, ``filtered`` what the filters keep."""

    query = Unicode("", help="Text that the name, owner or use case must contain.")
    risk_tier = Unicode("", help="Only models of this risk tier; empty for all.")
    stage = Unicode("", help="Only models in this lifecycle stage; empty for all.")

    def __init__(self) -> None:
        super().__init__("Registered models")
        import pandas as pd

        self.df = pd.DataFrame(columns=COLUMNS)
        search = W.Text(placeholder="filter by name, owner, use case", description="filter")
        risk = W.Dropdown(options=["", *get_args(Level)], description="risk tier")
        stage = W.Dropdown(options=["", *get_args(Stage)], description="stage")
        W.link((search, "value"), (self, "query"))
        W.link((risk, "value"), (self, "risk_tier"))
        W.link((stage, "value"), (self, "stage"))
        refresh = W.Button(description="Refresh", icon="refresh")
        refresh.on_click(lambda _: self.refresh())
        self.table = W.HTML()
        self.body.children = [W.HBox([search, risk, stage, refresh]), self.table]
        self.observe(lambda _: self._render(), names=["query", "risk_tier", "stage"])
        self.refresh()

    def refresh(self) -> Any:
        """Read the registry again; returns the DataFrame."""
        import pandas as pd

        from ..registry import list_models

        models = self.guarded(list_models)
        if models is None:
            return self.df
        rows = [
            {
                **{c: m.get(c) for c in COLUMNS},
                "aliases": ", ".join(f"{a}=v{v}" for a, v in m["aliases"].items()),
            }
            for m in models
        ]
        self.df = pd.DataFrame(rows, columns=COLUMNS)
        self._render()
        self._fire("refresh", self.df)
        return self.df

    @property
    def filtered(self) -> Any:
        df = self.df
        if self.query:
            needle = self.query.lower()
            text = df[["name", "owner", "use_case"]].fillna("").astype(str).agg(" ".join, axis=1)
            df = df[text.str.lower().str.contains(needle, regex=False)]
        if self.risk_tier:
            df = df[df["risk_tier"] == self.risk_tier]
        if self.stage:
            df = df[df["stage"] == self.stage]
        return df

    def _render(self) -> None:
        shown = self.filtered
        self.table.value = html_table(shown.fillna("").values.tolist(), COLUMNS)
        if self.df.empty:
            self.show("No registered models yet: %mlops register VAR, or jupyter_mlops.register().")
        else:
            self.show(f"{len(shown)} of {len(self.df)} models.")

    def on_refresh(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call ``callback(df)`` after each refresh."""
        self._on("refresh", callback, remove)
