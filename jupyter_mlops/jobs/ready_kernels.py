"""Fresh kernels started ahead of the jobs that will take them.

A kernel is given to one job only: the job takes it, it is killed when the job ends, and a new
one is started in its place. Up to ``size`` kernels start side by side (one thread each, with
its own event loop), so a queue of short jobs is not held to one kernel start at a time. The
Dask worker's pool (:mod:`.kernel_pool`) and the local job
host (:mod:`.host`) both keep one of these.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time

from .kernel import WarmKernel

RETRY_S = 30.0  # after a kernel failed to start, wait this long before trying again

log = logging.getLogger(__name__)


class ReadyKernels:
    """``size`` ready kernels of each name in ``kernel_names``, refilled as jobs take them."""

    def __init__(self, size: int, kernel_names: tuple[str, ...], max_names: int = 4) -> None:
        self.size = size
        self.max_names = max_names
        self._ready: dict[str, list[WarmKernel]] = {name: [] for name in kernel_names}
        self._booting: dict[str, int] = {}  # kernels starting now, by name
        self._changed = threading.Condition()  # a kernel was taken, arrived, or a name is new
        self._closed = False
        self._folder = ""

    @property
    def kernel_names(self) -> tuple[str, ...]:
        with self._changed:
            return tuple(self._ready)

    def start(self) -> None:
        # Kernels start in a folder of their own; a job moves its kernel to the job's folder.
        self._folder = tempfile.mkdtemp(prefix="mlops-kernels-")
        for index in range(self.size):
            threading.Thread(
                target=self._starter, name=f"mlops-kernel-starter-{index}", daemon=True
            ).start()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            kernels = [k for ready in self._ready.values() for k in ready]
            for ready in self._ready.values():
                ready.clear()
            self._changed.notify_all()
        for kernel in kernels:
            kernel.discard()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)

    def take(self, kernel_name: str, wait_s: float = 0.0) -> WarmKernel | None:
        """A ready kernel of ``kernel_name`` for one job, or None; another is started for it.

        With ``wait_s``, a kernel of that name already starting is waited for that long: a
        second kernel started beside it would only slow both.
        """
        deadline = time.monotonic() + wait_s
        with self._changed:
            try:
                while True:
                    ready = self._ready.get(kernel_name, [])
                    while ready:
                        kernel = ready.pop(0)
                        if kernel.is_alive():
                            return kernel
                        kernel.discard()
                    left = deadline - time.monotonic()
                    if not self._booting.get(kernel_name) or left <= 0 or self._closed:
                        return None
                    self._changed.wait(left)
            finally:
                self._changed.notify_all()  # a starter may start the next one

    def want(self, kernel_name: str) -> None:
        """Keep kernels of ``kernel_name`` ready from now on (the oldest other name is dropped
        past ``max_names``)."""
        dropped: list[WarmKernel] = []
        with self._changed:
            if kernel_name in self._ready:
                return
            self._ready[kernel_name] = []
            while len(self._ready) > self.max_names:
                dropped.extend(self._ready.pop(next(iter(self._ready))))
            self._changed.notify_all()
        for kernel in dropped:
            kernel.discard()

    def ready_count(self, kernel_name: str = "python3") -> int:
        with self._changed:
            return len(self._ready.get(kernel_name, []))

    def _missing(self) -> str | None:
        """A name with fewer than ``size`` kernels ready or starting (call with the lock)."""
        for name, ready in self._ready.items():
            if len(ready) + self._booting.get(name, 0) < self.size:
                return name
        return None

    def _starter(self) -> None:
        """Start a kernel whenever one is missing; sleep until one is taken."""
        while True:
            with self._changed:
                while not self._closed and (name := self._missing()) is None:
                    self._changed.wait()
                if self._closed or name is None:
                    return
                self._booting[name] = self._booting.get(name, 0) + 1
            kernel = self._start_one(name)
            with self._changed:
                self._booting[name] -= 1
                keep = not self._closed and name in self._ready
                if kernel is not None and keep:
                    self._ready[name].append(kernel)
                self._changed.notify_all()
            if kernel is not None and not keep:
                kernel.discard()

    def _start_one(self, name: str) -> WarmKernel | None:
        kernel: WarmKernel | None = None
        try:
            kernel = WarmKernel(name, self._folder, {})
            kernel.wait_ready()
            return kernel
        except Exception as exc:  # noqa: BLE001 - retried; a job never waits on it
            log.warning("could not start a %r kernel ahead: %s", name, exc)
            if kernel is not None:
                kernel.discard()
            with self._changed:  # this start stays counted until the retry is due
                self._changed.wait_for(lambda: self._closed, RETRY_S)
            return None
