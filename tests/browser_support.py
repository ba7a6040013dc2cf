"""Helpers for the browser tests: a real ``jupyter lab`` process and Debian's Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

LAB_START_TIMEOUT_S = 90
LAB_STOP_TIMEOUT_S = 15

# User settings that keep the "Jupyter news" toast and the update check away.
NOTIFICATION_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def running_under_ci() -> bool:
    return bool(os.environ.get("CI"))


def launch_chromium(playwright: Any) -> Any:
    """Start Debian's Chromium headless through Python Playwright."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        timeout=30_000,
    )


@contextlib.contextmanager
def lab_page(
    lab: JupyterLab, *, viewport: dict[str, int], step_timeout_ms: int, failure_shot: Path
) -> Iterator[Any]:
    """Start ``lab`` and yield a Chromium page for it.

    A failure inside saves ``failure_shot`` and prints the tail of the lab's log; the browser
    and the lab are always stopped.
    """
    from playwright.sync_api import sync_playwright

    try:
        lab.start()
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page(viewport=viewport)
                page.set_default_timeout(step_timeout_ms)
                try:
                    yield page
                except BaseException:
                    page.screenshot(path=str(failure_shot))
                    raise
            finally:
                browser.close()
    except BaseException:
        print(f"jupyter lab log (tail):\n{lab.log_tail()}", file=sys.stderr)
        raise
    finally:
        lab.stop()


@contextlib.contextmanager
def notebook_page(
    folder: Path,
    root_dir: Path,
    name: str,
    *,
    step_timeout_ms: int,
    load_timeout_ms: int,
    failure_shot: Path,
) -> Iterator[Any]:
    """A lab on ``root_dir`` with notebook ``name`` open and all its cells run; yields the page.

    The app is exposed as ``window.jupyterapp``, so tests can read the notebook's model.
    """
    failure_shot.parent.mkdir(parents=True, exist_ok=True)
    lab = JupyterLab(folder, root_dir=root_dir, extra_args=["--LabApp.expose_app_in_browser=True"])
    with lab_page(
        lab,
        viewport={"width": 1280, "height": 900},
        step_timeout_ms=step_timeout_ms,
        failure_shot=failure_shot,
    ) as page:
        open_and_run_notebook(page, lab, name, load_timeout_ms)
        yield page


def lab_on_sqlite(folder: Path, root_dir: Path) -> JupyterLab:
    """A lab on ``root_dir`` tracking to a new SQLite store in ``folder``.

    The store's tables are made first: the server extension and a job's process would
    otherwise both run MLflow's first-use migrations on the new file at once.
    """
    from jupyter_mlops.tracking import get_client

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    get_client(uri).search_experiments()
    return JupyterLab(
        folder / "lab", root_dir=root_dir, extra_args=[f"--MlopsApp.tracking_uri={uri}"]
    )


def open_launch_form(page: Any, lab: JupyterLab, name: str, timeout_ms: int) -> None:
    """Open notebook ``name`` in a fresh layout and its launch form in the sidebar."""
    page.goto(
        f"{lab.base_url}lab/tree/{name}?reset&token={lab.token}",
        wait_until="domcontentloaded",
        timeout=timeout_ms,
    )
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=timeout_ms)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=timeout_ms)
    page.locator(".jp-NotebookPanel-toolbar .jp-mlops-LaunchButton").click()


def open_and_run_notebook(page: Any, lab: JupyterLab, name: str, timeout_ms: int) -> None:
    """Open ``name`` in a fresh layout, wait for its kernel, and run all its cells.

    The lab must be started with ``--LabApp.expose_app_in_browser=True``.
    """
    page.goto(
        f"{lab.base_url}lab/tree/{name}?reset&token={lab.token}",
        wait_until="domcontentloaded",
        timeout=timeout_ms,
    )
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=timeout_ms)
    page.wait_for_selector(".jp-NotebookPanel", timeout=timeout_ms)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
        timeout=timeout_ms,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


class JupyterLab:
    """A real ``jupyter lab`` on 127.0.0.1, isolated in ``folder``, in its own process group.

    Config, data, runtime, user settings and workspaces live under ``folder``; the venv's
    ``share/jupyter`` and ``etc/jupyter`` stay on the Jupyter paths, so the installed
    labextension and server extension are found.
    """

    def __init__(self, folder: Path, root_dir: Path, extra_args: list[str] | None = None) -> None:
        self.folder = folder
        self.root_dir = root_dir
        self.extra_args = list(extra_args or [])
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.log_path = folder / "jupyter-lab.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def lab_url(self) -> str:
        return f"{self.base_url}lab?reset&token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def _write_settings(self) -> Path:
        settings = self.folder / "lab-user-settings"
        for relative, values in NOTIFICATION_SETTINGS.items():
            path = settings / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))
        return settings

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_PATH"):
            env.pop(name, None)
        isolated = {
            "HOME": self.folder / "home",
            "JUPYTER_CONFIG_DIR": self.folder / "jupyter-config",
            "JUPYTER_DATA_DIR": self.folder / "jupyter-data",
            "JUPYTER_RUNTIME_DIR": self.folder / "jupyter-runtime",
        }
        for name, path in isolated.items():
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        venv_bin = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
        return env

    def start(self) -> JupyterLab:
        self.folder.mkdir(parents=True, exist_ok=True)
        settings = self._write_settings()
        workspaces = self.folder / "lab-workspaces"
        workspaces.mkdir(exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workspaces}",
            *self.extra_args,
        ]
        if os.geteuid() == 0:  # containers often run as root
            cmd.append("--allow-root")
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=self._env(),
        )
        log.close()
        deadline = time.monotonic() + LAB_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "api", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"jupyter lab did not answer /api within {LAB_START_TIMEOUT_S} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=LAB_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
