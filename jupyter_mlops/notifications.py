"""Telling people: events sent through apprise, each once, to the configured channels.

The channels are apprise URLs (``mailto://``, ``slack://``, ``msteams://``, ``json://`` and
many more), from ``JUPYTER_MLOPS_NOTIFY_URLS`` (separated by spaces or commas),
``[tool.jupyter-mlops.notify] urls = [...]``, ``c.MlopsApp.notify_urls``, and for the card's
owner ``[tool.jupyter-mlops.notify.owners] NAME = "URL"``. The URLs hold secrets: they are
never logged, shown or stored. An event is sent once: a run it was sent for is tagged
``mlops.notified.<event>`` and is not sent for again.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Iterable
from typing import Any

from .config import project_config
from .errors import ConfigError
from .tags import NOTIFIED_PREFIX
from .tracking.client import get_client

log = logging.getLogger("jupyter_mlops.notifications")


def _table() -> dict[str, Any]:
    table = project_config().get("notify", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.jupyter-mlops.notify] must be a table (urls = [...]).")
    return table


def notify_urls(extra: Iterable[str] = (), owner: str | None = None) -> list[str]:
    """Every channel an event goes to: configured ones, ``extra``, and the owner's."""
    urls = [u for u in re.split(r"[\s,]+", os.environ.get("JUPYTER_MLOPS_NOTIFY_URLS", "")) if u]
    table = _table()
    configured = table.get("urls", [])
    if not isinstance(configured, list) or not all(isinstance(u, str) for u in configured):
        raise ConfigError("[tool.jupyter-mlops.notify] urls must be a list of apprise URLs.")
    urls += configured + list(extra)
    owners = table.get("owners", {})
    if owner and isinstance(owners, dict) and isinstance(owners.get(owner), str):
        urls.append(owners[owner])
    return list(dict.fromkeys(urls))


def channels_configured(extra: Iterable[str] = ()) -> bool:
    """Whether any event would go anywhere: a configured or ``extra`` URL, or an owner's."""
    owners = _table().get("owners", {})
    return bool(notify_urls(extra)) or (isinstance(owners, dict) and bool(owners))


def send(urls: list[str], title: str, body: str) -> bool:
    """Send to every URL; True when each accepted it. A URL apprise cannot read is a
    :class:`ConfigError` naming its position, not its text (it holds a secret)."""
    import apprise

    if not urls:
        return False
    channels = apprise.Apprise()
    for index, url in enumerate(urls, 1):
        if not channels.add(url):
            raise ConfigError(
                f"Notification URL #{index} is not an apprise URL: see "
                "https://github.com/caronc/apprise/wiki for the schemes."
            )
    return bool(channels.notify(body=body, title=title))


def send_once(
    tracking_uri: str, run_id: str, event: str, title: str, body: str, urls: list[str]
) -> bool:
    """Send ``event`` about ``run_id`` unless it was sent already; True when sent now."""
    if not urls:
        return False
    client = get_client(tracking_uri)
    key = NOTIFIED_PREFIX + event
    if key in client.get_run(run_id).data.tags:
        return False
    if not send(urls, title, body):
        log.warning(
            "notification %s of run %s was not delivered; it is sent again later", event, run_id
        )
        return False
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    client.set_tag(run_id, key, stamp)
    return True


def tell(
    tracking_uri: str,
    run_id: str | None,
    event: str,
    title: str,
    body: str,
    *,
    owner: str | None = None,
    extra: Iterable[str] = (),
) -> bool:
    """Send ``event`` to the configured channels and the owner's, once per run (each time,
    without a run); True when sent now. A bad configuration is logged, not raised: telling
    people never stops what happened from being recorded."""
    try:
        urls = notify_urls(extra, owner)
        if run_id is None:
            return send(urls, title, body)
        return send_once(tracking_uri, run_id, event, title, body, urls)
    except ConfigError as exc:
        log.warning("notification %s not sent: %s", event, exc.message)
        return False
