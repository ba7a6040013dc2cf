"""Every ``mlops.*`` tag and artifact path this package writes to MLflow, defined once.

Runs, model versions and registered models carry these; the REST API and the sidebar read
them back. A name changes here or nowhere.
"""

from __future__ import annotations

# Run tags. A job is a run tagged JOB="true"; everything the runner needs is on the run.
JOB = "mlops.job"
NOTEBOOK = "mlops.job.notebook"
NOTEBOOK_NAME = "mlops.job.notebook_name"
CWD = "mlops.job.cwd"
EXECUTOR = "mlops.job.executor"
TIMEOUT = "mlops.job.timeout"
KERNEL = "mlops.job.kernel"
PARAMETERS = "mlops.job.parameters"
SUBMITTED_AT = "mlops.job.submitted_at"
CELLS_DONE = "mlops.job.cells_done"
CELLS_TOTAL = "mlops.job.cells_total"
HEARTBEAT = "mlops.job.heartbeat"
PID = "mlops.job.pid"
PID_START = "mlops.job.pid_start"
HOST = "mlops.job.host"
JOB_HOST = "mlops.job.job_host"  # the local job host that runs it (its key), if one does
CANCEL = "mlops.job.cancel_requested"
REASON = "mlops.job.failure_reason"
FAILED_CELL = "mlops.job.failed_cell"
FAILED_CELL_LABEL = "mlops.job.failed_cell_label"
ATTEMPT = "mlops.job.attempt"  # 1 on the first start; a Dask retry after a lost worker adds one
MAX_ATTEMPTS = "mlops.job.max_attempts"
INCLUDES = "mlops.job.includes"  # JSON list of names uploaded beside the notebook under input/
RESOURCES = "mlops.job.resources"  # JSON {name: amount}: Dask worker resources the job needs
DASK_KEY = "mlops.job.dask_key"
KERNEL_READY = "mlops.job.kernel_ready"  # "ahead" or "pool": its kernel was ready before it ran
TICKET = "mlops.job.ticket"  # names the local runner process started before the run existed
ENAME = "mlops.job.ename"
EVALUE = "mlops.job.evalue"
SWEEP = "mlops.sweep"
SWEEP_SIZE = "mlops.sweep.size"
SWEEP_FAIL_FAST = "mlops.sweep.fail_fast"
SWEEP_MAX_CONCURRENCY = "mlops.sweep.max_concurrency"
# An Optuna study is a sweep whose points a driver process asks for one by one.
STUDY = "mlops.study"
STUDY_OBJECTIVE = "mlops.study.objective"  # the metric, on the study and on each trial
STUDY_DIRECTION = "mlops.study.direction"  # maximize or minimize
STUDY_SAMPLER = "mlops.study.sampler"
STUDY_PRUNER = "mlops.study.pruner"
STUDY_TRIAL = "mlops.study.trial"  # on a trial: its number in the study, from 0
STUDY_PRUNED_AT = "mlops.study.pruned_at_step"
STUDY_DRIVER_PID = "mlops.study.driver_pid"
STUDY_DRIVER_START = "mlops.study.driver_start"
STUDY_DRIVER_HOST = "mlops.study.driver_host"
STUDY_BEST_RUN = "mlops.study.best_run"
STUDY_BEST_VALUE = "mlops.study.best_value"
STUDY_BEST_PARAMS = "mlops.study.best_params"
STUDY_REQUEST = "study/request.json"  # artifact of the study run: what each trial runs
STUDY_TRIALS = "study/trials.json"
PARENT = "mlflow.parentRunId"
RUN_NAME = "mlflow.runName"
SOURCE_NAME = "mlflow.source.name"  # MLflow's own: where the run came from
SOURCE_TYPE = "mlflow.source.type"

INPUT_DIR = "input"
OUTPUT_DIR = "output"
RECEIPT = "receipt.json"
SUBMIT_PROVENANCE = "provenance/submit.json"

# The model card, mirrored onto runs and model versions as mlops.card.<field>.
CARD_PREFIX = "mlops.card."

