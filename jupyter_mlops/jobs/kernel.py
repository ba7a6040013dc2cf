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
        Variables added to this process's environment for the kernel only.
    on_started
        Called with the kernel's pid once its process exists.
    """
    from jupyter_client.manager import AsyncKernelManager

    class JobKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw["env"] = {**os.environ, **kw.get("env", {}), **env}
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
