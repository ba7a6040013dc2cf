"""``jupyter mlops`` governance commands: inventory, promote, audit, zombies, check, report."""

from __future__ import annotations

import argparse
import json
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

    promote = sub.add_parser(
        parents=[common],
        name="promote",
        help="move an alias (or a version's stage) if the policy allows; audited",
    )
    promote.add_argument("name", metavar="NAME")
    promote.add_argument("version", metavar="VERSION")
    target = promote.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="ALIAS", dest="alias", help="e.g. champion")
    target.add_argument("--stage", help="set the version's lifecycle stage, e.g. retired")
    promote.add_argument("--approver", metavar="WHO", help="who approved the move")
    promote.add_argument("--reason", metavar="TEXT", help="why, for the audit trail")

    check = sub.add_parser(
        parents=[common],
        name="check",
        help="check notebook cards against the policy and a typed parameters cell (exit 1)",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders")
    check.add_argument(
        "--require-card", action="store_true", help="a notebook without a card is a problem"
    )
    sub.add_parser(parents=[common], name="zombies", help="models and versions nobody looks after")

    report = sub.add_parser(
        parents=[common], name="report", help="a self-contained one-page HTML report"
    )
    report.add_argument("-o", "--output", metavar="FILE", default="inventory.html")

    audit = sub.add_parser(
        parents=[common], name="audit", help="a model's audit trail, or its aliases at a time"
    )
    audit.add_argument("name", metavar="NAME")
    audit.add_argument(
        "--at",
        metavar="DATETIME",
        help="ISO 8601 (UTC unless a zone is given): who held each alias",
    )


def _write(text: str, output: str | None, out: Output, data: Any) -> None:
    if output:
        from .governance.report import write_text_file

        write_text_file(output, text)
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


def cmd_promote(args: argparse.Namespace, out: Output) -> int:
    from .governance.promotion import promote, set_stage

    common = dict(approver=args.approver, reason=args.reason)
    if args.alias:
        event = promote(args.name, args.version, args.alias, args.tracking_uri, **common)
    else:
        event = set_stage(args.name, args.version, args.stage, args.tracking_uri, **common)
    out.emit(event.to_dict(), str(event))
    return 0


def cmd_audit(args: argparse.Namespace, out: Output) -> int:
    from .governance.audit import audit_trail, holders_at, parse_moment

    if args.at:
        moment = parse_moment(args.at)
        holders = holders_at(args.name, moment, args.tracking_uri)
        lines = [
            f"{alias}: version {v}" if v else f"{alias}: unset" for alias, v in holders.items()
        ]
        text = (
            "\n".join(lines) or f"no alias of {args.name} was set by the audit trail at {args.at}"
        )
        out.emit({"name": args.name, "at": moment.isoformat(), "aliases": holders}, text)
        return 0
    events = audit_trail(args.name, args.tracking_uri)
    rows = [
        [
            e.to_dict()["at"],
            e.actor,
            e.alias or "stage",
            e.from_version if e.alias else e.from_stage,
            e.to_version if e.alias else f"{e.to_stage} (v{e.to_version})",
            e.approver,
            e.reason,
        ]
        for e in events
    ]
    header = ["AT", "WHO", "WHAT", "FROM", "TO", "APPROVER", "REASON"]
    text = _table(rows, header) if rows else f"no audit events for {args.name}"
    out.emit([e.to_dict() for e in events], text)
    return 0


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    from .governance.checks import check_notebooks

    checked, skipped, problems = check_notebooks(args.paths, require_card=args.require_card)
    lines = [str(p) for p in problems]
    summary = f"{len(checked)} notebook(s) checked, {len(problems)} problem(s)"
    if skipped:
        summary += f"; {len(skipped)} without a model card skipped (--require-card to refuse)"
    data = {
        "checked": [str(p) for p in checked],
        "skipped": [str(p) for p in skipped],
        "problems": [p.to_dict() for p in problems],
    }
    out.emit(data, "\n".join([*lines, summary]))
    return 1 if problems else 0


def cmd_zombies(args: argparse.Namespace, out: Output) -> int:
    from .governance.zombies import zombies

    frame = zombies(args.tracking_uri)
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    text = (
        _table(
            [[r["name"], r["version"], r["kind"], r["reason"]] for r in rows],
            ["NAME", "VERSION", "KIND", "REASON"],
        )
        if rows
        else "no zombies"
    )
    out.emit(rows, text)
    return 0


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    from .governance.report import write_report

    path = write_report(args.output, args.tracking_uri)
    out.emit({"report": str(path)}, f"wrote {path}")
    return 0
