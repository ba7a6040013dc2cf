"""The server extension application: configuration and route wiring."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, List, Unicode

from .config_handlers import ConfigHandler
from .governance_handlers import InventoryHandler
from .handlers import HealthHandler, ModelHandler, ModelsHandler, ReceiptHandler
from .job_activity import JobActivity
from .job_handlers import CancelJobHandler, JobHandler, JobOutputHandler, JobsHandler
from .models_cache import ModelsCache
from .notebook_handlers import CardHandler, CardSchemaHandler, ParametersHandler
from .schedule_handlers import (
    PauseScheduleHandler,
    PreviewHandler,
    ResumeScheduleHandler,
    RunScheduleHandler,
    ScheduleHandler,
    SchedulesHandler,
)

RUN = r"(?P<run_id>[^/]+)"
SCHEDULE = r"(?P<schedule_id>[^/]+)"

ROUTES = [
    (r"mlops/health", HealthHandler),
    (r"mlops/config", ConfigHandler),
    (r"mlops/models", ModelsHandler),
    (r"mlops/models/(?P<name>[^/]+)", ModelHandler),
    (r"mlops/inventory", InventoryHandler),
    (rf"mlops/receipts/{RUN}", ReceiptHandler),
    (r"mlops/card", CardHandler),
    (r"mlops/card/schema", CardSchemaHandler),
    (r"mlops/parameters", ParametersHandler),
    (r"mlops/jobs", JobsHandler),
    (rf"mlops/jobs/{RUN}", JobHandler),
    (rf"mlops/jobs/{RUN}/cancel", CancelJobHandler),
    (rf"mlops/jobs/{RUN}/output", JobOutputHandler),
    (r"mlops/schedules", SchedulesHandler),
    (r"mlops/schedules/preview", PreviewHandler),
    (rf"mlops/schedules/{SCHEDULE}", ScheduleHandler),
    (rf"mlops/schedules/{SCHEDULE}/pause", PauseScheduleHandler),
    (rf"mlops/schedules/{SCHEDULE}/resume", ResumeScheduleHandler),
    (rf"mlops/schedules/{SCHEDULE}/run", RunScheduleHandler),
]
"""Every route, relative to the server's ``base_url``."""


