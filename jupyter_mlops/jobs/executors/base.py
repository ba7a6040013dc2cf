"""The executor contract: where a job's ``run_job(run_id)`` is started, and what it can do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ...config import Settings

if TYPE_CHECKING:
    from ...tracking import Store
    from .reply import ReplyLine

FEATURES = {
    "cancel": "a running job can be stopped",
    "timeout": "a job is stopped after its timeout",
    "resources": "a job can ask for worker resources (GPU=1)",
    "survives_restart": "jobs go on when the submitter exits",
    "launch": "the job's own process creates its run, so the submitter need not load MLflow",
}
"""Every feature an executor declares, and what it means; served to the UI."""


class Executor:
    """Starts jobs somewhere. Subclasses override :meth:`submit` and the hooks they support,
    and say so in :meth:`supported_features`; the defaults are what an executor without the
    feature does."""

    name: ClassVar[str] = ""

    def submit(
        self, run_id: str, settings: Settings, tags: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Start ``run_job(run_id)`` somewhere; return facts to tag on the run.

        ``tags`` are the run's tags when the caller just created it (saves reading the run).
        """
        raise NotImplementedError

    def launch(self, settings: Settings, request: dict[str, Any]) -> ReplyLine:
        """Start a job whose own process creates the run ``request`` asks for (feature
        ``launch``); the line on which that process reports."""
        raise NotImplementedError(f"The {self.name} executor cannot launch a job itself.")

    def launch_sweep(self, settings: Settings, request: dict[str, Any]) -> ReplyLine | None:
        """Start a sweep whose runs the executor's side creates (``request`` as for
        :meth:`launch`, with its ``sweep`` plan); None when the submitter must create them."""
        return None

    def check_kernel(self, name: str) -> None:
        """Refuse a kernel this executor cannot start; nothing, where kernels live elsewhere
        (the job then fails as papermill says)."""

    def cancel(self, run: Any, settings: Settings) -> bool:
        """Stop a running job now, if this executor can; True when a stop was sent."""
        return False

    def is_running(self, run: Any) -> bool:
        """Whether this executor can tell the job's process still runs (False: it cannot)."""
        return False

    def force_stop(self, run: Any) -> None:
        """Stop a job that did not stop when cancelled; nothing, where there is no process."""

    @classmethod
    def reap_orphans(cls, store: Store, runs: list[Any]) -> list[Any]:
        """``runs``, with the unfinished jobs this executor knows to be lost marked FAILED."""
        return runs

    @classmethod
    def supported_features(cls) -> dict[str, bool]:
        """What the UI may offer for jobs on this executor: a value for every FEATURES key."""
        return {**dict.fromkeys(FEATURES, False), "timeout": True, "survives_restart": True}
