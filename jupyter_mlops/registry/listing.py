"""Registered models read back with their card fields: listing, paging and one model's versions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import get_settings
from ..errors import NotFoundError
from ..tags import CARD_PREFIX
from ..tracking import filter_literal, get_client, probe


def _summary(model: Any) -> dict[str, Any]:
    tags = dict(model.tags or {})
    card = {k[len(CARD_PREFIX) :]: v for k, v in tags.items() if k.startswith(CARD_PREFIX)}
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


def card_of(tags: dict[str, str]) -> dict[str, Any] | None:
    """The card mirrored onto a version's tags; its raw fields when another schema wrote it."""
    from ..card import ModelCard
    from ..errors import InvalidCardError

    if not any(key.startswith(CARD_PREFIX) for key in tags):
        return None
    try:
        return ModelCard.from_tags(tags).model_dump(mode="json")
    except (InvalidCardError, ValueError):
        return {k[len(CARD_PREFIX) :]: v for k, v in tags.items() if k.startswith(CARD_PREFIX)}


def _last_replay(client: Any, run_id: str | None) -> dict[str, Any] | None:
    """The last replay of a version's run: its verdict, when, and the replay run; or None."""
    from ..reproduce import facts

    if not run_id:
        return None
    from mlflow.exceptions import MlflowException

    try:
        tags = client.get_run(run_id).data.tags
    except MlflowException:
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
    # search_model_versions leaves aliases out; the model lists them all.
    by_version: dict[str, set[str]] = {}
    for alias, number in summary["aliases"].items():
        by_version.setdefault(str(number), set()).add(alias)
    summary["versions"] = [
        {
            "version": str(v.version),
            "run_id": v.run_id,
            "status": v.status,
            "source": v.source,
            "model_id": getattr(v, "model_id", None),
            "created_at": v.creation_timestamp,
            "tags": dict(v.tags or {}),
            "aliases": sorted({*(v.aliases or []), *by_version.get(str(v.version), ())}),
            "card": card_of(dict(v.tags or {})),
            "replay": _last_replay(client, v.run_id),
        }
        for v in sorted(versions, key=lambda v: -int(v.version))
    ]
    if versions:
        summary["latest_version"] = summary["versions"][0]["version"]
    return summary
