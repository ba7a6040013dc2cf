"""Fresh kernels started ahead of the jobs that will take them.

A kernel is given to one job only: the job takes it, it is killed when the job ends, and a new
one is started in its place. The Dask worker's pool (:mod:`.kernel_pool`) and the local job
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
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._booting: str | None = None  # the name of the kernel starting now, if any
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._folder = ""

    @property
    def kernel_names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._ready)

    def start(self) -> None:
        # Kernels start in a folder of their own; a job moves its kernel to the job's folder.
        self._folder = tempfile.mkdtemp(prefix="mlops-kernels-")
        threading.Thread(target=self._fill, name="mlops-ready-kernels", daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        with self._lock:
            kernels = [k for ready in self._ready.values() for k in ready]
            for ready in self._ready.values():
                ready.clear()
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
        with self._lock:
            while True:
                ready = self._ready.get(kernel_name, [])
                while ready:
                    kernel = ready.pop(0)
                    if kernel.is_alive():
                        self._wake.set()
                        return kernel
                    kernel.discard()
                left = deadline - time.monotonic()
                if self._booting != kernel_name or left <= 0 or self._closed.is_set():
                    break
                self._arrived.wait(left)
        self._wake.set()
        return None

    def want(self, kernel_name: str) -> None:
        """Keep kernels of ``kernel_name`` ready from now on (the oldest other name is dropped
        past ``max_names``)."""
        dropped: list[WarmKernel] = []
        with self._lock:
            if kernel_name in self._ready:
                return
            self._ready[kernel_name] = []
            while len(self._ready) > self.max_names:
                dropped.extend(self._ready.pop(next(iter(self._ready))))
        for kernel in dropped:
            kernel.discard()
        self._wake.set()

    def ready_count(self, kernel_name: str = "python3") -> int:
        with self._lock:
            return len(self._ready.get(kernel_name, []))

    def _fill(self) -> None:
        """Start kernels until each name has ``size`` ready; then sleep until one is taken."""
        while not self._closed.is_set():
            self._wake.clear()
            for name in self.kernel_names:
                while not self._closed.is_set() and self.ready_count(name) < self.size:
                    with self._lock:
                        self._booting = name
                    try:
                        kernel = WarmKernel(name, self._folder, {})
                        kernel.wait_ready()
                    except Exception as exc:  # noqa: BLE001 - retried; a job never waits on it
                        log.warning("could not start a %r kernel ahead: %s", name, exc)
                        with self._lock:
                            self._booting = None
                            self._arrived.notify_all()
                        self._wake.wait(RETRY_S)
                        break
                    with self._lock:
                        self._booting = None
                        self._arrived.notify_all()
                        if self._closed.is_set() or name not in self._ready:
                            kernel.discard()
                            if self._closed.is_set():
                                return
                            break
                        self._ready[name].append(kernel)
            self._wake.wait()
