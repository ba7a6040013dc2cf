"""The local job host: one warm process per user, environment and tracking store that runs the
local executor's jobs.

Each job in a process of its own pays for importing MLflow and papermill and for starting a
kernel, and a queued job holds both while it waits. The host pays once: it has them imported,
keeps one fresh kernel started ahead per slot, and keeps queued jobs as a list of run ids
(and a file each, so the next host picks them up if this one dies).

- :mod:`.place` says where a host lives (its key, socket, folder) and talks to it;
- :mod:`.service` is the host process (``python -m jupyter_mlops.jobs.host.service``);
- :mod:`.work` holds its queue and slots.

``JUPYTER_MLOPS_HOST=off`` keeps a process per job; ``JUPYTER_MLOPS_HOST_IDLE_S`` (default 600)
is how long an idle host waits before it exits.
"""

from __future__ import annotations

import os

from ...errors import ConfigError

DEFAULT_IDLE_S = 600.0


def enabled() -> bool:
    """Whether local jobs go to a job host (``JUPYTER_MLOPS_HOST``, default on)."""
    value = os.environ.get("JUPYTER_MLOPS_HOST", "on").strip().lower()
    if value in ("", "on", "1", "true", "yes"):
        return True
    if value in ("off", "0", "false", "no"):
        return False
    raise ConfigError(f"JUPYTER_MLOPS_HOST must be on or off, got {value!r}.")


def idle_seconds() -> float:
    """How long an idle host waits for work before it exits (``JUPYTER_MLOPS_HOST_IDLE_S``)."""
    raw = os.environ.get("JUPYTER_MLOPS_HOST_IDLE_S", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_IDLE_S
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ConfigError(
            f"JUPYTER_MLOPS_HOST_IDLE_S must be a number of seconds >= 0, got {raw!r}."
        )
    return value
