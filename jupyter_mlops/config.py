"""Settings: environment variables, ``[tool.jupyter-mlops]`` in pyproject.toml, defaults.

Precedence, highest first: explicit arguments, environment, ``pyproject.toml``, defaults.
With nothing configured the embedded store is used: ``mlflow.db`` (SQLite) and ``mlartifacts/``
in the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import tomllib

from .errors import ConfigError

EMBEDDED_DB = "mlflow.db"
EMBEDDED_ARTIFACTS = "mlartifacts"
DEFAULT_EXPERIMENT = "jupyter-mlops"


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one process."""

    tracking_uri: str
    artifact_root: str | None  # only for the embedded store, where we own the folder
    home: Path  # spool, job slots and logs
    executor: str
    max_concurrency: int
    experiment: str

    @property
    def embedded(self) -> bool:
        return self.artifact_root is not None


def find_pyproject(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=8)
def _project_table(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}. Fix the TOML or remove the file.") from exc
    table = data.get("tool", {}).get("jupyter-mlops", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.jupyter-mlops] in {path} must be a table.")
    return table


def project_config() -> dict[str, Any]:
    """The ``[tool.jupyter-mlops]`` table of the nearest pyproject.toml, or ``{}``."""
    found = find_pyproject()
    return _project_table(str(found) if found else None)


def _embedded_uri(folder: Path) -> str:
    return f"sqlite:///{(folder / EMBEDDED_DB).resolve()}"


def resolve_tracking_uri(explicit: str | None = None) -> str:
    """The tracking URI to use: explicit, ``MLFLOW_TRACKING_URI``, project config, embedded."""
    uri = explicit or os.environ.get("MLFLOW_TRACKING_URI") or project_config().get("tracking_uri")
    if uri:
        return _absolute_local_uri(str(uri))
    return _embedded_uri(Path.cwd())


def _absolute_local_uri(uri: str) -> str:
    # Jobs run in other working directories, so relative local stores must be made absolute.
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        rel = uri[len("sqlite:///") :]
        if rel != ":memory:":
            return f"sqlite:///{Path(rel).resolve()}"
    if "://" not in uri:
        return Path(uri).resolve().as_uri()
    return uri


def _int_setting(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, got {value!r}.") from None
    if number < 1:
        raise ConfigError(f"{name} must be at least 1, got {number}.")
    return number


def get_settings(tracking_uri: str | None = None, executor: str | None = None) -> Settings:
    """Resolve the settings of this process."""
    table = project_config()
    uri = resolve_tracking_uri(tracking_uri)
    artifact_root = os.environ.get("MLFLOW_ARTIFACT_ROOT") or None
    if artifact_root is None and uri.startswith("sqlite:///"):
        # A local store we own: keep its artifacts beside the database.
        db_path = Path(uri[len("sqlite:///") :])
        artifact_root = (db_path.parent / EMBEDDED_ARTIFACTS).resolve().as_uri()
    home = Path(
        os.environ.get("JUPYTER_MLOPS_HOME") or table.get("home") or Path.home() / ".jupyter_mlops"
    ).expanduser()
    default_conc = max(1, min(4, os.cpu_count() or 1))
    return Settings(
        tracking_uri=uri,
        artifact_root=artifact_root,
        home=home,
        executor=executor
        or os.environ.get("JUPYTER_MLOPS_EXECUTOR")
        or str(table.get("executor", "local")),
        max_concurrency=_int_setting(
            "max_concurrency",
            os.environ.get("JUPYTER_MLOPS_MAX_CONCURRENCY")
            or table.get("max_concurrency", default_conc),
        ),
        experiment=str(table.get("experiment", DEFAULT_EXPERIMENT)),
    )
