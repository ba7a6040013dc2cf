"""``jupyter mlops models | sync | inventory | zombies | report | promote | audit``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..views import inventory_text, models_text, table
from .output import Output

FORMATS = ("table", "json", "csv", "html")


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command that takes only the global options."""


def sync_spool_quietly(out: Output) -> None:
    """Push spooled registrations before any command, so nothing waits for a manual sync."""
    from ..registry.spool import pending

    if not pending():
        return
    from ..registry import sync

    result = sync()
    for item in result.pushed:
        out.note(f"synced spooled registration: {item['name']} version {item['version']}")


def cmd_models(args: argparse.Namespace, out: Output) -> int:
    from ..registry import list_models

    models = list_models(args.tracking_uri)
    out.emit(models, models_text(models))
    return 0


def cmd_sync(args: argparse.Namespace, out: Output) -> int:
    from ..registry import sync

    result = sync()
    lines = [f"pushed {p['name']} version {p['version']}" for p in result.pushed]
    lines += [f"still pending {p['name']}: {p['error']}" for p in result.still_pending]
    out.emit(
        {"pushed": result.pushed, "pending": result.still_pending},
        "\n".join(lines) or "spool is empty",
    )
    return 1 if result.still_pending else 0


def inventory_arguments(inv: argparse.ArgumentParser) -> None:
    inv.add_argument("--format", choices=FORMATS, default="table")
    inv.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def cmd_inventory(args: argparse.Namespace, out: Output) -> int:
    from ..governance.inventory import COLUMNS, inventory_rows

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
    if args.output:
        from ..governance.report import write_text_file

        write_text_file(args.output, text)
        out.note(f"wrote {args.output}")
    elif out.as_json:
        out.emit(rows, text)
    else:
        out.write(text)
    return 0


def cmd_zombies(args: argparse.Namespace, out: Output) -> int:
    from ..governance.zombies import zombies

    frame = zombies(args.tracking_uri)
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    text = (
        table(
            [[r["name"], r["version"], r["kind"], r["reason"]] for r in rows],
            ["NAME", "VERSION", "KIND", "REASON"],
        )
        if rows
        else "no zombies"
    )
    out.emit(rows, text)
    return 0


def report_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("-o", "--output", metavar="FILE", default="inventory.html")


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    from ..governance.report import write_report

    path = write_report(args.output, args.tracking_uri)
    out.emit({"report": str(path)}, f"wrote {path}")
    return 0


def promote_arguments(promote: argparse.ArgumentParser) -> None:
    promote.add_argument("name", metavar="NAME")
    promote.add_argument("version", metavar="VERSION")
    target = promote.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="ALIAS", dest="alias", help="e.g. champion")
    target.add_argument("--stage", help="set the version's lifecycle stage, e.g. retired")
    promote.add_argument("--approver", metavar="WHO", help="who approved the move")
    promote.add_argument("--reason", metavar="TEXT", help="why, for the audit trail")


def cmd_promote(args: argparse.Namespace, out: Output) -> int:
    from ..governance.promotion import promote, set_stage

    common = dict(approver=args.approver, reason=args.reason)
    if args.alias:
        event = promote(args.name, args.version, args.alias, args.tracking_uri, **common)
    else:
        event = set_stage(args.name, args.version, args.stage, args.tracking_uri, **common)
    out.emit(event.to_dict(), str(event))
    return 0


def audit_arguments(audit: argparse.ArgumentParser) -> None:
    audit.add_argument("name", metavar="NAME")
    audit.add_argument(
        "--at",
        metavar="DATETIME",
        help="ISO 8601 (UTC unless a zone is given): who held each alias",
    )


def cmd_audit(args: argparse.Namespace, out: Output) -> int:
    from ..governance.audit import audit_trail, holders_at, parse_moment

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
    rows: list[list[Any]] = [
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
    text = table(rows, header) if rows else f"no audit events for {args.name}"
    out.emit([e.to_dict() for e in events], text)
    return 0
