"""``card_editor()``: the notebook's model card as a form, validated as you type."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable
from typing import Any

import ipywidgets as W
from traitlets import Bool, Dict, Unicode

from ..card import ModelCard, card_block, parse_card, read_card, write_card
from ..errors import InvalidCardError, MlopsError
from .base import MlopsWidget
from .frontend_card import open_in_frontend, send_card

TEXT_FIELDS = ("name", "owner", "use_case", "documentation_url")
JSON_FIELDS = ("tags", "alerts")

SAVED_NOTE = (
    "Saved to {path}. The open notebook does not see the change until it is reloaded "
    "(File > Reload Notebook from Disk) - saving it first would overwrite the card. "
    "The MLOps sidebar edits the open notebook directly."
)
IN_NOTEBOOK_NOTE = (
    "The card is set in the open notebook {name}, which now has unsaved changes: "
    "save the notebook to keep it."
)


def _choices(field: str) -> list[str]:
    """The allowed values of a Literal card field, in declaration order."""
    found: list[str] = []

    def walk(annotation: Any) -> None:
        for arg in typing.get_args(annotation):
            if isinstance(arg, str):
                found.append(arg)
            else:
                walk(arg)

    walk(ModelCard.model_fields[field].annotation)
    return found


class CardEditor(MlopsWidget):
    """A form over the card fields; ``save()`` writes a valid card into the notebook file."""

    notebook = Unicode(help="Path of the notebook whose card is edited.")
    card = Dict(help="The card as last validated (JSON-ready), what save() writes.")
    valid = Bool(True, help="Whether the form currently holds a valid card.")
    error = Unicode("", help="Why the form is invalid; empty when valid.")

    def __init__(self, notebook: str | os.PathLike[str]) -> None:
        super().__init__("Model card")
        self.notebook = str(notebook)
        current = read_card(self.notebook) or ModelCard()
        data = current.model_dump(mode="json")
        self.inputs: dict[str, W.ValueWidget] = {}
        for field, info in ModelCard.model_fields.items():
            label = field.replace("_", " ")
            choices = _choices(field)
            widget: W.ValueWidget
            if choices:
                options = (
                    [""] if not info.is_required() and info.default is None else []
                ) + choices
                widget = W.Dropdown(options=options, value=data[field] or "", description=label)
            elif field == "description":
                widget = W.Textarea(value=data[field], description=label)
            elif field == "inputs":
                widget = W.Text(
                    value=", ".join(data[field]),
                    description=label,
                    placeholder="data/train.csv, data/test.csv",
                )
            elif field in JSON_FIELDS:
                widget = W.Textarea(
                    value=json.dumps(data[field]), description=label, placeholder="JSON"
                )
            else:
                widget = W.Text(value=data[field] or "", description=label)
            widget.style.description_width = "150px"
            widget.layout.width = "95%"
            widget.observe(self._validate, names="value")
            self.inputs[field] = widget
        self.save_button = W.Button(description="Save card", button_style="primary", icon="save")
        self.save_button.on_click(lambda _: self.save())
        self.body.children = [*self.inputs.values(), self.save_button]
        self.show(f"Editing the card of {os.path.basename(self.notebook)}.")
        self._validate()

    # -- form -> card -----------------------------------------------------------------------
    def form_data(self) -> dict[str, Any]:
        """The form as a card mapping (not yet validated)."""
        data: dict[str, Any] = {}
        for field, widget in self.inputs.items():
            raw = widget.value
            if field == "inputs":
                data[field] = [part.strip() for part in raw.split(",") if part.strip()]
            elif field in JSON_FIELDS:
                try:
                    data[field] = json.loads(raw or ("{}" if field == "tags" else "[]"))
                except json.JSONDecodeError as exc:
                    raise InvalidCardError(
                        f"card field '{field}': invalid JSON ({exc.msg})."
                    ) from None
            elif field == "description":
                data[field] = raw
            else:
                data[field] = raw or None
        return {k: v for k, v in data.items() if v is not None}

    def _validate(self, _change: Any = None) -> None:
        try:
            card = parse_card(self.form_data())
        except MlopsError as exc:
            self.valid, self.error = False, exc.message
            self.save_button.disabled = True
            self.show(exc.message, "error")
            return
        self.card = card.model_dump(mode="json")
        self.valid, self.error = True, ""
        self.save_button.disabled = False
        if self.message_kind == "error":
            self.show("The card is valid.", "ok")

    def set(self, **fields: Any) -> None:
        """Fill form fields programmatically (the values a user would type)."""
        for field, value in fields.items():
            if field not in self.inputs:
                self.show(f"Unknown card field {field!r}.", "error")
                return
            self.inputs[field].value = value

    # -- actions ----------------------------------------------------------------------------
    def save(self) -> ModelCard | None:
        """Store the card; returns it, or None when invalid.

        When this kernel's own notebook is open in JupyterLab, the card goes into the open
        notebook's metadata (no reload, no conflict with its unsaved edits); the front end's
        answer arrives after this returns. Otherwise, or when the front end cannot take it,
        the card is written into the notebook file and the message says so.
        """
        if not self.valid:
            self.show(f"Not saved: {self.error}", "error")
            return None
        card = parse_card(self.card)
        if open_in_frontend(self.notebook):
            self.show("Sending the card to the open notebook...")
            send_card(
                self.notebook, card_block(card), lambda ok, why: self._answered(card, ok, why)
            )
            return card
        return self._write_file(card)

    def _answered(self, card: ModelCard, taken: bool, detail: str) -> None:
        if taken:
            self.show(IN_NOTEBOOK_NOTE.format(name=os.path.basename(self.notebook)), "ok")
            self._fire("save", card)
        else:
            self._write_file(card, f"The open notebook did not take the card ({detail}). ")

    def _write_file(self, card: ModelCard, why: str = "") -> ModelCard | None:
        saved = self.guarded(lambda: write_card(self.notebook, card))
        if saved is not None:
            self.show(why + SAVED_NOTE.format(path=self.notebook), "ok")
            self._fire("save", saved)
        return saved

    def on_save(self, callback: Callable[[ModelCard], Any], remove: bool = False) -> None:
        """Call ``callback(card)`` after each successful save."""
        self._on("save", callback, remove)
