"""The kernel of one job: its own environment, and its process known so cancel can stop it.

A Dask worker runs several jobs in one process, so a job must neither change the worker's
``os.environ`` nor kill every child of the worker: the environment is given to this job's kernel
only, and cancel kills this kernel's process group only.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from typing import Any


def job_kernel_manager(env: dict[str, str], on_started: Callable[[int], None]) -> type:
    """A kernel manager class that starts its kernel with ``env`` and reports the kernel pid.

    Parameters
    ----------
    env
        Variables added, for the kernel only, to what a job may see of this process's
        environment (:func:`~jupyter_mlops.jobs.environment.job_environment`).
    on_started
        Called with the kernel's pid once its process exists.
    """
    from jupyter_client.manager import AsyncKernelManager

    from .environment import job_environment

    class JobKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw["env"] = {**job_environment(), **kw.get("env", {}), **env}
            await super().start_kernel(**kw)
            pid = getattr(self.provisioner, "pid", None)
            if pid is not None:
                on_started(int(pid))

    return JobKernelManager


def kill_kernel(pid: int) -> None:
    """Kill a kernel, its process group (it leads its own session) and anything it started."""
    import psutil

    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for proc in descendants:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


READY_TIMEOUT_S = 60.0


class WarmKernel:
    """A fresh kernel started before its job exists, then given to that one job only.

    Starting a kernel takes a second or more of CPU in its own process, so it is started while
    the runner is still importing MLflow and papermill. The job's own variables (its run id,
    experiment) are not known yet: :meth:`adopt` sets them in the kernel, with its folder,
    before the first cell. The kernel is never handed to a second job; :meth:`discard` kills it.
    """

    def __init__(self, kernel_name: str, cwd: str | None, env: dict[str, str]) -> None:
        from jupyter_core.utils import run_sync

        self.kernel_name = kernel_name
        self.pid: int | None = None
        manager = job_kernel_manager(env, self._started)
        self.km = manager(kernel_name=kernel_name)
        run_sync(self.km.start_kernel)(cwd=cwd if cwd and os.path.isdir(cwd) else None)

    def _started(self, pid: int) -> None:
        self.pid = pid

    def wait_ready(self) -> None:
        """Block until the kernel answers; raises RuntimeError if it died or never answered."""
        from jupyter_core.utils import run_sync

        run_sync(self._run)(None)

    def adopt(self, env: dict[str, str], cwd: str) -> None:
        """Make this kernel the job's: its environment variables and working folder."""
        from jupyter_core.utils import run_sync

        code = (
            "import os as _mlops_os\n"
            f"_mlops_os.environ.update({env!r})\n"
            f"_mlops_os.chdir({cwd!r})\n"
            "del _mlops_os\n"
        )
        run_sync(self._run)(code)

    async def _run(self, code: str | None) -> None:
        client = self.km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=READY_TIMEOUT_S)
            if code is None:
                return
            reply = await client.execute_interactive(
                code, silent=True, store_history=False, timeout=READY_TIMEOUT_S
            )
            content = reply["content"]
            if content.get("status") != "ok":
                raise RuntimeError(
                    f"could not prepare the kernel: {content.get('ename')}: {content.get('evalue')}"
                )
        finally:
            client.stop_channels()

    def is_alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(run_sync(self.km.is_alive)())

    def discard(self) -> None:
        """Kill the kernel at once: no graceful shutdown, whose atexit hooks could touch the run."""
        from jupyter_core.utils import run_sync

        if self.pid is not None:
            kill_kernel(self.pid)
        with contextlib.suppress(Exception):  # removes the connection file; the kernel is gone
            run_sync(self.km.shutdown_kernel)(now=True)
