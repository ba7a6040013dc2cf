"""Register models as MLflow model versions carrying the notebook's card.

``register()`` saves the model in its native flavour to the local spool first (fast, with
pinned pip requirements read from the model instead of MLflow's subprocess inference), then
pushes it (:mod:`.push`). If the tracking server is down the entry stays spooled and
``jupyter mlops sync`` pushes it later. ``log_model()`` and ``register_run()`` split the two
steps for sweeps: log a LoggedModel in every run, register the best one.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..card import ModelCard, parse_card
from ..config import get_settings
from ..errors import NotFoundError, RegistrationError
from ..governance.promotion import check_gate, gate, promote
from ..tags import CARD_PREFIX, FLAVOR, LOGGED_MODEL_ID, SERIALIZATION
from ..tracking import get_client, is_unreachable, log_batch, shown_uri
from ..tracking.logging import current_run_id
from .flavors import SavedModel, save_model
from .push import (
    create_version,
    find_version,
    model_id_of,
    push_entry,
    upload_logged_model,
)
from .spool import SpoolEntry, claimed, discard, new_entry


class SpooledRegistrationWarning(UserWarning):
    """The tracking server was unreachable; the registration waits in the local spool."""


@dataclass
class Registration:
    name: str
    version: str | None
    run_id: str | None
    status: str  # "registered" or "spooled"
    alias: str | None = None
    model_uri: str | None = None
    spool_entry: str | None = None
    flavor: str | None = None  # the MLflow flavour the model was saved with
    serialization: str | None = None  # skops or cloudpickle, where the flavour lets us choose
    model_id: str | None = None  # the MLflow LoggedModel

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _saved_as(self) -> str:
        if not self.flavor:
            return ""
        how = f", {self.serialization}" if self.serialization else ""
        return f" as MLflow {self.flavor!r} flavour{how}"

    def __str__(self) -> str:
        if self.status == "spooled":
            return (
                f"Model {self.name!r} spooled{self._saved_as()} (entry {self.spool_entry}): the "
                "tracking server is unreachable; run `jupyter mlops sync` when it is back."
            )
        alias = f", alias {self.alias!r}" if self.alias else ""
        return (
            f"Registered {self.name!r} version {self.version}{self._saved_as()} "
            f"from run {self.run_id}{alias}."
        )


def _saved_tags(saved: SavedModel) -> dict[str, str]:
    tags = {FLAVOR: saved.flavor}
    if saved.serialization:
        tags[SERIALIZATION] = saved.serialization
    return tags


# -- context -----------------------------------------------------------------------------------
def _resolve_card(
    card: ModelCard | dict[str, Any] | None, notebook: str | None
) -> ModelCard | None:
    if card is not None:
        return card if isinstance(card, ModelCard) else parse_card(card)
    if notebook and Path(notebook).is_file():
        from ..card import read_card

        return read_card(notebook)
    return None


def _snapshot(entry: SpoolEntry, notebook: str | None, card: ModelCard | None) -> None:
    """Notebook snapshot and receipt for the interactive run made at push time."""
    from ..provenance import build_receipt, environment_facts, source_facts

    card_dict = card.model_dump(mode="json") if card else None
    source: dict[str, Any] = {"card": card_dict, "parameters": {}}
    if notebook and Path(notebook).is_file():
        shutil.copy2(notebook, entry.extras_dir / Path(notebook).name)
        source = source_facts(Path(notebook).resolve(), {}, card_dict)
    receipt = build_receipt(
        "", source, environment_facts("interactive", "python3"), {"registered_at": entry.created_at}
    )
    (entry.extras_dir / "receipt.json").write_text(json.dumps(receipt, indent=1), "utf-8")


# -- the service -------------------------------------------------------------------------------
def register(
    model: Any,
    name: str | None = None,
    *,
    alias: str | None = None,
    input_example: Any = None,
    card: ModelCard | dict[str, Any] | None = None,
    notebook: str | None = None,
    pip_requirements: list[str] | None = None,
    experiment: str | None = None,
    tracking_uri: str | None = None,
    reference: Any = None,
) -> Registration:
    """Register ``model`` as a new model version linked to the current run, carrying the card.

    Inside a job the version links to the job's run; interactively a run is made holding a
    snapshot of the saved notebook and a receipt. Registering the same run and name again
    returns the existing version. If the tracking server is unreachable the registration is
    spooled locally (with a warning) and pushed by ``jupyter mlops sync``. ``reference``
    (training features) saves the drift reference profile that ``evaluate()`` compares with.
    """
    settings = get_settings(tracking_uri)
    notebook = notebook or os.environ.get("JUPYTER_MLOPS_NOTEBOOK") or None
    model_card = _resolve_card(card, notebook)
    model_name = name or (model_card.name if model_card else None)
    if not model_name:
        raise RegistrationError(
            "No model name: pass name=..., or set the card's 'name' field "
            "(jupyter mlops card NOTEBOOK --set name=my-model)."
        )
    parse_card({"name": model_name})  # same naming rule as the card
    if alias:  # refuse before anything is saved; approvals go through promote()
        tags = model_card.to_tags() if model_card else {}
        check_gate(model_name, "(new)", f"alias {alias!r}", gate(tags, alias=alias))
    run_id = current_run_id()
    entry = new_entry(
        settings.tracking_uri,
        model_name,
        run_id=run_id,
        alias=alias,
        experiment=experiment or settings.experiment,
        tags=model_card.to_tags() if model_card else {},
        description=model_card.description if model_card else "",
    )
    with claimed(entry, fresh=True):
        return _save_and_push(
            entry, model, model_card, notebook, input_example, pip_requirements, reference
        )


def _datasets(
    name: str, card: ModelCard | None, notebook: str | None, input_example: Any, reference: Any
) -> list[dict[str, Any]]:
    """The MLflow datasets of a registration: the reference frame (else the input example)
    and the card's input files, by their sha256."""
    from ..provenance import fingerprint_inputs
    from ..tracking.datasets import TRAINING, file_datasets, frame_dataset

    found = []
    frame, label = (reference, "reference") if reference is not None else (input_example, "example")
    if frame is not None:
        try:
            found.append(frame_dataset(frame, f"{name}-{label}", TRAINING, notebook))
        except Exception as exc:  # noqa: BLE001 - the model took it; MLflow cannot describe it as a table
            warnings.warn(
                f"The {label} of {name!r} is not logged as an MLflow dataset: {exc}", stacklevel=4
            )
    if card and card.inputs and notebook:
        base = Path(notebook).resolve().parent
        found += file_datasets(fingerprint_inputs(card.inputs, base), base)
    return found