# Registration (on runs and model versions).
REGISTRATION_ID = "mlops.registration_id"  # checked before a retried create: one version per id
INTERACTIVE = "mlops.interactive"  # a run made from a notebook cell, not a job
FLAVOR = "mlops.flavor"
SERIALIZATION = "mlops.serialization"
LOGGED_MODEL_ID = "mlops.logged_model_id"  # on a run: the LoggedModel log_model() made
REGISTERED_PREFIX = "mlops.registered."  # on a run: mlops.registered.<model> = version
TRACKED_CELL = "mlops.tracked_cell"

# Provenance receipt facts copied onto the run, to search by.
RECEIPT_PREFIX = "mlops.receipt."

# Replays of a run.
REPLAY_OF = "mlops.replay.of"
REPLAY_LAST_RUN = "mlops.replay.last_run"
REPLAY_VERDICT = "mlops.replay.verdict"
REPLAY_AT = "mlops.replay.at"
REPLAY_DIFFERENCES = "mlops.replay.differences"
REPLAY_TOLERANCES = "mlops.replay.tolerances"
REPLAY_ALLOW_CHANGED_DATA = "mlops.replay.allow_changed_data"
REPLAY_CHANGED_INPUTS = "mlops.replay.changed_inputs"

# Governance: evaluation runs, monitoring facts on model versions, audit events.
EVAL_PREFIX = "mlops.eval."
MONITOR_PREFIX = "mlops.monitor."
LAST_EVAL_AT = MONITOR_PREFIX + "last_eval_at"
LAST_EVAL_RUN = MONITOR_PREFIX + "last_eval_run"
LAST_EVAL_VERSION = MONITOR_PREFIX + "last_eval_version"
DRIFT_STATUS = MONITOR_PREFIX + "drift_status"
DRIFT_REASONS = MONITOR_PREFIX + "drift_reasons"
ALERT_STATUS = MONITOR_PREFIX + "alert_status"
ALERT_REASONS = MONITOR_PREFIX + "alert_reasons"
LOADED_AT = MONITOR_PREFIX + "loaded_at"
NOTIFIED_RUN = MONITOR_PREFIX + "notified_run"
AUDIT_PREFIX = "mlops.audit."


def vocabulary() -> dict[str, str]:
    """Every name defined here and its tag or path, for the REST schema and the sidebar."""
    return {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}


# Schedules. A schedule is a run of the schedules experiment, tagged SCHEDULE="true"; each slot
# it fires is claimed by a param "slot.<UTC time>" on it (params cannot change: first wins).
SCHEDULES_EXPERIMENT = "jupyter-mlops-schedules"
SCHEDULE = "mlops.schedule"
SCHEDULE_NAME = "mlops.schedule.name"
SCHEDULE_CRON = "mlops.schedule.cron"
SCHEDULE_TIMEZONE = "mlops.schedule.timezone"
SCHEDULE_CATCH_UP = "mlops.schedule.catch_up"
SCHEDULE_PAUSED = "mlops.schedule.paused"
SCHEDULE_NOTEBOOK = "mlops.schedule.notebook"  # where the notebook was when snapshotted
SCHEDULE_REVISION = "mlops.schedule.revision"
SCHEDULE_SINCE = "mlops.schedule.since"  # epoch seconds: slots after it are due
SCHEDULE_REQUEST = "mlops.schedule.request"  # JSON: the launch options of each run it fires
SCHEDULE_LAST_RUN = "mlops.schedule.last_run"
SCHEDULE_LAST_ERROR = "mlops.schedule.last_error"
SCHEDULE_SKIPPED_THROUGH = "mlops.schedule.skipped_through"  # epoch of the last slot skipped
SCHEDULE_ID = "mlops.schedule.id"  # on a fired run: the schedule that fired it
SCHEDULE_SLOT = "mlops.schedule.slot"  # on a fired run: its slot (UTC, ISO 8601), or "now"
SLOT_PARAM_PREFIX = "slot."
# A schedule fired by an event instead of a time: its trigger (version:MODEL, alias:MODEL@ALIAS,
# alert:MODEL, input:PATH); each state it fired for is claimed by a param "event.<n>" holding
# "<claimant> <state>", event.000000 being the state at creation (params cannot change).
SCHEDULE_TRIGGER = "mlops.schedule.trigger"
SCHEDULE_EVENT = "mlops.schedule.event"  # on a fired run: the event, e.g. version:churn=4
EVENT_PARAM_PREFIX = "event."
NOTIFIED_PREFIX = "mlops.notified."  # on a run: mlops.notified.<event> = when it was sent
