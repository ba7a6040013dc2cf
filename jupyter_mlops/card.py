"""The model card: a versioned schema stored in the notebook's own metadata.

The card lives at ``metadata["jupyter_mlops"]["card"]``. Reading and writing it touches nothing
else in the notebook. On MLflow, card fields are mirrored as ``mlops.card.<field>`` tags.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InvalidCardError, NotebookError
from .tags import CARD_PREFIX

SCHEMA_VERSION = 1
METADATA_KEY = "jupyter_mlops"

Level = Literal["low", "medium", "high"]
Stage = Literal["experimental", "development", "staging", "production", "retired"]
DocumentationStatus = Literal["missing", "draft", "complete", "approved"]
ValidationStatus = Literal["not_started", "in_progress", "passed", "failed", "waived"]
Direction = Literal["higher_is_better", "lower_is_better"]

MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$"


class AlertRule(BaseModel):
    """Raise an alert when ``metric`` crosses ``threshold`` or drops by ``max_drop_pct``.

    The drop is measured against the champion version, in the metric's good direction.
    """

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, description="Metric name as logged to MLflow.")
    direction: Direction = Field("higher_is_better", description="Which way is better.")
    threshold: float | None = Field(None, description="Alert when worse than this value.")
    max_drop_pct: float | None = Field(
        None, gt=0, le=100, description="Alert when worse than the champion by more than this %."
    )

    @model_validator(mode="after")
    def _needs_a_limit(self) -> AlertRule:
        if self.threshold is None and self.max_drop_pct is None:
            raise ValueError("an alert rule needs 'threshold' or 'max_drop_pct' (or both)")
        return self


class Monitoring(BaseModel):
    """The notebook that evaluates the model in production, and when it runs."""

    model_config = ConfigDict(extra="forbid")

    notebook: str = Field(min_length=1, description="The monitoring notebook, relative to this.")
    cron: str = Field(description='When it runs, a cron expression, e.g. "0 6 * * *".')
    timezone: str = Field("UTC", description="The cron's IANA timezone.")

    @field_validator("cron")
    @classmethod
    def _is_cron(cls, value: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(value.strip()):
            raise ValueError(f'{value!r} is not a cron expression, e.g. "0 6 * * *"')
        return value.strip()


class ModelCard(BaseModel):
    """Model metadata carried by the notebook. Field names are a public contract."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str | None = Field(
        None, pattern=MODEL_NAME_PATTERN, description="Registered model name in MLflow."
    )
    owner: str | None = Field(None, description="Accountable person or team.")
    description: str = Field("", description="What the model does.")
    use_case: str | None = Field(None, description="The business use the model serves.")
    risk_tier: Level | None = Field(None, description="Model risk tier.")
    materiality: Level | None = Field(None, description="Materiality of the model's decisions.")
    stage: Stage = Field("experimental", description="Lifecycle stage.")
    documentation_url: str | None = Field(None, description="Link to the model documentation.")
    documentation_status: DocumentationStatus = Field("missing")
    validation_status: ValidationStatus = Field("not_started")
    inputs: list[str] = Field(
        default_factory=list, description="Data files the notebook reads, relative to it."
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Free-form labels.")
    alerts: list[AlertRule] = Field(default_factory=list, description="Metric alert rules.")
    monitoring: Monitoring | None = Field(
        None, description="The monitoring notebook and its schedule (production models)."
    )
    smoke_parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters of a quick CI run (pytest --mlops-run), e.g. fewer rows or epochs.",
    )

    @field_validator("owner", "use_case", "documentation_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    def to_tags(self) -> dict[str, str]:
        """Flatten into MLflow tags (``mlops.card.<field>``); JSON for lists and dicts."""
        tags: dict[str, str] = {f"{CARD_PREFIX}schema_version": str(SCHEMA_VERSION)}
        for key, value in self.model_dump(mode="json").items():
            if value is None or value == [] or value == {}:
                continue
            tags[CARD_PREFIX + key] = value if isinstance(value, str) else json.dumps(value)
        return tags

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> ModelCard:
        """Rebuild a card from MLflow tags, ignoring fields a newer schema may add."""
        data: dict[str, Any] = {}
        for key, raw in tags.items():
            if not key.startswith(CARD_PREFIX):
                continue
            field = key[len(CARD_PREFIX) :]
            if field not in cls.model_fields:
                continue
            annotation = cls.model_fields[field].annotation
            structured = annotation in STRUCTURED
            data[field] = json.loads(raw) if structured else raw
        return parse_card(data)


def card_json_schema() -> dict[str, Any]:
    """The card's JSON Schema, versioned by ``schema_version``."""
    schema = ModelCard.model_json_schema()
    schema["$id"] = f"https://jupyter-mlops.dev/schemas/card/v{SCHEMA_VERSION}.json"
    schema["x-schema-version"] = SCHEMA_VERSION
    return schema


def _allowed(field: str) -> list[str]:
    info = ModelCard.model_fields.get(field)
    if info is None:
        return []
    values: list[str] = []
    for arg in (info.annotation, *get_args(info.annotation)):
        values += [v for v in get_args(arg) if isinstance(v, str)]
    return values


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "card"
        field = str(err["loc"][0]) if err["loc"] else ""
        if err["type"] == "extra_forbidden":
            # a key deeper than the top level is inside an alert rule or the monitoring
            inner = Monitoring if field == "monitoring" else AlertRule
            names = list(inner.model_fields if len(err["loc"]) > 1 else ModelCard.model_fields)
            hint = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
            tip = f" Did you mean '{hint[0]}'?" if hint else ""
            lines.append(f"unknown card field '{loc}'.{tip} Fields: {', '.join(names)}.")
        elif err["type"] == "literal_error" and _allowed(field):
            lines.append(
                f"card field '{loc}': {err['input']!r} is not allowed; "
                f"allowed values: {', '.join(_allowed(field))}."
            )
        elif err["type"] == "string_pattern_mismatch" and field == "name":
            lines.append(
                f"card field 'name': {err['input']!r} is not a valid model name; use letters, "
                "digits, '.', '_' or '-', starting with a letter or digit."
            )
        else:
            lines.append(f"card field '{loc}': {err['msg']} (got {err['input']!r}).")
    return "Invalid model card: " + " ".join(lines)


def parse_card(data: dict[str, Any]) -> ModelCard:
    """Validate a mapping into a :class:`ModelCard`, raising :class:`InvalidCardError`."""
    if not isinstance(data, dict):
        raise InvalidCardError(
            f"A model card must be a mapping of fields, got {type(data).__name__}."
        )
    try:
        return ModelCard.model_validate(data)
    except ValidationError as exc:
        raise InvalidCardError(
            _explain(exc), fields=[str(e["loc"][0]) for e in exc.errors() if e["loc"]]
        ) from None


def load_notebook_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    return parse_notebook_json(read_notebook_bytes(path), path)


def read_notebook_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the ``.ipynb`` file at ``path``, or a :class:`NotebookError` saying why not."""
    nb_path = Path(path)
    if nb_path.suffix != ".ipynb":
        raise NotebookError(f"{nb_path} is not a notebook: expected a .ipynb file.")
    try:
        if not stat.S_ISREG(nb_path.stat().st_mode):  # a FIFO or device would block a reader
            raise NotebookError(f"Cannot read notebook {nb_path}: it is not a regular file.")
        return nb_path.read_bytes()
    except FileNotFoundError:
        raise NotebookError(f"Notebook not found: {nb_path}. Check the path.") from None
    except OSError as exc:
        raise NotebookError(f"Cannot read notebook {nb_path}: {exc}.") from None


def parse_notebook_json(raw: bytes, path: str | os.PathLike[str]) -> dict[str, Any]:
    """The notebook held in ``raw`` (the bytes of the file at ``path``)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:  # bad JSON or not UTF-8
        raise NotebookError(f"Cannot read notebook {path}: {exc}.") from None
    except RecursionError:
        raise NotebookError(f"Cannot read notebook {path}: its JSON nests too deep.") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError(f"{path} is not a valid notebook (no 'cells').")
    cells = data["cells"]
    if not isinstance(cells, list):
        raise NotebookError(f"{path} is not a valid notebook: 'cells' is not a list.")
    for index, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
            raise NotebookError(
                f"{path} is not a valid notebook: cell {index} has no 'metadata' object. "
                "Open and save it in Jupyter to repair it."
            )
    if not isinstance(data.get("metadata", {}), dict):
        raise NotebookError(f"{path} is not a valid notebook: 'metadata' is not an object.")
    return data


def save_notebook_json(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Write atomically, formatted as Jupyter writes notebooks, so diffs stay minimal."""
    nb_path = Path(path)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=nb_path.parent, prefix=f".{nb_path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if nb_path.exists():
            os.chmod(tmp, nb_path.stat().st_mode & 0o777)
        os.replace(tmp, nb_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def card_from_notebook(data: dict[str, Any]) -> ModelCard | None:
    block = data.get("metadata", {}).get(METADATA_KEY)
    if not block or "card" not in block:
        return None
    return parse_card(block["card"])


def read_card(path: str | os.PathLike[str]) -> ModelCard | None:
    """The card stored in the notebook at ``path``, or ``None`` when it has none."""
    return card_from_notebook(load_notebook_json(path))


def card_block(card: ModelCard) -> dict[str, Any]:
    """What a notebook holds under ``metadata.jupyter_mlops``: the card and its schema version."""
    return {
        "schema_version": SCHEMA_VERSION,
        "card": card.model_dump(mode="json", exclude_defaults=False),
    }


def write_card(path: str | os.PathLike[str], card: ModelCard | dict[str, Any]) -> ModelCard:
    """Store ``card`` in the notebook's metadata; nothing else in the file changes."""
    valid = card if isinstance(card, ModelCard) else parse_card(card)
    data = load_notebook_json(path)
    data.setdefault("metadata", {})[METADATA_KEY] = card_block(valid)
    save_notebook_json(path, data)
    return valid


STRUCTURED = (list[str], dict[str, str], list[AlertRule], dict[str, Any], Monitoring | None)
"""Card field types held as JSON in MLflow tags and in ``--set FIELD=VALUE``."""


def _coerce_field(field: str, raw: str) -> Any:
    annotation = ModelCard.model_fields[field].annotation
    if annotation in STRUCTURED:
        text = raw.strip()
        if text.startswith(("[", "{")):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidCardError(f"card field '{field}': invalid JSON ({exc.msg}).") from None
        if annotation == list[str]:  # not `is`: each list[str] is a new object
            return [part.strip() for part in text.split(",") if part.strip()]
        raise InvalidCardError(f"card field '{field}' takes JSON, e.g. {field}='[...]'.")
    if raw.strip().lower() in ("", "none", "null"):
        return "" if annotation is str else None  # 'description' is a str, cleared to ""
    return raw


def apply_updates(card: ModelCard | None, assignments: list[str]) -> ModelCard:
    """Apply ``FIELD=VALUE`` strings (``tags.KEY=VALUE`` sets one tag) to a card."""
    data = (card or ModelCard()).model_dump(mode="json")
    for item in assignments:
        field, sep, raw = item.partition("=")
        field = field.strip()
        if not sep or not field:
            raise InvalidCardError(f"Expected FIELD=VALUE, got {item!r}.")
        if field.startswith("tags."):
            data["tags"][field[5:]] = raw
            continue
        if field not in ModelCard.model_fields:
            hint = difflib.get_close_matches(field, list(ModelCard.model_fields), n=1)
            tip = f" Did you mean '{hint[0]}'?" if hint else ""
            raise InvalidCardError(
                f"unknown card field '{field}'.{tip} Fields: {', '.join(ModelCard.model_fields)}."
            )
        data[field] = _coerce_field(field, raw)
    return parse_card(data)
