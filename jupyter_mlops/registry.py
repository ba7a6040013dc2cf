"""Register models as MLflow model versions carrying the notebook's card; list them back.

``register()`` writes the model to the local spool first (fast, with explicit pinned pip
requirements instead of MLflow's subprocess-based inference), then pushes it. If the tracking
server is down the entry stays spooled and ``jupyter mlops sync`` pushes it later.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .card import ModelCard, parse_card
from .config import get_settings
from .errors import MlopsError, NotFoundError, RegistrationError
from .governance.promotion import check_gate, gate, move_alias, promote
from .tracking import (
    ensure_experiment,
    filter_literal,
    get_client,
    is_unreachable,
    log_batch,
    probe,
)
from .tracking.spool import SpoolEntry, claimed, discard, new_entry

REGISTRATION_TAG = "mlops.registration_id"
INTERACTIVE_TAG = "mlops.interactive"


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if self.status == "spooled":
            return (
                f"Model {self.name!r} spooled (entry {self.spool_entry}): the tracking "
                "server is unreachable; run `jupyter mlops sync` when it is back."
            )
        alias = f", alias {self.alias!r}" if self.alias else ""
        return f"Registered {self.name!r} version {self.version} from run {self.run_id}{alias}."


# -- pip requirements --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _module_dists() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    return dict(packages_distributions())


def _pinned(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{dist}=={version(dist)}"
    except PackageNotFoundError:
        return None


def _model_modules(model: Any) -> set[str]:
    modules = {type(model).__module__.split(".")[0]}
    get_params = getattr(model, "get_params", None)
    if callable(get_params):
        try:
            for value in get_params(deep=True).values():
                if hasattr(value, "fit") or hasattr(value, "predict"):
                    modules.add(type(value).__module__.split(".")[0])
        except Exception:
            pass
    return modules


def pip_requirements_for(model: Any, extra_modules: tuple[str, ...] = ()) -> list[str]:
    """Pinned requirements of the packages the model's classes come from, and its flavour."""
    modules = _model_modules(model) | {"mlflow", "cloudpickle", "numpy", *extra_modules}
    if "sklearn" in modules:
        modules |= {"scipy"}
    dists: set[str] = set()
    for module in modules - {"builtins", "__main__", "jupyter_mlops"}:
        candidates = _module_dists().get(module, [])
        # One import name can ship in several distributions (mlflow, mlflow-skinny...):
        # the one named like the module is the one users install.
        same = [d for d in candidates if d.lower().replace("_", "-") == module.lower()]
        dists.update(same or candidates[:1])
    pins = {_pinned(d) for d in dists}
    return sorted(p for p in pins if p)


# -- saving ------------------------------------------------------------------------------------
def _is_sklearn(model: Any) -> bool:
    if "sklearn" not in sys.modules:
        return False
    from sklearn.base import BaseEstimator

    return isinstance(model, BaseEstimator)


def save_model(
    model: Any,
    path: Path,
    *,
    input_example: Any = None,
    pip_requirements: list[str] | None = None,
    reference: Any = None,
) -> str:
    """Save ``model`` in its MLflow flavour (scikit-learn, else pyfunc); returns the flavour.

    With ``reference`` (the training features), a drift reference profile is saved beside it.
    """
    flavor = _save_flavor(model, path, input_example, pip_requirements)
    if reference is not None:
        from .governance.drift import save_profile

        save_profile(path, reference)
    return flavor


def _save_flavor(
    model: Any, path: Path, input_example: Any, pip_requirements: list[str] | None
) -> str:
    from mlflow.models import infer_signature

    extra = ("pandas",) if type(input_example).__module__.startswith("pandas") else ()
    reqs = pip_requirements or pip_requirements_for(model, extra)
    signature = None
    if input_example is not None and hasattr(model, "predict"):
        try:
            signature = infer_signature(input_example, model.predict(input_example))
        except Exception as exc:
            raise RegistrationError(
                f"Could not infer a signature: model.predict(input_example) failed ({exc}). "
                "Pass an input example the model accepts."
            ) from exc
    common: dict[str, Any] = {"pip_requirements": reqs, "signature": signature}
    if input_example is not None:
        common["input_example"] = input_example
    if _is_sklearn(model):
        import mlflow.sklearn

        mlflow.sklearn.save_model(model, str(path), **common)
        return "sklearn"
    import mlflow.pyfunc

    if isinstance(model, mlflow.pyfunc.PythonModel):
        mlflow.pyfunc.save_model(str(path), python_model=model, **common)
        return "pyfunc"
    if callable(getattr(model, "predict", None)):
        from ._pyfunc import PredictWrapper

        mlflow.pyfunc.save_model(str(path), python_model=PredictWrapper(model), **common)
        return "pyfunc"
    raise RegistrationError(
        f"Cannot register a {type(model).__name__}: it is not a scikit-learn estimator, an "
        "mlflow.pyfunc.PythonModel, nor an object with a predict() method."
    )


