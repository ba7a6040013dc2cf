"""A real Dask cluster for the tests: ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1, each in its own process group, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from conftest import free_port

START_TIMEOUT_S = 60


class DaskCluster:
    """A scheduler and named single-thread workers without nannies.

    Without a nanny, killing a worker's process is losing that worker: nothing restarts it
    behind the test's back. ``worker_resources`` gives a worker Dask resources, e.g. GPU=1.
    """

    def __init__(
        self,
        folder: Path,
        worker_resources: dict[str, str] | None = None,
        preload: tuple[str, ...] = (),
    ) -> None:
        self.folder = folder
        self.preload = preload  # modules every worker preloads, e.g. the kernel pool
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.worker_resources = worker_resources or {}
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        self.env["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
        self.env["JUPYTER_MLOPS_HOME"] = str(folder / "home")  # the kernels' spool
        root = str(Path(__file__).resolve().parents[1])
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def executor(self) -> str:
        return f"dask://127.0.0.1:{self.port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=self.env,
        )

    def start(self, names: tuple[str, ...] = ("w1", "w2")) -> DaskCluster:
        self.scheduler = self._spawn(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
        )
        for name in names:
            self.start_worker(name)
        self.wait_for_workers(len(names))
        return self

    def start_worker(self, name: str) -> None:
        args = ["worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny"]
        args += ["--host", "127.0.0.1", "--no-dashboard"]
        args += ["--local-directory", str(self.folder / name)]
        for module in self.preload:
            args += ["--preload", module]
        if name in self.worker_resources:
            args += ["--resources", self.worker_resources[name]]
        self.workers[name] = self._spawn(name, args)

    def worker_names(self) -> set[str]:
        from distributed import Client

        with Client(self.address, timeout=START_TIMEOUT_S, set_as_default=False) as client:
            return {w["name"] for w in client.scheduler_info(n_workers=-1)["workers"].values()}

    def wait_for_workers(self, n: int) -> None:
        deadline = time.time() + START_TIMEOUT_S
        while len(self.worker_names()) < n:
            for name, proc in self.workers.items():
                if proc.poll() is not None:
                    log = (self.folder / f"{name}.log").read_text()[-2000:]
                    raise RuntimeError(f"dask worker {name} exited: {log}")
            if time.time() > deadline:
                raise RuntimeError(f"{n} dask workers did not connect within {START_TIMEOUT_S} s")
            time.sleep(0.3)

    def pid_of(self, name: str) -> int:
        return self.workers[name].pid

    def name_of(self, pid: int) -> str:
        return next(name for name, proc in self.workers.items() if proc.pid == pid)

    def kill_worker(self, name: str) -> list[int]:
        """Lose a worker as a machine is lost: SIGKILL it and everything it started."""
        proc = self.workers[name]
        try:
            tree = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        except psutil.Error:
            tree = [proc.pid]
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=15)
        return tree

    def ensure_workers(self) -> None:
        """Restart any worker a test killed, so the next test has the whole cluster."""
        dead = [name for name, proc in self.workers.items() if proc.poll() is not None]
        for name in dead:
            self.start_worker(name)
        if dead:
            self.wait_for_workers(len(self.workers))

    def stop(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            if proc is None or proc.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers.values(), self.scheduler]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
