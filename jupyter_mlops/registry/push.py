"""Push saved models to MLflow as MLflow 3 shows them: a LoggedModel with the run's metrics
linked to it, the datasets it was made from, and a model version whose source is that model.

``push_entry`` pushes one spooled registration and is idempotent: the run, the LoggedModel
and the version are each found again before being made, so a push cut off half-way (a server
gone down, a killed process) is finished by the next ``sync()`` without a second version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..errors import MlopsError
from ..governance.promotion import move_alias
from ..tags import CARD_PREFIX, INTERACTIVE, REGISTERED_PREFIX, REGISTRATION_ID
from ..tracking import (
    ensure_experiment,
    filter_literal,
    get_client,
    is_unreachable,
    log_batch,
    probe,
)
from ..tracking.client import fluent_tracking_uri
from ..tracking.datasets import log_datasets
from .spool import SpoolEntry, claimed, discard, pending


def _link_run_metrics(client: Any, run_id: str, model_id: str) -> None:
    """The run's latest metrics, logged again as the LoggedModel's (as MLflow's log_model does)."""
    from mlflow.entities import Metric

    linked = []
    for key in client.get_run(run_id).data.metrics:
        history = [m for m in client.get_metric_history(run_id, key) if m.model_id is None]
        if not history:
            continue
        last = max(history, key=lambda m: (m.step, m.timestamp))
        linked.append(
            Metric(
                last.key,
                last.value,
                last.timestamp,
                last.step,
                model_id=model_id,
                dataset_name=last.dataset_name,
                dataset_digest=last.dataset_digest,
                run_id=run_id,
            )
        )
    for start in range(0, len(linked), 1000):
        client.log_batch(run_id, metrics=linked[start : start + 1000])


def _stamp_mlmodel(local_dir: Path, run_id: str, model_id: str, artifact_location: str) -> None:
    """Say in ``MLmodel`` which run and LoggedModel the saved model belongs to."""
    from mlflow.models import Model

    path = local_dir / "MLmodel"
    meta = Model.load(str(path))
    meta.run_id, meta.model_id, meta.artifact_path = run_id, model_id, artifact_location
    meta.save(str(path))


def upload_logged_model(
    tracking_uri: str,
    run_id: str,
    local_dir: Path,
    name: str,
    *,
    tags: dict[str, str],
    model_id: str | None = None,
    on_created: Callable[[str], None] | None = None,
) -> str:
    """Make (or finish) the run's LoggedModel holding the model saved at ``local_dir``.

    ``model_id`` is a LoggedModel made by an earlier, cut-off attempt: it is finished, not
    made again. ``on_created`` is told a new model's id before its files are uploaded.
    """
    from mlflow.entities import LoggedModelOutput, LoggedModelStatus

    client = get_client(tracking_uri)
    if model_id is not None:
        existing = client.get_logged_model(model_id)
        if existing.status == LoggedModelStatus.READY:
            return model_id
    else:
        run = client.get_run(run_id)
        created = client.create_logged_model(
            run.info.experiment_id,
            name=name,
            source_run_id=run_id,
            tags=tags,
            params={k: str(v) for k, v in run.data.params.items()},
        )
        model_id = str(created.model_id)
        if on_created is not None:
            on_created(model_id)
    logged = client.get_logged_model(model_id)
    _stamp_mlmodel(local_dir, run_id, model_id, str(logged.artifact_location))
    client.log_model_artifacts(model_id, str(local_dir))
    client.log_outputs(run_id, [LoggedModelOutput(model_id, 0)])
    _link_run_metrics(client, run_id, model_id)
    client.finalize_logged_model(model_id, LoggedModelStatus.READY)
    return model_id


def _interactive_run(entry: SpoolEntry) -> str:
    from ..jobs import spec

    settings = get_settings(entry.tracking_uri)
    exp = ensure_experiment(
        entry.tracking_uri, entry.experiment or settings.experiment, settings.artifact_root
    )
    client = get_client(entry.tracking_uri)
    run = client.create_run(exp, run_name=f"register {entry.name}")
    run_id = str(run.info.run_id)
    entry.run_id = run_id
    entry.save()  # from here a retry reuses this run
    run_tags: dict[str, str] = {}
    for nb in (p for p in entry.extras_dir.iterdir() if p.suffix == ".ipynb"):
        client.log_artifact(run_id, str(nb), spec.INPUT_DIR)
    receipt_path = entry.extras_dir / "receipt.json"
    if receipt_path.is_file():
        from ..provenance import receipt_tags

        receipt = json.loads(receipt_path.read_text("utf-8"))
        receipt["run_id"] = run_id
        client.log_dict(run_id, receipt, spec.RECEIPT)
        run_tags.update(receipt_tags(receipt))
    log_batch(entry.tracking_uri, run_id, tags={INTERACTIVE: "true", **entry.tags, **run_tags})
    client.set_terminated(run_id, "FINISHED")
    return run_id


def push_entry(entry: SpoolEntry) -> Any:
    """Push one spooled registration; idempotent by (run, name). Returns the ModelVersion."""
    uri = entry.tracking_uri
    probe(uri)
    run_id = entry.run_id or _interactive_run(entry)
    version = find_version(entry.name, run_id, uri)
    if version is None:

        def remember(model_id: str) -> None:
            entry.model_id = model_id
            entry.save()  # a retry finishes this LoggedModel instead of making another

        model_id = upload_logged_model(
            uri,
            run_id,
            entry.model_dir,
            entry.name,
            tags=entry.tags,
            model_id=entry.model_id,
            on_created=remember,
        )
        log_datasets(uri, run_id, entry.datasets, model_id)
        version = create_version(
            uri,
            entry.name,
            run_id,
            model_id,
            entry.tags,
            entry.description,
            entry.entry_id,
        )
    if entry.alias:
        move_alias(uri, entry.name, str(version.version), entry.alias, reason="set at registration")
    discard(entry)
    return version


def find_version(name: str, run_id: str, tracking_uri: str) -> Any:
    """The newest version of ``name`` registered from ``run_id``, or None."""
    found = get_client(tracking_uri).search_model_versions(
        f"name={filter_literal(name)} and run_id={filter_literal(run_id)}"
    )
    return max(found, key=lambda v: int(v.version)) if found else None


def create_version(
    tracking_uri: str,
    name: str,
    run_id: str,
    model_id: str | None,
    tags: dict[str, str],
    description: str,
    registration_id: str,
    *,
    source: str | None = None,
) -> Any:
    """A new version of ``name`` from the LoggedModel ``model_id`` (or, for models logged
    before LoggedModels, from ``source``), carrying the run's card and ``tags``."""
    from mlflow.exceptions import MlflowException
    from mlflow.utils.mlflow_tags import MLFLOW_MODEL_VERSIONS

    client = get_client(tracking_uri)
    run_tags = client.get_run(run_id).data.tags
    card_tags = {k: v for k, v in run_tags.items() if k.startswith(CARD_PREFIX)}
    card_tags.update(tags)
    try:
        client.create_registered_model(name, tags=card_tags, description=description)
    except MlflowException as exc:
        if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
            raise
        for key, value in card_tags.items():
            client.set_registered_model_tag(name, key, value)
    version = _registered(client, name, run_id, registration_id)
    if version is None:
        # A store resolves a models:/ source with MLflow's default client: point it at ours.
        with fluent_tracking_uri(tracking_uri):
            version = client.create_model_version(
                name,
                source=source or f"models:/{model_id}",
                run_id=run_id,
                tags={**card_tags, REGISTRATION_ID: registration_id},
                description=description or None,
                model_id=model_id,
            )
        version = _registered(client, name, run_id, registration_id) or version
    if model_id is not None:
        listed = client.get_logged_model(model_id).tags.get(MLFLOW_MODEL_VERSIONS)
        links = [*json.loads(listed or "[]"), {"name": name, "version": str(version.version)}]
        client.set_logged_model_tags(model_id, {MLFLOW_MODEL_VERSIONS: json.dumps(links)})
    log_batch(tracking_uri, run_id, tags={f"{REGISTERED_PREFIX}{name}": version.version})
    return version


def _registered(client: Any, name: str, run_id: str, registration_id: str) -> Any:
    """The version this registration made, if the store has it; exactly one is kept.

    When the store commits a create but its reply is lost, MLflow's client sends the create
    again and the store makes a second version carrying the same registration id. The first
    is the registration; the others are deleted.
    """
    found = client.search_model_versions(
        f"name={filter_literal(name)} and run_id={filter_literal(run_id)}"
    )
    same = sorted(
        (v for v in found if v.tags.get(REGISTRATION_ID) == registration_id),
        key=lambda v: int(v.version),
    )
    for extra in same[1:]:
        client.delete_model_version(name, extra.version)
    return same[0] if same else None


def model_id_of(version: Any) -> str | None:
    """The LoggedModel a version was registered from (MLflow's stores keep it as the source)."""
    if getattr(version, "model_id", None):
        return str(version.model_id)
    source = str(version.source or "")
    rest = source[len("models:/") :] if source.startswith("models:/") else ""
    return rest if rest.startswith("m-") and "/" not in rest else None


@dataclass
class SyncResult:
    pushed: list[dict[str, Any]] = field(default_factory=list)
    still_pending: list[dict[str, Any]] = field(default_factory=list)


def sync(push: Callable[[SpoolEntry], Any] | None = None) -> SyncResult:
    """Push every pending registration whose server answers; keep the rest."""
    push = push or push_entry
    result = SyncResult()
    for waiting in pending():
        with claimed(waiting) as entry:
            if entry is not None:
                _push_one(entry, push, result)
    return result


def _push_one(entry: SpoolEntry, push: Callable[[SpoolEntry], Any], result: SyncResult) -> None:
    try:
        version = push(entry)
    except Exception as exc:
        if not (is_unreachable(exc) or isinstance(exc, MlopsError)):
            raise
        entry.attempts += 1
        entry.last_error = str(exc)[:500]
        entry.save()
        result.still_pending.append(
            {"entry": entry.entry_id, "name": entry.name, "error": entry.last_error}
        )
        return
    result.pushed.append(
        {
            "entry": entry.entry_id,
            "name": entry.name,
            "version": str(version.version),
            "run_id": entry.run_id,
        }
    )