# -- context -----------------------------------------------------------------------------------
def current_run_id() -> str | None:
    """The run this process works for: a job's run, or an active MLflow run."""
    run_id = os.environ.get("JUPYTER_MLOPS_RUN_ID") or os.environ.get("MLFLOW_RUN_ID")
    if run_id:
        return run_id
    if "mlflow" in sys.modules:
        import mlflow

        active = mlflow.active_run()
        if active is not None:
            return str(active.info.run_id)
    return None


def _resolve_card(
    card: ModelCard | dict[str, Any] | None, notebook: str | None
) -> ModelCard | None:
    if card is not None:
        return card if isinstance(card, ModelCard) else parse_card(card)
    if notebook and Path(notebook).is_file():
        from .card import read_card

        return read_card(notebook)
    return None


def _snapshot(entry: SpoolEntry, notebook: str | None, card: ModelCard | None) -> None:
    """Notebook snapshot and receipt for the interactive run made at push time."""
    from .provenance import build_receipt, environment_facts, source_facts

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
        entry.tags["mlops.flavor"] = save_model(
            model,
            entry.model_dir,
            input_example=input_example,
            pip_requirements=pip_requirements,
            reference=reference,
        )
        if run_id is None:
            _snapshot(entry, notebook, model_card)
        entry.save()
    except BaseException:
        discard(entry)
        raise
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
            model_name, None, entry.run_id, "spooled", alias, spool_entry=entry.entry_id
        )
    return Registration(
        model_name,
        str(version.version),
        entry.run_id,
        "registered",
        alias,
        model_uri=f"models:/{model_name}/{version.version}",
    )


def _interactive_run(entry: SpoolEntry) -> str:
    from .jobs import spec

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
    snapshots = [p for p in entry.extras_dir.iterdir() if p.suffix == ".ipynb"]
    for nb in snapshots:
        client.log_artifact(run_id, str(nb), spec.INPUT_DIR)
    receipt_path = entry.extras_dir / "receipt.json"
    if receipt_path.is_file():
        from .provenance import receipt_tags

        receipt = json.loads(receipt_path.read_text("utf-8"))
        receipt["run_id"] = run_id
        client.log_dict(run_id, receipt, spec.RECEIPT)
        run_tags.update(receipt_tags(receipt))
    log_batch(entry.tracking_uri, run_id, tags={INTERACTIVE_TAG: "true", **entry.tags, **run_tags})
    client.set_terminated(run_id, "FINISHED")
    return run_id


def push_entry(entry: SpoolEntry) -> Any:
    """Push one spooled registration; idempotent by (run, name). Returns the ModelVersion."""
    probe(entry.tracking_uri)
    client = get_client(entry.tracking_uri)
    run_id = entry.run_id or _interactive_run(entry)
    version = _find_version(entry.name, run_id, entry.tracking_uri)
    if version is None:
        artifact_path = f"models/{entry.name}"
        client.log_artifacts(run_id, str(entry.model_dir), artifact_path)
        version = _create_version(
            entry.tracking_uri,
            entry.name,
            run_id,
            artifact_path,
            entry.tags,
            entry.description,
            entry.entry_id,
        )
    if entry.alias:
        move_alias(
            entry.tracking_uri,
            entry.name,
            str(version.version),
            entry.alias,
            reason="set at registration",
        )
    discard(entry)
    return version


def _find_version(name: str, run_id: str, tracking_uri: str) -> Any:
    found = get_client(tracking_uri).search_model_versions(
        f"name={filter_literal(name)} and run_id={filter_literal(run_id)}"
    )
    return max(found, key=lambda v: int(v.version)) if found else None


def _create_version(
    tracking_uri: str,
    name: str,
    run_id: str,
    artifact_path: str,
    tags: dict[str, str],
    description: str,
    registration_id: str,
) -> Any:
    from mlflow.exceptions import MlflowException

    client = get_client(tracking_uri)
    run_tags = client.get_run(run_id).data.tags
    card_tags = {k: v for k, v in run_tags.items() if k.startswith("mlops.card.")}
    card_tags.update(tags)
    try:
        client.create_registered_model(name, tags=card_tags, description=description)
    except MlflowException as exc:
        if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
            raise
        for key, value in card_tags.items():
            client.set_registered_model_tag(name, key, value)
    version = client.create_model_version(
        name,
        source=f"runs:/{run_id}/{artifact_path}",
        run_id=run_id,
        tags={**card_tags, REGISTRATION_TAG: registration_id},
        description=description or None,
    )
    log_batch(tracking_uri, run_id, tags={f"mlops.registered.{name}": version.version})
    return version