class MlopsApp(ExtensionApp):
    """Serves the jupyter-mlops REST API under ``{base_url}mlops/``.

    Configure it like any Jupyter server extension, e.g.
    ``jupyter lab --MlopsApp.tracking_uri=http://127.0.0.1:5000``. Where jobs run and which
    tracking server they use are decided here, never by a request.
    """

    name = "jupyter_mlops"
    load_other_extensions = True

    tracking_uri = Unicode(
        None,
        allow_none=True,
        config=True,
        help=(
            "MLflow tracking URI the server reads from. When unset, it is resolved from "
            "MLFLOW_TRACKING_URI, then [tool.jupyter-mlops] in pyproject.toml, then the "
            "embedded SQLite store in the server's working directory."
        ),
    )

    executor = Unicode(
        "local",
        config=True,
        help="Name of the job executor, an entry point in the 'jupyter_mlops.executors' group.",
    )

    dask_address = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Dask scheduler address (HOST:PORT) used when the executor is 'dask'.",
    )

    models_full_refresh_s = Float(
        300.0,
        config=True,
        help=(
            "Seconds after which GET mlops/models lists the whole registry again instead of "
            "only the models updated since the last read (picks up deletions and renames)."
        ),
    )

    warm_models_cache = Bool(
        True,
        config=True,
        help="Fill the models cache in the background when the extension loads.",
    )

    alert_webhook_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="URL that new model alerts are POSTed to as JSON (server configuration only).",
    )

    alert_poll_s = Float(60.0, config=True, help="Seconds between checks for new alerts.")

    job_activity_interval_s = Float(
        60.0,
        config=True,
        help=(
            "Seconds between checks for running local jobs; while any runs, the server counts "
            "as active, so idle culling does not stop it. 0 turns the check off."
        ),
    )

    job_env_allowlist = List(
        Unicode(),
        config=True,
        help=(
            "Environment variables (names or fnmatch patterns) that jobs get besides the "
            "default allowlist; everything else of the server's environment, its token "
            "included, is withheld from jobs."
        ),
    )

    run_scheduler = Bool(
        False,
        config=True,
        help=(
            "Fire the schedules of the tracking store from this server (for one user; a team "
            "runs `jupyter mlops scheduler` as a service instead). Several schedulers may run "
            "at once: each slot fires once."
        ),
    )

    notify_urls = List(
        Unicode(),
        config=True,
        help=(
            "apprise URLs (mailto://, slack://, msteams://, json://...) that the scheduler "
            "tells how the runs it fired ended, besides JUPYTER_MLOPS_NOTIFY_URLS and "
            "[tool.jupyter-mlops.notify] urls. They hold secrets: never logged or shown."
        ),
    )

    def initialize_settings(self) -> None:
        if self.job_env_allowlist:  # read by every job this server starts
            known = os.environ.get("JUPYTER_MLOPS_JOB_ENV", "")
            os.environ["JUPYTER_MLOPS_JOB_ENV"] = ",".join(
                p for p in [known, *self.job_env_allowlist] if p
            )
        self.models_cache = ModelsCache(full_refresh_s=self.models_full_refresh_s)
        if self.alert_webhook_url:
            threading.Thread(target=self._post_alerts, name="mlops-alerts", daemon=True).start()
        assert self.serverapp is not None
        self.job_activity = JobActivity(
            self.serverapp.web_app.settings,
            self.resolved_tracking_uri,
            self.job_activity_interval_s,
        )
        if self.job_activity_interval_s > 0:
            self.job_activity.start()
        self.scheduler_stop = threading.Event()
        if self.run_scheduler:
            threading.Thread(target=self._schedule, name="mlops-scheduler", daemon=True).start()
        if self.warm_models_cache:
            # MLflow's import and the store's first open cost seconds: pay them before the
            # first request, without delaying the server start.
            threading.Thread(target=self._warm, name="mlops-models-warmup", daemon=True).start()

    async def stop_extension(self) -> None:
        self.job_activity.stop()
        self.scheduler_stop.set()

    def initialize_handlers(self) -> None:
        # ExtensionApp prefixes each pattern with the server's base_url.
        self.handlers.extend(ROUTES)

    def resolved_tracking_uri(self) -> str:
        """The tracking URI in effect: the configured one, or the resolved default."""
        from ..config import resolve_tracking_uri

        return resolve_tracking_uri(self.tracking_uri)

    def job_executor(self) -> str:
        """The executor jobs are submitted to; ``dask://ADDRESS`` when a Dask address is set."""
        if self.executor == "dask" and self.dask_address:
            return f"dask://{self.dask_address}"
        return self.executor

    def _post_alerts(self) -> None:
        from ..governance.notify import post_alerts

        idle = threading.Event()  # never set: wait() is the pause between checks
        while not idle.wait(self.alert_poll_s):
            try:
                posted = post_alerts(str(self.alert_webhook_url), self.resolved_tracking_uri())
                if posted:
                    self.log.info("jupyter-mlops: posted %d new alert(s)", posted)
            except Exception as exc:  # noqa: BLE001 - the webhook or the store may be down: retry later
                self.log.warning("jupyter-mlops: alerts not posted: %s", exc)

    def _schedule(self) -> None:
        from ..schedules.scheduler import Scheduler

        self.log.info("jupyter-mlops: firing schedules (MlopsApp.run_scheduler)")
        scheduler = Scheduler(self.resolved_tracking_uri(), notify=list(self.notify_urls))
        scheduler.run(self.scheduler_stop)

    def _warm(self) -> None:
        try:
            uri = self.resolved_tracking_uri()
            if uri.startswith("sqlite:///") and not Path(uri[len("sqlite:///") :]).exists():
                return  # no store yet: starting Jupyter must not create one
            self.models_cache.response_json(uri)
        except Exception as exc:  # noqa: BLE001 - the first request reports it to the user
            self.log.info("jupyter-mlops: models cache not warmed: %s", exc)
