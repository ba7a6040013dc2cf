"""``evaluate()``: score a model version on new data, measure drift, fire its card's alerts.

Each evaluation is a run of the ``mlops-evaluations`` experiment tagged with the model and
version; its outcome is also summarised in ``mlops.monitor.*`` tags on the version (and on the
registered model, for the champion) so that the inventory reads it without extra searches.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .. import tags
from ..config import get_settings
from ..tags import EVAL_PREFIX
from ..tracking import ensure_experiment, get_client, log_batch
from .alerts import evaluate_alerts
from .drift import feature_drift, load_profile
from .evaluation import Evaluation
from .loading import deserialize
from .metrics import score
from .policy import Policy, load_policy
from .target import resolve_version

EVAL_EXPERIMENT = "mlops-evaluations"


def _drift_status(
    rows: list[dict[str, Any]], policy: Policy, profiled: bool
) -> tuple[str, list[str]]:
    if not profiled:
        return "unknown", []
    drifted = [r for r in rows if r["psi"] > policy.drift_psi or r["ks"] > policy.drift_ks]
    reasons = [f"PSI {r['psi']:.2f}, KS {r['ks']:.2f} on {r['feature']}" for r in drifted[:3]]
    if len(drifted) > 3:
        reasons.append(f"and {len(drifted) - 3} more feature(s)")
    return ("drift" if drifted else "ok"), reasons


def _dataset(name: str, data: Any) -> dict[str, Any] | None:
    from ..tracking.datasets import EVALUATION, frame_dataset

    try:
        return frame_dataset(data, name, EVALUATION)
    except Exception:  # noqa: BLE001 - the model scored it; MLflow cannot describe it as a table
        return None


def _log_run(uri: str, result: Evaluation, experiment: str, data: Any, model_id: str | None) -> str:
    """The evaluation run; its metrics are the LoggedModel's too, measured on ``data``."""
    from ..tracking.datasets import log_datasets

    settings = get_settings(uri)
    exp = ensure_experiment(uri, experiment, settings.artifact_root)
    client = get_client(uri)
    run = client.create_run(
        exp,
        run_name=f"evaluate {result.name} v{result.version}",
        tags={
            EVAL_PREFIX + "model": result.name,
            EVAL_PREFIX + "version": result.version,
            EVAL_PREFIX + "task": result.task or "",
            tags.DRIFT_STATUS: result.drift_status,
            tags.ALERT_STATUS: result.alert_status,
        },
    )
    run_id = str(run.info.run_id)
    metrics = dict(result.metrics)
    for row in result.drift:
        metrics[f"drift.psi.{row['feature']}"] = row["psi"]
        metrics[f"drift.ks.{row['feature']}"] = row["ks"]
    dataset = _dataset(f"{result.name}-v{result.version}-evaluation", data)
    if dataset is not None:
        log_datasets(uri, run_id, [dataset], model_id)
    log_batch(
        uri,
        run_id,
        metrics=metrics,
        params={"rows": result.rows},
        model_id=model_id,
        dataset=(dataset["name"], dataset["digest"]) if dataset else None,
    )
    client.log_dict(run_id, result.to_dict(), "evaluation.json")
    client.set_terminated(run_id, "FINISHED")
    return run_id


def _summarise(uri: str, result: Evaluation, is_champion: bool) -> None:
    summary = {
        tags.LAST_EVAL_AT: str(int(time.time() * 1000)),
        tags.LAST_EVAL_RUN: result.run_id or "",
        tags.LAST_EVAL_VERSION: result.version,
        tags.DRIFT_STATUS: result.drift_status,
        tags.DRIFT_REASONS: json.dumps(result.drift_reasons),
        tags.ALERT_STATUS: result.alert_status,
        tags.ALERT_REASONS: json.dumps(result.alerts),
    }
    client = get_client(uri)
    for key, value in summary.items():
        client.set_model_version_tag(result.name, result.version, key, value)
        if is_champion:
            client.set_registered_model_tag(result.name, key, value)


def evaluate(
    model: str,
    data: Any,
    labels: Any = None,
    *,
    task: str | None = None,
    tracking_uri: str | None = None,
    policy: Policy | None = None,
) -> Evaluation:
    """Evaluate a registered model version on ``data``; log it as a run linked to the version.

    Parameters
    ----------
    model
        ``NAME`` (its champion, else its latest version), ``NAME@ALIAS``, ``NAME/VERSION`` or
        a ``models:/`` URI.
    data
        Features, as the model takes them (a pandas DataFrame keeps the feature names).
    labels
        True targets; with them performance metrics are computed and alert rules checked.
    task
        ``classification`` or ``regression``; guessed from the labels when not given.

    Returns
    -------
    Evaluation
        Metrics, drift per feature (PSI and KS) against the reference profile saved at
        registration, fired alerts and the evaluation run's id.
    """
    import mlflow.artifacts
    import mlflow.pyfunc

    uri = get_settings(tracking_uri).tracking_uri
    rules = policy or load_policy()
    client = get_client(uri)
    version = resolve_version(client, model)
    name, number = str(version.name), str(version.version)
    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{number}", dst_path=tmp, tracking_uri=uri
        )
        loaded = deserialize(mlflow.pyfunc.load_model, local, version)
        profile = load_profile(Path(local))
    predictions = loaded.predict(data)
    kind, metrics = score(labels, predictions, task) if labels is not None else (task, {})
    drift = feature_drift(profile, data) if profile else []
    drift_status, drift_reasons = _drift_status(drift, rules, profile is not None)
    aliases = client.get_registered_model(name).aliases
    fired = evaluate_alerts(client, name, dict(version.tags or {}), aliases, metrics, rules)
    result = Evaluation(
        name=name,
        version=number,
        task=kind,
        rows=len(predictions),
        metrics=metrics,
        drift=drift,
        drift_status=drift_status,
        drift_reasons=drift_reasons,
        alerts=fired,
        alert_status="alert" if fired else ("ok" if metrics else "unknown"),
    )
    from ..registry.push import model_id_of

    result.run_id = _log_run(uri, result, EVAL_EXPERIMENT, data, model_id_of(version))
    champion = str(aliases.get("champion", "")) or None
    _summarise(uri, result, champion in (None, number))
    if fired:
        _tell_alert(uri, result, dict(version.tags or {}).get(tags.CARD_PREFIX + "owner"))
    return result


def _tell_alert(uri: str, result: Evaluation, owner: str | None) -> None:
    """Tell the owner and the configured channels that an alert fired (once per evaluation)."""
    from ..notifications import tell

    tell(
        uri,
        result.run_id,
        "alert",
        f"[jupyter-mlops] {result.name} v{result.version}: alert",
        f"Evaluating {result.name} version {result.version} on {result.rows} rows fired "
        f"{len(result.alerts)} alert(s): " + "; ".join(result.alerts) + f". Run {result.run_id}.",
        owner=owner,
    )
