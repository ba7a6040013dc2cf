"""MLflow client access, experiments, batched logging and reachability checks."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import TrackingUnavailableError

if TYPE_CHECKING:
    from mlflow import MlflowClient

RUN_TERMINAL = frozenset({"FINISHED", "FAILED", "KILLED"})
_MAX_BATCH = 900  # MLflow accepts at most 1000 entities per log_batch call
_TAG_LIMIT = 8000  # MLflow tag values are bounded in size


@lru_cache(maxsize=16)
def get_client(tracking_uri: str) -> MlflowClient:
    """A cached ``MlflowClient`` for ``tracking_uri`` (one per process and URI)."""
    from mlflow import MlflowClient

    if not tracking_uri.startswith("sqlite:///"):
        return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    # Opening a SQLite store creates or migrates its tables, and two processes doing that at
    # once on a new database collide (a job's process opens it while its submitter does).
    # The store's modules are imported first so that only the 0.1 s open is serialised.
    import mlflow.store.model_registry.sqlalchemy_store
    import mlflow.store.tracking.sqlalchemy_store  # noqa: F401

    with _folder_lock(Path(tracking_uri[len("sqlite:///") :]).parent):
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        client._get_registry_client().store  # noqa: B018 - opened under the lock too
    return client


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself, so that no lock file is left beside the data."""
    if not folder.is_dir():
        yield  # MLflow reports the missing folder
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def is_remote(tracking_uri: str) -> bool:
    return tracking_uri.startswith(("http://", "https://"))


def shown_uri(tracking_uri: str) -> str:
    """``tracking_uri`` as it may be shown, logged or linked: without a user, password or
    query (``https://user:secret@host/?token=x`` reads ``https://host/``)."""
    parts = urlsplit(tracking_uri)
    if not parts.netloc or ("@" not in parts.netloc and not parts.query):
        return tracking_uri
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def gather(calls: Sequence[Callable[[], Any]], *, parallel: bool) -> list[Any]:
    """The result of each call, in order; made at once when ``parallel`` (requests to a
    tracking server, each waiting on it). The first error is raised once all have ended."""
    if not parallel or len(calls) < 2:
        return [call() for call in calls]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="mlops-gather") as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.result() for future in futures]


def probe(tracking_uri: str, timeout: float = 3.0) -> None:
    """Raise :class:`TrackingUnavailableError` fast when a tracking server does not answer.

    MLflow itself retries with back-off for minutes; a down server must not hang a notebook.
    """
    if not is_remote(tracking_uri):
        return
    try:
        with urllib.request.urlopen(tracking_uri.rstrip("/") + "/health", timeout=timeout):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise TrackingUnavailableError(
            f"The MLflow tracking server at {shown_uri(tracking_uri)} does not answer ({exc}). Start it or "
            "check MLFLOW_TRACKING_URI."
        ) from None


def is_unreachable(exc: BaseException) -> bool:
    """True when ``exc`` means the tracking server could not be reached at all."""
    if isinstance(exc, TrackingUnavailableError):
        return True
    try:
        import requests
    except ImportError:  # pragma: no cover - requests ships with mlflow
        return False
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (requests.ConnectionError, ConnectionError)):
            return True
        text = str(seen)
        if "Max retries exceeded" in text or "Connection refused" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def ensure_experiment(tracking_uri: str, name: str, artifact_root: str | None = None) -> str:
    """The id of experiment ``name``, created (under ``artifact_root`` if given) when missing."""
    from mlflow.exceptions import MlflowException

    client = get_client(tracking_uri)
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return str(found.experiment_id)
    location = f"{artifact_root.rstrip('/')}/{name}" if artifact_root else None
    try:
        return str(client.create_experiment(name, artifact_location=location))
    except MlflowException:
        # Created concurrently by another job: use that one.
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _clip(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _TAG_LIMIT else text[: _TAG_LIMIT - 3] + "..."


def log_batch(
    tracking_uri: str,
    run_id: str,
    *,
    metrics: dict[str, float] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    step: int = 0,
    model_id: str | None = None,
    dataset: tuple[str, str] | None = None,
) -> None:
    """Log metrics, params and tags in as few round trips as MLflow allows.

    Metrics with ``model_id`` are the LoggedModel's too (MLflow shows them on the model);
    ``dataset`` (name, digest) says which dataset they were measured on.
    """
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    name, digest = dataset or (None, None)
    entities: list[Any] = [
        Metric(k, float(v), now, step, model_id=model_id, dataset_name=name, dataset_digest=digest)
        for k, v in (metrics or {}).items()
    ]
    entities += [Param(k, _clip(v)[:6000]) for k, v in (params or {}).items()]
    entities += [RunTag(k, _clip(v)) for k, v in (tags or {}).items()]
    client = get_client(tracking_uri)
    for start in range(0, len(entities), _MAX_BATCH):
        chunk = entities[start : start + _MAX_BATCH]
        client.log_batch(
            run_id,
            metrics=[e for e in chunk if isinstance(e, Metric)],
            params=[e for e in chunk if isinstance(e, Param)],
            tags=[e for e in chunk if isinstance(e, RunTag)],
        )


def set_tags(tracking_uri: str, run_id: str, tags: dict[str, Any]) -> None:
    log_batch(tracking_uri, run_id, tags=tags)


def download_artifact(
    tracking_uri: str, run_id: str, path: str, dst: str, artifact_uri: str | None = None
) -> str:
    """Download one run artifact (file or folder) into ``dst``; returns the local path.

    ``artifact_uri`` is the run's artifact root when the caller has it: the download then
    skips reading the run and searching its logged models.

    MLflow's progress bar is kept off: in a notebook it shows as a widget in the output of
    whatever cell read a receipt or a notebook, for a download that takes milliseconds.
    """
    import mlflow.artifacts

    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        if artifact_uri:
            found = mlflow.artifacts.download_artifacts(
                artifact_uri=f"{artifact_uri.rstrip('/')}/{path}",
                dst_path=dst,
                tracking_uri=tracking_uri,
            )
        else:
            found = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=path, dst_path=dst, tracking_uri=tracking_uri
            )
        return str(found)
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def read_artifact_text(
    tracking_uri: str, run_id: str, path: str, artifact_uri: str | None = None
) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        local = download_artifact(tracking_uri, run_id, path, tmp, artifact_uri)
        with open(local, encoding="utf-8") as fh:
            return fh.read()


def filter_literal(value: str) -> str:
    """``value`` quoted for an MLflow search filter (``name = ...``), whatever quotes it holds.

    MLflow's filter grammar has no escapes: a value is wrapped in the quote it does not contain.
    """
    from ..errors import InvalidParameterError

    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise InvalidParameterError(
        f"{value!r} holds both single and double quotes, which MLflow searches cannot match."
    )


@contextlib.contextmanager
def fluent_tracking_uri(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API (``mlflow.log_metric``, autologging, ``models:/`` loads) at
    ``uri`` for tracking and the registry, then restore both.

    The setters also set ``MLFLOW_TRACKING_URI`` and ``MLFLOW_REGISTRY_URI``, which a job's
    kernel relies on, so the globals and the variables are put back as they were.
    """
    import mlflow
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils  # no public getter of the set value

    old_global = utils._tracking_uri
    old_registry = registry_utils._registry_uri
    variables = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")  # both set by the setters
    old_env = {name: os.environ.get(name) for name in variables}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(old_global)  # type: ignore[arg-type]  # None: unset, as before
        mlflow.set_registry_uri(old_registry)  # type: ignore[arg-type]
        for name, value in old_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
