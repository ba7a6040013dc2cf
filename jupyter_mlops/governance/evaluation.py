"""The result of ``evaluate()``, with its drift table and plotly charts for the notebook."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any


@dataclass
class Evaluation:
    """One evaluation of a model version: metrics, drift per feature, fired alerts."""

    name: str
    version: str
    task: str | None
    rows: int
    metrics: dict[str, float]
    drift: list[dict[str, Any]]
    drift_status: str
    drift_reasons: list[str]
    alerts: list[str]
    alert_status: str
    run_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def drift_frame(self) -> Any:
        """Drift per feature as a pandas DataFrame (feature, psi, ks), worst first."""
        import pandas as pd

        return pd.DataFrame(self.drift, columns=["feature", "psi", "ks"])

    def plot_drift(self, top: int = 20) -> Any:
        """A plotly bar chart of PSI and KS per feature (the ``top`` worst by PSI)."""
        import plotly.graph_objects as go

        rows = self.drift[:top]
        names = [r["feature"] for r in rows]
        fig = go.Figure(
            [
                go.Bar(name="PSI", x=names, y=[r["psi"] for r in rows]),
                go.Bar(name="KS", x=names, y=[r["ks"] for r in rows]),
            ]
        )
        fig.update_layout(
            title=f"Drift of {self.name} v{self.version} vs its reference", barmode="group"
        )
        return fig

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v:.3f}" for k, v in self.metrics.items()) or "no labels"
        lines = [f"{self.name} v{self.version}: {shown}; drift {self.drift_status}; "]
        lines[0] += f"alert {self.alert_status} (run {self.run_id})"
        lines += [f"  alert: {a}" for a in self.alerts]
        lines += [f"  drift: {d}" for d in self.drift_reasons]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + escape(str(self)) + "</pre>"
