"""``jupyter mlops`` governance commands: inventory, promote, audit, zombies, check, report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .commands import Output, _table

FORMATS = ("table", "json", "csv", "html")
OFFLINE = ("check",)
"""Commands that never touch the tracking server (no spool sync before them)."""


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the governance subcommands to the ``jupyter mlops`` parser."""
    inv = sub.add_parser(
        parents=[common], name="inventory", help="every registered model with its RAG status"
    )
    inv.add_argument("--format", choices=FORMATS, default="table")
    inv.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def _write(text: str, output: str | None, out: Output, data: Any) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        out.note(f"wrote {output}")
    elif out.as_json:
        out.emit(data, text)
    else:
        out.stdout.write(text.rstrip("\n") + "\n")


def inventory_text(rows: list[dict[str, Any]]) -> str:
    """The inventory as a text table."""
    if not rows:
        return "no registered models"
    header = ["NAME", "OWNER", "RISK", "STAGE", "CHAMPION", "LATEST", "LAST EVAL", "DRIFT"]
    header += ["ALERT", "RAG", "REASONS"]
    table = [
        [
            r["name"],
            r["owner"],
            r["risk_tier"],
            r["stage"],
            r["champion"],
            r["latest_version"],
            (r["last_evaluation"] or "")[:10],
            r["drift_status"],
            r["alert_status"],
            r["rag"].upper(),
            "; ".join(r["rag_reasons"]),
        ]
        for r in rows
    ]
    return _table(table, header)


def cmd_inventory(args: argparse.Namespace, out: Output) -> int:
    from .governance.inventory import COLUMNS, inventory_rows

    rows = inventory_rows(args.tracking_uri)
    fmt = "json" if out.as_json and not args.output else args.format
    if fmt == "json":
        text = json.dumps(rows, indent=2)
    elif fmt in ("csv", "html"):
        import pandas as pd

        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["rag_reasons"] = frame["rag_reasons"].map("; ".join)
        text = frame.to_csv(index=False) if fmt == "csv" else frame.to_html(index=False)
    else:
        text = inventory_text(rows)
    _write(text, args.output, out, rows)
    return 0
