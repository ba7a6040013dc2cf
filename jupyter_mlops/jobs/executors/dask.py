"""The Dask executor: each job is a fire-and-forget task running ``run_job`` on a worker.

The task carries only the run id, the tracking URI and plain numbers, so it pickles cleanly and
the worker needs no shared filesystem: everything else is read from, and written back to,
MLflow. Once submitted, the task belongs to the scheduler; the process that submitted it (a CLI,
a Jupyter server) may exit. A worker lost mid-job makes the scheduler start the task again on
another worker (up to its ``distributed.scheduler.allowed-failures``); the runner counts these
attempts on the run and ends the job FAILED ("worker lost") past ``retries``.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import uuid
from typing import Any

from ...config import Settings
from ...errors import ConfigError, ExecutorUnavailableError
from .. import spec
from .base import Executor

DEFAULT_RETRIES = 2
CONNECT_TIMEOUT_S = 10.0

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _client(address: str) -> Any:
    """One Dask client per scheduler address and process, closed (and flushed) at exit."""
    from distributed import Client

    with _clients_lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except OSError as exc:
            raise ExecutorUnavailableError(
                f"Cannot reach the Dask scheduler at {address} ({exc}). Start it, or fix the "
                "executor address (dask://HOST:PORT)."
            ) from None
        if not _clients:
            atexit.register(close_clients)
        _clients[address] = client
        return client


def close_clients() -> None:
    """Close this process's Dask clients (at exit, or before their scheduler goes away).

    Closing flushes the batched stream, so every task submitted has reached the scheduler.
    """
    for client in list(_clients.values()):
        client.close()
    _clients.clear()


def run_on_worker(
    run_id: str,
    tracking_uri: str,
    max_attempts: int,
    semaphore: str | None = None,
    max_leases: int = 1,
) -> str:
    """The Dask task: run the job, within the sweep's concurrency limit when it has one.

    On a worker with a kernel pool (``--preload jupyter_mlops.jobs.kernel_pool``) the job
    takes a fresh kernel from it rather than starting one.
    """
    from ..kernel_pool import pool_of_this_worker
    from ..runner import run_job

    pool = pool_of_this_worker()
    source = pool.take if pool is not None else None
    if semaphore is None:
        return run_job(run_id, tracking_uri, "dask", max_attempts, kernel_source=source).status
    from distributed import Semaphore, rejoin, secede

    lock = Semaphore(max_leases=max_leases, name=semaphore)
    secede()  # wait for a lease without holding one of the worker's threads
    lock.acquire()
    rejoin()
    try:
        return run_job(run_id, tracking_uri, "dask", max_attempts, kernel_source=source).status
    finally:
        lock.release()


def retries_setting() -> int:
    """Retries after a lost worker: ``JUPYTER_MLOPS_DASK_RETRIES``, else 2."""
    raw = os.environ.get("JUPYTER_MLOPS_DASK_RETRIES", str(DEFAULT_RETRIES))
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"JUPYTER_MLOPS_DASK_RETRIES must be a whole number >= 0, got {raw!r}.")
    return value


class DaskExecutor(Executor):
    """Jobs as tasks on a Dask scheduler: ``dask://HOST:PORT``, or ``dask`` with
    ``DASK_SCHEDULER_ADDRESS`` (Dask's own setting) naming the scheduler."""

    name = "dask"

    def __init__(self, address: str | None = None) -> None:
        try:
            import dask.config
        except ImportError:
            raise ConfigError(
                "The dask executor needs Dask: pip install 'jupyter-mlops[dask]'."
            ) from None
        self.address = address or dask.config.get("scheduler-address", None)
        if not self.address:
            raise ConfigError(
                "The dask executor needs a scheduler address: use dask://HOST:PORT, set "
                "DASK_SCHEDULER_ADDRESS, or c.MlopsApp.dask_address for the Jupyter server."
            )
        self.retries = retries_setting()

    def submit(
        self, run_id: str, settings: Settings, tags: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from distributed import fire_and_forget

        from ...tracking import Store

        if tags is None:
            tags = Store(settings.tracking_uri).run(run_id).data.tags
        resources = json.loads(tags.get(spec.RESOURCES, "{}")) or None
        parent = tags.get(spec.PARENT)
        limit = tags.get(spec.SWEEP_MAX_CONCURRENCY)
        semaphore = f"mlops-sweep-{parent}" if parent and limit else None
        # The run id makes the key unique; the random part keeps a resubmission distinct too.
        key = f"mlops-job-{run_id}-{uuid.uuid4().hex[:8]}"
        max_attempts = self.retries + 1
        future = _client(self.address).submit(
            run_on_worker,
            run_id,
            settings.tracking_uri,
            max_attempts,
            semaphore,
            int(limit or 1),
            key=key,
            pure=False,
            resources=resources,
        )
        fire_and_forget(future)
        return {spec.DASK_KEY: key, spec.MAX_ATTEMPTS: max_attempts}

    def cancel(self, run: Any, settings: Settings) -> bool:
        """A running job is stopped by its runner, which watches the cancel request set by
        ``cancel_job``; a queued task is dropped from the scheduler (best effort)."""
        if run.info.status == "RUNNING":
            return True
        key = run.data.tags.get(spec.DASK_KEY)
        if key:
            try:
                from distributed import Future

                client = _client(self.address)
                client.cancel([Future(key, client)], force=True)
            except Exception:  # noqa: BLE001 - the runner still sees the cancel request if it ever starts
                pass
        return False

    @classmethod
    def supported_features(cls) -> dict[str, bool]:
        return {**super().supported_features(), "cancel": True, "resources": True}
