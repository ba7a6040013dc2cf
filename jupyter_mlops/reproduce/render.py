"""A :class:`~.run_diff.RunDiff` as terminal text and as notebook HTML."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .run_diff import RunDiff

_TITLES = {
    "notebook": "notebook source",
    "parameters": "parameters",
    "card": "card fields",
    "inputs": "input fingerprints (sha256)",
    "environment": "environment",
    "metrics": "metrics",
}


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _cell_title(change: dict[str, Any]) -> str:
    where = {
        "added": f"cell {change['index_b']}",
        "removed": f"cell {change['index_a']}",
        "modified": f"cell {change['index_a']} -> {change['index_b']}"
        if change["index_a"] != change["index_b"]
        else f"cell {change['index_a']}",
    }[change["change"]]
    return f"{where} ({change['cell_type']}) {change['change']}"


def _rows(d: RunDiff, section: str) -> list[tuple[str, str, str]]:
    """(name, value in run a, value in run b) rows of a key-value section."""
    if section == "environment":
        env = d.environment
        rows = [(k, _show(v["a"]), _show(v["b"])) for k, v in env.get("facts", {}).items()]
        packages = env.get("packages", {})
        rows += [(k, v, "(absent)") for k, v in packages.get("missing", {}).items()]
        rows += [(k, v["a"], v["b"]) for k, v in packages.get("changed", {}).items()]
        rows += [(k, "(absent)", v) for k, v in packages.get("added", {}).items()]
        return rows
    rows = []
    for name, change in getattr(d, section).items():
        b = _show(change["b"])
        if section == "metrics" and change.get("difference") is not None:
            b += f" ({change['difference']:+.6g})"
        rows.append((name, _show(change["a"]), b))
    return rows


def diff_text(d: RunDiff) -> str:
    changed = d.changed_sections()
    lines = [f"diff of runs {d.run_a} (a) and {d.run_b} (b)"]
    if not changed:
        lines.append("no differences in notebook, parameters, card, inputs, environment, metrics")
        return "\n".join(lines)
    lines.append(f"same: {', '.join(s for s in _TITLES if s not in changed) or 'nothing'}")
    for section in changed:
        lines.append(f"\n{_TITLES[section]}:")
        if section == "notebook":
            for change in d.notebook["cells"]:
                lines.append(f"  {_cell_title(change)}")
                lines += [f"    {line}" for line in change["diff"].splitlines()]
            continue
        for name, a, b in _rows(d, section):
            lines.append(f"  {name}: {a} -> {b}")
    return "\n".join(lines)


def _diff_lines_html(text: str) -> str:
    colours = {"+": "#e6ffec", "-": "#ffebe9", "@": "#ddf4ff", "#": "#f6f8fa"}
    spans = []
    for line in text.splitlines():
        colour = colours.get(line.lstrip()[:1], "transparent")
        spans.append(f'<span style="display:block;background:{colour}">{escape(line)}</span>')
    return "".join(spans)


def diff_html(d: RunDiff) -> str:
    changed = d.changed_sections()
    parts = [
        '<div class="jupyter-mlops-diff">',
        f"<h4>Diff of runs <code>{escape(d.run_a)}</code> (a) and "
        f"<code>{escape(d.run_b)}</code> (b)</h4>",
    ]
    same = [_TITLES[s] for s in _TITLES if s not in changed]
    if same:
        parts.append(f"<p>Same: {escape(', '.join(same))}.</p>")
    for section in changed:
        parts.append(f"<h5>{escape(_TITLES[section])}</h5>")
        if section == "notebook":
            for change in d.notebook["cells"]:
                parts.append(
                    f"<div><b>{escape(_cell_title(change))}</b><pre style='margin:0'>"
                    f"{_diff_lines_html(change['diff'])}</pre></div>"
                )
            continue
        rows = "".join(
            f"<tr><td>{escape(n)}</td><td>{escape(a)}</td><td>{escape(b)}</td></tr>"
            for n, a, b in _rows(d, section)
        )
        parts.append(f"<table><tr><th></th><th>a</th><th>b</th></tr>{rows}</table>")
    parts.append("</div>")
    return "".join(parts)
