"""``compare()``: plotly charts of a sweep - a metric against each parameter, and parallel
coordinates over every parameter and the metric."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
from traitlets import Unicode

from .base import MlopsWidget


class SweepComparison(MlopsWidget):
    """Charts of the runs of a sweep or experiment; ``df`` is the table they are drawn from."""

    target = Unicode(help="The sweep's parent run id, or an experiment name or id.")
    metric = Unicode("", help="The metric charted against the parameters.")

    def __init__(self, experiment_or_parent_run: str, metric: str | None = None) -> None:
        super().__init__("Compare runs")
        self.target = experiment_or_parent_run
        self.figures: dict[str, Any] = {}
        self.metric_choice = W.Dropdown(description="metric")
        self.output = W.Output()
        refresh = W.Button(description="Refresh", icon="refresh")
        refresh.on_click(lambda _: self.refresh())
        self.body.children = [W.HBox([self.metric_choice, refresh]), self.output]
        self.df: Any = None
        self.best: dict[str, Any] | None = None
        self.refresh(metric)
        self.metric_choice.observe(lambda c: self.select(c["new"]), names="value")

    @property
    def metrics(self) -> list[str]:
        cols = [] if self.df is None else self.df.columns
        return [c[len("metric.") :] for c in cols if c.startswith("metric.")]

    @property
    def parameters(self) -> list[str]:
        """Parameters that vary between the runs."""
        if self.df is None:
            return []
        cols = [c for c in self.df.columns if c.startswith("param.")]
        return [c[len("param.") :] for c in cols if self.df[c].nunique(dropna=True) > 1]

    def refresh(self, metric: str | None = None) -> Any:
        """Read the runs again and redraw; returns the DataFrame."""
        from ..jobs.compare import sweep_frame

        frame = self.guarded(lambda: sweep_frame(self.target))
        if frame is None:
            return self.df
        self.df = frame
        metrics = self.metrics
        self.metric_choice.options = metrics
        if not metrics:
            self.show(f"No run of {frame.attrs['title']} logged a metric yet.", "error")
            return self.df
        chosen = metric or self.metric or metrics[0]
        self.select(chosen if chosen in metrics else metrics[0])
        return self.df

    def select(self, metric: str) -> None:
        """Chart ``metric``."""
        if metric not in self.metrics:
            self.show(f"No metric {metric!r}; logged metrics: {', '.join(self.metrics)}.", "error")
            return
        self.metric = metric
        if self.metric_choice.value != metric:
            self.metric_choice.value = metric
        self.figures = {**self.build_figures(metric), **(self.guarded(self.study_figures) or {})}
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            for figure in self.figures.values():
                display(figure)
        runs = int(self.df[f"metric.{metric}"].notna().sum())
        said = f"{self.df.attrs['title']}: {runs} runs with {metric}."
        if self.best is not None:
            said += f" Best trial so far: {self.best['run_id']} ({self.best['value']:.6g}"
            said += f" with {self.best['params']})."
        self.show(said, "info")
        self._fire("select", metric)

    def study_figures(self) -> dict[str, Any]:
        """For an Optuna study: Optuna's own figures, and the best trial so far (``best``)."""
        from ..jobs.study.view import best_so_far, is_study, load_study, study_figures
        from ..tracking import Store

        self.best = None
        store = Store.at(None)
        if not is_study(store, self.target):
            return {}
        study, plan = load_study(store, self.target)
        self.best = best_so_far(study)
        return {f"study_{name}": fig for name, fig in study_figures(study, plan).items()}

    def build_figures(self, metric: str) -> dict[str, Any]:
        import plotly.graph_objects as go

        col = f"metric.{metric}"
        data = self.df[self.df[col].notna()]
        layout = {
            "template": "none",
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "height": 320,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        }
        figures: dict[str, Any] = {}
        for name in self.parameters:
            points = (
                data.sort_values(f"param.{name}", key=lambda s: s.astype(str))
                if data[f"param.{name}"].map(type).nunique() > 1
                else data.sort_values(f"param.{name}")
            )
            fig = go.Figure(
                go.Scatter(
                    x=points[f"param.{name}"],
                    y=points[col],
                    mode="markers+lines",
                    text=points["run_id"],
                )
            )
            fig.update_layout(
                title=f"{metric} vs {name}", xaxis_title=name, yaxis_title=metric, **layout
            )
            figures[f"{metric}_vs_{name}"] = fig
        dims = []
        for name in self.parameters:
            values = data[f"param.{name}"]
            if all(isinstance(v, int | float) for v in values):
                dims.append({"label": name, "values": values.astype(float).tolist()})
            else:
                labels = sorted({str(v) for v in values})
                codes = [labels.index(str(v)) for v in values]
                dims.append(
                    {
                        "label": name,
                        "values": codes,
                        "tickvals": list(range(len(labels))),
                        "ticktext": labels,
                    }
                )
        dims.append({"label": metric, "values": data[col].tolist()})
        parallel = go.Figure(
            go.Parcoords(
                line={"color": data[col].tolist(), "colorscale": "Viridis", "showscale": True},
                dimensions=dims,
            )
        )
        parallel.update_layout(title=f"parallel coordinates ({metric})", **layout)
        figures["parallel"] = parallel
        return figures

    def on_select(self, callback: Callable[[str], Any], remove: bool = False) -> None:
        """Call ``callback(metric)`` after the charts are redrawn for a metric."""
        self._on("select", callback, remove)
