"""Shared fixtures: an isolated home and working folder per test, a real ``mlflow server``
started once per session on 127.0.0.1 (stopped by PID), and a notebook factory."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nbformat
import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

SERVER_START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MlflowServer:
    """A real ``mlflow server`` process on 127.0.0.1, in its own process group."""

    def __init__(self, folder: Path, port: int | None = None, backend: str | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.backend = backend or f"sqlite:///{folder / 'mlflow.db'}"
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MlflowServer:
        env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
        env.pop("MLFLOW_TRACKING_URI", None)
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--backend-store-uri",
                self.backend,
                "--artifacts-destination",
                str(self.folder / "artifacts"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
        deadline = time.time() + SERVER_START_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"mlflow server exited: {(self.folder / 'server.log').read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(self.uri + "/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {SERVER_START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@pytest.fixture(scope="session")
def mlops_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def mlops_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test works in its own folder with its own spool, on the embedded store."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("JUPYTER_MLOPS_HOME", str(tmp_path / "home"))
    for name in (
        "MLFLOW_TRACKING_URI",
        "MLFLOW_RUN_ID",
        "JUPYTER_MLOPS_RUN_ID",
        "JUPYTER_MLOPS_NOTEBOOK",
        "MLFLOW_EXPERIMENT_ID",
        "JUPYTER_MLOPS_EXECUTOR",
    ):
        monkeypatch.delenv(name, raising=False)
    # Jobs run in processes of their own here; tests/test_job_host.py runs them on the host.
    monkeypatch.setenv("JUPYTER_MLOPS_HOST", "off")
    # Detached job processes must import this source tree, installed or not.
    root = str(Path(__file__).resolve().parents[1])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    yield work
    _reset_mlflow_globals()
    stop_job_hosts(tmp_path / "home")


def stop_job_hosts(home: Path) -> list[int]:
    """Kill, by PID, the job hosts a test started under ``home``, with their kernels."""
    import psutil

    from jupyter_mlops.jobs.host.place import HostPlace

    killed = []
    for folder in sorted((home / "hosts").glob("*")):
        try:
            answer = HostPlace(folder.name, home).ask({"op": "ping"}, timeout=10)
        except OSError:
            answer = None
        if not answer:
            continue
        try:
            host = psutil.Process(int(answer["pong"]))
            family = [host, *host.children(recursive=True)]
        except psutil.Error:
            continue
        for proc in family:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(family, timeout=10)
        killed.append(host.pid)
    return killed


def _reset_mlflow_globals() -> None:
    """No active run or global tracking URI may leak from one test into the next."""
    if "mlflow" not in sys.modules:
        return
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    while mlflow.active_run() is not None:
        mlflow.end_run()
    tracking_utils._tracking_uri = None


@pytest.fixture(params=["embedded", "server"])
def mlops_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the embedded SQLite store and on the real server; returns the URI."""
    from jupyter_mlops.config import resolve_tracking_uri

    if request.param == "server":
        server = request.getfixturevalue("mlops_server")
        monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
        return str(server.uri)
    return resolve_tracking_uri()


NotebookFactory = Callable[..., Path]


@pytest.fixture
def mlops_notebook(mlops_env: Path) -> NotebookFactory:
    """Write a notebook: ``mlops_notebook("x = 1", "print(x)", params="x = 1", card={...})``."""

    def make(
        *cells: str,
        params: str | None = None,
        card: dict[str, Any] | None = None,
        name: str = "job.ipynb",
        folder: Path | None = None,
    ) -> Path:
        nb = nbformat.v4.new_notebook()
        if params is not None:
            cell = nbformat.v4.new_code_cell(params)
            cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
        nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        if card is not None:
            nb.metadata["jupyter_mlops"] = {"schema_version": 1, "card": card}
        path = (folder or mlops_env) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    return make


def wait_until(check: Callable[[], Any], timeout: float = 120.0, what: str = "") -> None:
    """Poll ``check`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def run_cli(
    *args: str,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``jupyter mlops ...`` as a user runs it: a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mlops.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or dict(os.environ),
    )


# -- the Jupyter server extension --------------------------------------------------------------
@pytest.fixture
def mlops_tracking_uri(tmp_path: Path) -> str:
    """The store the server extension reads; a test may override it (e.g. the real server)."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def mlops_app_config(mlops_tracking_uri: str) -> dict[str, Any]:
    """``MlopsApp`` traits; the background warm-up is tested on its own."""
    return {"tracking_uri": mlops_tracking_uri, "warm_models_cache": False}


@pytest.fixture
def mlops_serverapp_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def jp_server_config(
    mlops_app_config: dict[str, Any], mlops_serverapp_config: dict[str, Any]
) -> dict[str, Any]:
    """The extension enabled, and no handler reachable without authentication."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_mlops": True},
            "allow_unauthenticated_access": False,
            **mlops_serverapp_config,
        },
        "MlopsApp": mlops_app_config,
    }


@pytest.fixture
def jp_fetch(jp_fetch: Callable[..., Any]) -> Callable[..., Any]:
    """pytest-jupyter's ``jp_fetch``, sending a body as JSON (as JupyterLab does) unless the
    test names its own ``Content-Type``."""

    def fetch(*parts: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        headers = dict(headers or {})
        if kwargs.get("body") is not None:
            headers.setdefault("Content-Type", "application/json")
        return jp_fetch(*parts, headers=headers, **kwargs)

    return fetch


# -- a real Dask cluster -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def mlops_dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``dask scheduler`` and workers w1 (with resource GPU=1) and w2, once per session."""
    from dask_support import DaskCluster

    cluster = DaskCluster(tmp_path_factory.mktemp("dask"), worker_resources={"w1": "GPU=1"})
    try:
        yield cluster.start()
    finally:
        from jupyter_mlops.jobs.executors.dask import close_clients

        close_clients()
        cluster.stop()


@pytest.fixture
def mlops_dask(
    mlops_dask_cluster: Any, mlops_server: MlflowServer, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The whole cluster (workers a test killed are restarted) and the real tracking server:
    workers share no folder with the test, only the tracking server."""
    mlops_dask_cluster.ensure_workers()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlops_server.uri)
    return mlops_dask_cluster


@pytest.fixture
def mlops_schedules_server(mlops_server: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real server as the configured store; the schedules a test leaves are deleted."""
    from jupyter_mlops.schedules import service

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlops_server.uri)
    yield mlops_server.uri
    for schedule in service.list_schedules(mlops_server.uri):
        service.delete_schedule(schedule.id, mlops_server.uri)


# -- a webhook receiver ------------------------------------------------------------------------
@pytest.fixture
def mlops_webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on 127.0.0.1 recording the JSON bodies POSTed to it."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
