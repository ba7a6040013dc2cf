"""A server-side cache of the registered-models list, refreshed incrementally.

Listing a large registry takes one MLflow search per 1,000 models, each joining versions and
aliases. The cache keeps the summaries and, on each read, asks MLflow only for the models
updated since the newest one it holds (``last_updated_timestamp DESC``, stopping at the first
older timestamp): one small page when nothing changed. MLflow does not bump that timestamp
for deletions, renames, tag or alias changes, so a full listing replaces the cache every
``full_refresh_s`` seconds, and on demand.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .models import ListModelsResponse

NEWEST_FIRST = ["last_updated_timestamp DESC"]


@dataclass
class _Registry:
    """What the cache holds for one tracking URI."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    newest: int = -1
    full_at: float = 0.0
    body: bytes | None = None  # the serialized answer, rebuilt only after a change
    lock: threading.Lock = field(default_factory=threading.Lock)


class ModelsCache:
    """Registered-model summaries per tracking URI; thread-safe, for use off the event loop.

    Parameters
    ----------
    full_refresh_s
        Age after which a read re-lists every model (picks up deletions and renames).
    page_size
        Models asked for per incremental search; one page suffices when little changed.
    """

    def __init__(self, full_refresh_s: float = 300.0, page_size: int = 25) -> None:
        self.full_refresh_s = full_refresh_s
        self.page_size = page_size
        self._registries: dict[str, _Registry] = {}
        self._guard = threading.Lock()

    def _registry(self, uri: str) -> _Registry:
        with self._guard:
            return self._registries.setdefault(uri, _Registry())

    def response_json(self, uri: str, *, full: bool = False) -> bytes:
        """The ``ListModelsResponse`` body for ``uri``, refreshed first.

        ``full`` forces a complete listing instead of an incremental one.
        """
        registry = self._registry(uri)
        with registry.lock:
            stale = time.monotonic() - registry.full_at > self.full_refresh_s
            if full or stale or registry.newest < 0:
                self._full(uri, registry)
            else:
                self._incremental(uri, registry)
            if registry.body is None:
                ordered = [with_rag(registry.models[name]) for name in sorted(registry.models)]
                response = ListModelsResponse.model_validate({"models": ordered})
                registry.body = response.model_dump_json().encode()
            return registry.body

    def _full(self, uri: str, registry: _Registry) -> None:
        from ..registry import iter_models

        started = time.monotonic()
        models = {m["name"]: m for m in iter_models(uri)}
        registry.models = models
        registry.newest = max((m["updated_at"] or 0 for m in models.values()), default=0)
        registry.full_at = started
        registry.body = None

    def _incremental(self, uri: str, registry: _Registry) -> None:
        from ..registry import iter_models

        newest = registry.newest
        for summary in iter_models(uri, order_by=NEWEST_FIRST, page_size=self.page_size):
            updated = summary["updated_at"] or 0
            if updated < registry.newest:
                break
            newest = max(newest, updated)
            if registry.models.get(summary["name"]) != summary:
                registry.models[summary["name"]] = summary
                registry.body = None
        registry.newest = newest


def with_rag(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with the RAG status its own tags give (versions are not read here)."""
    from ..governance.facts import ModelFacts
    from ..governance.inventory import now_ms
    from ..governance.policy import load_policy
    from ..governance.rag import assess

    facts = ModelFacts(summary["name"], summary["tags"], summary["aliases"])
    rag, findings = assess(facts, load_policy(), now_ms())
    alert = facts.alert_status
    return {
        **summary,
        "rag": rag,
        "rag_reasons": [f.reason for f in findings],
        "alert_status": None if alert == "unknown" else alert,
        "alerts": facts.alert_reasons if alert == "alert" else [],
    }