def log_model(
    model: Any,
    *,
    input_example: Any = None,
    artifact_path: str = "model",
    pip_requirements: list[str] | None = None,
    tracking_uri: str | None = None,
    reference: Any = None,
) -> str:
    """Log ``model`` to the current run without registering it; returns its ``runs:/`` URI.

    Use :func:`register_run` later to register the best of several runs. ``reference``
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
        flavor = save_model(
            model,
            Path(tmp) / "m",
            input_example=input_example,
            pip_requirements=pip_requirements,
            reference=reference,
        )
        get_client(uri).log_artifacts(run_id, str(Path(tmp) / "m"), artifact_path)
    log_batch(uri, run_id, tags={"mlops.logged_model": artifact_path, "mlops.flavor": flavor})
    return f"runs:/{run_id}/{artifact_path}"


def register_run(
    run_id: str,
    name: str | None = None,
    *,
    alias: str | None = None,
    artifact_path: str | None = None,
    tracking_uri: str | None = None,
) -> Registration:
    """Register the model a run logged with :func:`log_model`; idempotent by (run, name)."""
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise NotFoundError(f"No run {run_id!r} on {uri}.") from exc
    tags = run.data.tags
    path = artifact_path or tags.get("mlops.logged_model")
    model_name = name or tags.get("mlops.card.name")
    if not path:
        raise RegistrationError(
            f"Run {run_id} logged no model; call jupyter_mlops.log_model() in it."
        )
    if not model_name:
        raise RegistrationError("No model name: pass a name, or set the card's 'name' field.")
    version = _find_version(model_name, run_id, uri) or _create_version(
        uri,
        model_name,
        run_id,
        path,
        {"mlops.flavor": tags.get("mlops.flavor", "")},
        tags.get("mlops.card.description", ""),
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
    )


# -- listing -----------------------------------------------------------------------------------
def _summary(model: Any) -> dict[str, Any]:
    tags = dict(model.tags or {})
    card = {k[len("mlops.card.") :]: v for k, v in tags.items() if k.startswith("mlops.card.")}
    versions = [int(v.version) for v in (model.latest_versions or [])]
    return {
        "name": model.name,
        "description": model.description or "",
        "owner": card.get("owner"),
        "use_case": card.get("use_case"),
        "risk_tier": card.get("risk_tier"),
        "stage": card.get("stage"),
        "latest_version": str(max(versions)) if versions else None,
        "aliases": {k: str(v) for k, v in (model.aliases or {}).items()},
        "tags": tags,
        "updated_at": model.last_updated_timestamp,
    }


def iter_models(
    tracking_uri: str | None = None,
    filter_string: str | None = None,
    *,
    order_by: list[str] | None = None,
    page_size: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Registered models with their card fields, page by page, in ``order_by`` order.

    Stop iterating to stop fetching: a caller that only needs the most recently updated
    models (``order_by=["last_updated_timestamp DESC"]``) reads one small page.
    """
    uri = get_settings(tracking_uri).tracking_uri
    probe(uri)  # fail in seconds, not after MLflow's minutes of retries
    client = get_client(uri)
    token = None
    while True:
        page = client.search_registered_models(
            filter_string=filter_string, max_results=page_size, order_by=order_by, page_token=token
        )
        for model in page:
            yield _summary(model)
        token = page.token
        if not token:
            return


def list_models(
    tracking_uri: str | None = None, filter_string: str | None = None
) -> list[dict[str, Any]]:
    """Every registered model with its card fields, aliases and latest version."""
    return list(iter_models(tracking_uri, filter_string))


def _last_replay(client: Any, run_id: str | None) -> dict[str, Any] | None:
    """The last replay of a version's run: its verdict, when, and the replay run; or None."""
    from .reproduce import facts

    if not run_id:
        return None
    try:
        tags = client.get_run(run_id).data.tags
    except Exception:
        return None  # the run was deleted: a version can outlive it
    if facts.REPLAY_LAST_RUN not in tags:
        return None
    return {
        "verdict": tags.get(facts.REPLAY_VERDICT),
        "reproduced": tags.get(facts.REPLAY_VERDICT) == facts.REPRODUCED,
        "at": float(tags.get(facts.REPLAY_AT) or 0) or None,
        "replay_run_id": tags[facts.REPLAY_LAST_RUN],
    }


def describe_model(name: str, tracking_uri: str | None = None) -> dict[str, Any]:
    """One model with all its versions and their cards."""
    from mlflow.exceptions import MlflowException

    client = get_client(get_settings(tracking_uri).tracking_uri)
    try:
        model = client.get_registered_model(name)
    except MlflowException as exc:
        raise NotFoundError(
            f"No registered model {name!r}. List them with `jupyter mlops models`."
        ) from exc
    versions = client.search_model_versions(f"name={filter_literal(name)}")
    summary = _summary(model)
    summary["versions"] = [
        {
            "version": str(v.version),
            "run_id": v.run_id,
            "status": v.status,
            "source": v.source,
            "created_at": v.creation_timestamp,
            "tags": dict(v.tags or {}),
            "aliases": list(v.aliases or []),
            "replay": _last_replay(client, v.run_id),
        }
        for v in sorted(versions, key=lambda v: -int(v.version))
    ]
    if versions:
        summary["latest_version"] = summary["versions"][0]["version"]
    return summary


__all__ = [
    "MlopsError",
    "Registration",
    "describe_model",
    "iter_models",
    "list_models",
    "log_model",
    "promote",
    "push_entry",
    "register",
    "register_run",
]
