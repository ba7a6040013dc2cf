"""Fresh kernels kept started on a Dask worker, so a job's first cell need not wait for one.

A worker operator opts in when starting the worker::

    dask worker tcp://SCHEDULER:8786 --preload jupyter_mlops.jobs.kernel_pool

The pool holds ``JUPYTER_MLOPS_KERNEL_POOL_SIZE`` kernels (default: the worker's thread count)
of each kernel name in ``JUPYTER_MLOPS_KERNEL_POOL_KERNELS`` (comma-separated, default
``python3``). A job takes one kernel, which is then its own: it is killed when the job ends and
never given to another job; the pool starts a new one in its place. A job whose kernel name is
not pooled, or that finds the pool empty, starts its kernel as usual. The kernels are the
worker's children and exit with it.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from ..errors import ConfigError
from .kernel import WarmKernel
from .ready_kernels import ReadyKernels

PLUGIN_NAME = "jupyter-mlops-kernel-pool"


class KernelPool(WorkerPlugin):
    """A worker plugin keeping ``size`` ready kernels of each name in ``kernel_names``."""

    name = PLUGIN_NAME

    def __init__(self, size: int | None = None, kernel_names: tuple[str, ...] = ("python3",)):
        if size is not None and size < 1:
            raise ConfigError(f"The kernel pool size must be at least 1, got {size}.")
        if not kernel_names:
            raise ConfigError("The kernel pool needs at least one kernel name.")
        self.size = size
        self.kernel_names = tuple(kernel_names)
        self._kernels: ReadyKernels | None = None

    @classmethod
    def from_env(cls) -> KernelPool:
        raw = os.environ.get("JUPYTER_MLOPS_KERNEL_POOL_SIZE", "").strip()
        try:
            size = int(raw) if raw else None
        except ValueError:
            raise ConfigError(
                f"JUPYTER_MLOPS_KERNEL_POOL_SIZE must be a whole number >= 1, got {raw!r}."
            ) from None
        names = os.environ.get("JUPYTER_MLOPS_KERNEL_POOL_KERNELS", "python3")
        return cls(size, tuple(n.strip() for n in names.split(",") if n.strip()))

    # -- WorkerPlugin -----------------------------------------------------------------------
    def setup(self, worker: Any) -> None:
        if self.size is None:
            self.size = max(1, int(getattr(worker.state, "nthreads", 1)))
        names = self.kernel_names
        self._kernels = ReadyKernels(self.size, names, max_names=len(names))
        self._kernels.start()

    def teardown(self, worker: Any) -> None:
        if self._kernels is not None:
            self._kernels.close()

    # -- for jobs ---------------------------------------------------------------------------
    def take(self, kernel_name: str) -> WarmKernel | None:
        """A ready kernel of ``kernel_name`` for one job, or None; the pool replaces it."""
        return None if self._kernels is None else self._kernels.take(kernel_name)

    def ready_count(self, kernel_name: str = "python3") -> int:
        return 0 if self._kernels is None else self._kernels.ready_count(kernel_name)


def pool_of_this_worker() -> KernelPool | None:
    """The pool of the worker running the current task, if the worker has one."""
    with contextlib.suppress(ValueError, ImportError):
        from distributed import get_worker

        plugin = get_worker().plugins.get(PLUGIN_NAME)
        return plugin if isinstance(plugin, KernelPool) else None
    return None


async def dask_setup(worker: Any) -> None:
    """``--preload jupyter_mlops.jobs.kernel_pool``: give this worker a kernel pool."""
    await worker.plugin_add(KernelPool.from_env(), name=PLUGIN_NAME)