def _save_and_push(
    entry: SpoolEntry,
    model: Any,
    model_card: ModelCard | None,
    notebook: str | None,
    input_example: Any,
    pip_requirements: list[str] | None,
    reference: Any,
) -> Registration:
    model_name, alias, run_id = entry.name, entry.alias, entry.run_id
    try:
        saved = save_model(
            model,
            entry.model_dir,
            input_example=input_example,
            pip_requirements=pip_requirements,
            reference=reference,
        )
        entry.tags.update(_saved_tags(saved))
        entry.datasets = _datasets(model_name, model_card, notebook, input_example, reference)
        if run_id is None:
            _snapshot(entry, notebook, model_card)
        entry.save()
    except BaseException:
        discard(entry)
        raise
    facts = {"flavor": saved.flavor, "serialization": saved.serialization}
    try:
        version = push_entry(entry)
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        warnings.warn(
            f"The MLflow tracking server at {entry.tracking_uri} is unreachable: model "
            f"{model_name!r} was saved in the local spool ({entry.folder}) and will be registered "
            "by `jupyter mlops sync` (or the next jupyter mlops command) once it is back.",
            SpooledRegistrationWarning,
            stacklevel=3,  # the caller of register()
        )
        return Registration(
            model_name, None, entry.run_id, "spooled", alias, spool_entry=entry.entry_id, **facts
        )
    return Registration(
        model_name,
        str(version.version),
        entry.run_id,
        "registered",
        alias,
        model_uri=f"models:/{model_name}/{version.version}",
        model_id=model_id_of(version),
        **facts,
    )


def log_model(
    model: Any,
    *,
    input_example: Any = None,
    artifact_path: str = "model",
    pip_requirements: list[str] | None = None,
    tracking_uri: str | None = None,
    reference: Any = None,
) -> str:
    """Log ``model`` to the current run as an MLflow LoggedModel without registering it.

    Returns its ``models:/<model_id>`` URI. Use :func:`register_run` later to register the
    best of several runs. ``artifact_path`` is the LoggedModel's name; ``reference``
    (training features) saves a drift reference profile with it.
    """
    import tempfile

    run_id = current_run_id()
    if run_id is None:
        raise RegistrationError(
            "log_model() needs a run: call it inside a job or an active "
            "mlflow.start_run(), or use register() instead."
        )
    uri = get_settings(tracking_uri).tracking_uri
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "m"
        saved = save_model(
            model,
            local,
            input_example=input_example,
            pip_requirements=pip_requirements,
            reference=reference,
        )
        tags = _saved_tags(saved)
        model_id = upload_logged_model(uri, run_id, local, artifact_path, tags=tags)
    log_batch(uri, run_id, tags={LOGGED_MODEL_ID: model_id, **tags})
    return f"models:/{model_id}"


def register_run(
    run_id: str,
    name: str | None = None,
    *,
    alias: str | None = None,
    artifact_path: str | None = None,
    tracking_uri: str | None = None,
) -> Registration:
    """Register the model a run logged with :func:`log_model`; idempotent by (run, name).

    ``artifact_path`` picks one of the run's logged models by name when it logged several.
    """
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise NotFoundError(f"No run {run_id!r} on {shown_uri(uri)}.") from exc
    tags = run.data.tags
    model_id = _logged_model_of(client, run, artifact_path)
    model_name = name or tags.get(CARD_PREFIX + "name")
    if not model_name:
        raise RegistrationError("No model name: pass a name, or set the card's 'name' field.")
    saved = {k: tags[k] for k in (FLAVOR, SERIALIZATION) if k in tags}
    version = find_version(model_name, run_id, uri) or create_version(
        uri,
        model_name,
        run_id,
        model_id,
        saved,
        tags.get(CARD_PREFIX + "description", ""),
        f"run:{run_id}",
    )
    if alias:
        promote(model_name, version.version, alias, uri, reason="set at registration")
    return Registration(
        model_name,
        str(version.version),
        run_id,
        "registered",
        alias,
        model_uri=f"models:/{model_name}/{version.version}",
        flavor=saved.get(FLAVOR),
        serialization=saved.get(SERIALIZATION),
        model_id=model_id,
    )


def _logged_model_of(client: Any, run: Any, name: str | None) -> str:
    """The LoggedModel of ``run`` named ``name``, else the one log_model() last made."""
    run_id = run.info.run_id
    if name is None and LOGGED_MODEL_ID in run.data.tags:
        return str(run.data.tags[LOGGED_MODEL_ID])
    outputs = run.outputs.model_outputs if run.outputs else []
    for output in outputs:
        if name is None or client.get_logged_model(output.model_id).name == name:
            return str(output.model_id)
    which = f"no model named {name!r}" if name else "no model"
    raise RegistrationError(
        f"Run {run_id} logged {which}; call jupyter_mlops.log_model() in it"
        + (", or pass the name it was logged under." if name else ".")
    )
