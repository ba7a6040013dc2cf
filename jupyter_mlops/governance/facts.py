"""What governance knows about each registered model, read with a few bulk MLflow searches.

``search_registered_models`` gives each model's card tags, aliases, the monitoring summary of
its last evaluation and its latest version. The versions the RAG rules look at besides (card
stage production or retired) come from two filtered ``search_model_versions``; zombie
detection reads every version instead. The searches go to a tracking server at once, and
nothing is fetched per model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..config import get_settings
from ..tags import (
    ALERT_REASONS,
    ALERT_STATUS,
    CARD_PREFIX,
    DRIFT_REASONS,
    DRIFT_STATUS,
    LAST_EVAL_AT,
    LOADED_AT,
)
from ..tracking import gather, get_client, probe
from ..tracking.client import is_remote

DAY_MS = 86_400_000


def _ms(value: str | None) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _reasons(value: str | None) -> list[str]:
    try:
        found = json.loads(value) if value else []
    except ValueError:
        return [value or ""]
    return [str(r) for r in found] if isinstance(found, list) else [str(found)]


@dataclass
class VersionFacts:
    """One model version: its card stage and the outcome of its last evaluation."""

    version: str
    run_id: str | None
    created_at: int | None
    tags: dict[str, str]

    @property
    def stage(self) -> str | None:
        return self.tags.get(CARD_PREFIX + "stage")

    @property
    def last_eval_at(self) -> int | None:
        return _ms(self.tags.get(LAST_EVAL_AT))

    @property
    def loaded_at(self) -> int | None:
        return _ms(self.tags.get(LOADED_AT))


@dataclass
class ModelFacts:
    """One registered model: its card (tags), aliases, versions and monitoring summary."""

    name: str
    tags: dict[str, str]
    aliases: dict[str, str]
    versions: dict[str, VersionFacts] = field(default_factory=dict)
    """Every version, or (unless read with ``every_version``) the latest and those whose card
    stage is production or retired: all that the inventory and its RAG rules use."""
    updated_at: int | None = None
    scheduled: frozenset[str] = frozenset()
    """The notebook names that active timed schedules run (the same set on every model)."""

    def card(self, key: str) -> str | None:
        """A card field as stored in the registered model's tags (raw text), or None."""
        value = self.tags.get(CARD_PREFIX + key)
        return value or None

    @property
    def monitoring(self) -> dict[str, Any] | None:
        """The card's monitoring notebook and cron, or None."""
        try:
            found = json.loads(self.card("monitoring") or "null")
        except ValueError:
            return None
        return found if isinstance(found, dict) and found.get("notebook") else None

    @property
    def latest_version(self) -> str | None:
        return max(self.versions, key=int) if self.versions else None

    @property
    def last_eval_at(self) -> int | None:
        return _ms(self.tags.get(LAST_EVAL_AT))

    @property
    def drift_status(self) -> str:
        return self.tags.get(DRIFT_STATUS) or "unknown"

    @property
    def alert_status(self) -> str:
        return self.tags.get(ALERT_STATUS) or "unknown"

    @property
    def drift_reasons(self) -> list[str]:
        return _reasons(self.tags.get(DRIFT_REASONS))

    @property
    def alert_reasons(self) -> list[str]:
        return _reasons(self.tags.get(ALERT_REASONS))

    @property
    def in_production(self) -> bool:
        """A champion alias, or the production stage on the model's or a version's card."""
        return self.card("stage") == "production" or bool(self.production_versions())

    def production_versions(self) -> list[str]:
        """Versions in production: the champion, and any whose card stage is production."""
        found = {v for a, v in self.aliases.items() if a == "champion"}
        found |= {n for n, v in self.versions.items() if v.stage == "production"}
        return sorted(found, key=int)


def pages(search: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = search(page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


RULE_STAGES = ("production", "retired")  # the version stages a RAG rule looks at


def fetch_facts(
    tracking_uri: str | None = None, *, every_version: bool = False
) -> list[ModelFacts]:
    """Every registered model with its versions (see :attr:`ModelFacts.versions`), by name.

    Parameters
    ----------
    every_version
        Read every version of every model, not only those the RAG rules use (zombies).
    """
    uri = get_settings(tracking_uri).tracking_uri
    probe(uri)
    client = get_client(uri)

    def versions(filter_string: str | None = None) -> list[Any]:
        return list(
            pages(client.search_model_versions, max_results=10000, filter_string=filter_string)
        )

    from ..schedules.store import scheduled_notebooks

    searches: list[Callable[[], Any]] = [
        lambda: list(pages(client.search_registered_models, max_results=1000)),
        partial(scheduled_notebooks, uri),
    ]
    if every_version:
        searches.append(versions)
    else:
        stage = f"tags.`{CARD_PREFIX}stage`"
        searches += [partial(versions, f"{stage} = '{value}'") for value in RULE_STAGES]
    found, scheduled, *version_lists = gather(searches, parallel=is_remote(uri))
    models: dict[str, ModelFacts] = {}
    for m in found:
        models[m.name] = ModelFacts(
            name=m.name,
            tags=dict(m.tags or {}),
            aliases={k: str(v) for k, v in (m.aliases or {}).items()},
            updated_at=m.last_updated_timestamp,
            scheduled=frozenset(scheduled),
        )
    if not every_version:
        latest = [v for m in found for v in (m.latest_versions or [])]
        if found and not latest:  # a registry that does not report latest versions
            latest = versions()
        version_lists.append(latest)
    for listed in version_lists:
        for v in listed:
            owner = models.get(v.name)
            if owner is not None:
                owner.versions[str(v.version)] = VersionFacts(
                    str(v.version), v.run_id or None, v.creation_timestamp, dict(v.tags or {})
                )
    return [models[name] for name in sorted(models)]
