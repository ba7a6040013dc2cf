"""``jupyter mlops report``: a self-contained one-page HTML report of the inventory.

The page holds the RAG table, a risk x stage heatmap and metric trends per model from the
evaluation runs. Plotly's JavaScript is inlined once: the page loads nothing from the network.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, get_args

from ..card import Stage
from ..config import get_settings
from ..errors import MlopsError
from ..tags import EVAL_PREFIX
from ..tracking import get_client
from .evaluate import EVAL_EXPERIMENT
from .facts import pages
from .inventory import inventory_rows
from .policy import Policy

RISKS = ["high", "medium", "low", "unrated"]
STAGES = [*get_args(Stage), "none"]
COLOURS = {"red": "#d64545", "amber": "#e8a33d", "green": "#3c9a5f"}
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
.rag{color:#fff;font-weight:600;text-align:center;border-radius:3px}
.charts{display:flex;flex-wrap:wrap;gap:1em}
"""


def _table(rows: list[dict[str, Any]]) -> str:
    head = ["Model", "Owner", "Risk", "Stage", "Champion", "Latest", "Last evaluation"]
    head += ["Drift", "Alert", "RAG", "Reasons"]
    body = []
    for r in rows:
        cells = [r["name"], r["owner"], r["risk_tier"], r["stage"], r["champion"]]
        cells += [r["latest_version"], (r["last_evaluation"] or "")[:10]]
        cells += [r["drift_status"], r["alert_status"]]
        tds = "".join(f"<td>{escape(str(c or ''))}</td>" for c in cells)
        rag = f'<td class="rag" style="background:{COLOURS[r["rag"]]}">{r["rag"].upper()}</td>'
        reasons = "<br>".join(escape(x) for x in r["rag_reasons"])
        body.append(f"<tr>{tds}{rag}<td>{reasons}</td></tr>")
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _heatmap(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter((r["risk_tier"] or "unrated", r["stage"] or "none") for r in rows)
    red = Counter(
        (r["risk_tier"] or "unrated", r["stage"] or "none") for r in rows if r["rag"] == "red"
    )
    z = [[counts[(risk, stage)] for stage in STAGES] for risk in RISKS]
    text = [[f"{counts[(k, s)]} ({red[(k, s)]} red)" for s in STAGES] for k in RISKS]
    trace = {"type": "heatmap", "z": z, "x": STAGES, "y": RISKS, "text": text}
    trace |= {"texttemplate": "%{text}", "colorscale": "Reds"}
    layout = {"title": {"text": "Models by risk tier and stage"}, "height": 360, "width": 720}
    return {"data": [trace], "layout": layout}


def metric_history(
    tracking_uri: str | None = None,
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Evaluation metrics over time: ``{metric: {model: [(time_ms, value), ...]}}``.

    One paged search of the evaluation runs; drift metrics are left out.
    """
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    experiment = client.get_experiment_by_name(EVAL_EXPERIMENT)
    history: dict[str, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    if experiment is None:
        return {}
    for run in pages(client.search_runs, experiment_ids=[experiment.experiment_id]):
        model = run.data.tags.get(EVAL_PREFIX + "model")
        for metric, value in run.data.metrics.items():
            if model and not metric.startswith("drift."):
                history[metric][model].append((int(run.info.start_time), float(value)))
    return {m: {k: sorted(v) for k, v in by_model.items()} for m, by_model in history.items()}


def _trends(history: dict[str, dict[str, list[tuple[int, float]]]]) -> list[dict[str, Any]]:
    """One line chart per metric, a line per model, as plain figure dicts.

    Plain dicts skip plotly's per-trace validation, which takes seconds for a thousand models.
    """
    figures = []
    for metric in sorted(history):
        traces = []
        for model, points in sorted(history[metric].items()):
            when = [datetime.fromtimestamp(t / 1000, timezone.utc).isoformat() for t, _ in points]
            traces.append(
                {"type": "scatter", "x": when, "y": [v for _, v in points], "name": model}
                | {"mode": "lines+markers"}
            )
        layout = {"title": {"text": f"{metric} over time"}, "height": 360, "width": 720}
        figures.append({"data": traces, "layout": layout})
    return figures


def build_report(
    tracking_uri: str | None = None, *, now: datetime | None = None, policy: Policy | None = None
) -> str:
    """The report as one self-contained HTML page (plotly inlined, no network scripts)."""
    from concurrent.futures import ThreadPoolExecutor

    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    # The evaluation runs are read while the registry is: both wait mostly on the server.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlops-report") as pool:
        history = pool.submit(metric_history, tracking_uri)
        rows = inventory_rows(tracking_uri, now=now, policy=policy)
        figures = [_heatmap(rows), *_trends(history.result())]
    charts = "".join(
        pio.to_html(
            f,
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False},
            validate=False,
        )
        for f in figures
    )
    tally = Counter(r["rag"] for r in rows)
    when = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    summary = ", ".join(f"{tally[level]} {level}" for level in ("red", "amber", "green"))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Model inventory</title>"
        f"<style>{STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f"<h1>Model inventory</h1><p>{len(rows)} models: {summary}. Generated {when}.</p>"
        f"<div class='charts'>{charts}</div><h2>RAG status</h2>{_table(rows)}</body></html>"
    )


def write_text_file(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path``, or raise :class:`MlopsError` saying why it cannot be."""
    target = Path(path)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MlopsError(
            f"Cannot write {target}: {exc.strerror or exc}. Pick another -o FILE."
        ) from None
    return target


def write_report(path: str | Path, tracking_uri: str | None = None, **kwargs: Any) -> Path:
    """Write :func:`build_report` to ``path``; returns the path."""
    return write_text_file(path, build_report(tracking_uri, **kwargs))
