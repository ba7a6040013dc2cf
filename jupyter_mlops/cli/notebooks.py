"""``jupyter mlops card | params | check``: notebooks, read and written where they lie."""

from __future__ import annotations

import argparse
import json

from ..errors import NotebookError
from ..views import card_text, params_text
from .output import Output


def card_arguments(card: argparse.ArgumentParser) -> None:
    card.add_argument("notebook", nargs="?")
    card.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    card.add_argument("--schema", action="store_true", help="print the card's JSON Schema")


def cmd_card(args: argparse.Namespace, out: Output) -> int:
    from ..card import apply_updates, card_json_schema, read_card, write_card

    if args.schema:
        out.emit(card_json_schema(), json.dumps(card_json_schema(), indent=2))
        return 0
    if not args.notebook:
        raise NotebookError("Give a notebook: jupyter mlops card NOTEBOOK [--set FIELD=VALUE]...")
    card = read_card(args.notebook)
    if args.set:
        card = write_card(args.notebook, apply_updates(card, args.set))
    if card is None:
        out.emit(None, f"{args.notebook} has no model card yet; add one with --set name=...")
        return 0
    out.emit(card.model_dump(mode="json"), card_text(card))
    return 0


def params_arguments(params: argparse.ArgumentParser) -> None:
    params.add_argument("notebook")


def cmd_params(args: argparse.Namespace, out: Output) -> int:
    from ..params import read_parameters

    contract = read_parameters(args.notebook)
    out.emit(contract.to_dict(), params_text(contract, args.notebook))
    return 0


def check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders")
    check.add_argument(
        "--require-card", action="store_true", help="a notebook without a card is a problem"
    )


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    from ..governance.checks import check_notebooks

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
