"""Pydantic models that define the REST contract of ``{base_url}mlops/``.

Requests and responses are named by verb (``CreateJob``, ``DescribeJob``...). Each model is
mirrored one to one by an ``I*`` interface in ``labextension/src/tokens.ts``, and the OpenAPI
document ``openapi.json`` is generated from them (:mod:`jupyter_mlops.server.openapi`); change
all three together. :mod:`.schedule_models` holds the schedules' models, and
:mod:`.contract` lists every model of both.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

JsonValue = Any
"""A JSON value: the type a parameter declares decides which one is valid."""


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- models ------------------------------------------------------------------------------------
class ModelSummary(_Contract):
    """One registered model, with the model-card fields stored as its tags."""

    name: str
    description: str = ""
    owner: str | None = None
    use_case: str | None = None
    risk_tier: str | None = None
    stage: str | None = None
    latest_version: str | None = None
    aliases: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    updated_at: int | None = None
    """Milliseconds since the epoch, as MLflow reports it."""
    rag: str | None = None
    """red, amber or green by the governance policy, from the model's own tags."""
    rag_reasons: list[str] = Field(default_factory=list)
    alert_status: str | None = None
    """From the last evaluation of the champion: ``alert``, ``ok``, or None if never evaluated."""
    alerts: list[str] = Field(default_factory=list)
    """The alert rules that fired, e.g. "accuracy dropped 7.0% vs champion (0.910 -> 0.846)"."""


class ListModelsResponse(_Contract):
    """Body of ``GET mlops/models``."""

    models: list[ModelSummary]


class ReplayInfo(_Contract):
    """The last replay of a version's run (``jupyter mlops replay``): verdict and when."""

    verdict: str | None = None
    reproduced: bool = False
    at: float | None = None
    """Unix time of the verdict."""
    replay_run_id: str


class ModelVersionInfo(_Contract):
    """One version of a registered model, with the card mirrored onto it."""

    version: str
    run_id: str | None = None
    status: str | None = None
    source: str | None = None
    created_at: int | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    card: dict[str, JsonValue] | None = None
    """The card fields stored on the version, or null when it carries none."""
    receipt_url: str | None = None
    """Path under ``{base_url}`` of the run's provenance receipt (``GET``)."""
    run_url: str | None = None
    """The run in the MLflow UI, when the tracking server has one."""
    replay: ReplayInfo | None = None
    """The last replay of the version's run, or null when it was never replayed."""


class DescribeModel(ModelSummary):
    """Body of ``GET mlops/models/{name}``: the summary and every version, newest first."""

    versions: list[ModelVersionInfo] = Field(default_factory=list)


class DescribeReceipt(_Contract):
    """Body of ``GET mlops/receipts/{run_id}``: the run's ``receipt.json``."""

    run_id: str
    receipt: dict[str, JsonValue]


# -- notebook: card and parameters -------------------------------------------------------------
class DescribeCard(_Contract):
    """Body of ``GET mlops/card?path=``: the card stored in a notebook, or null."""

    path: str
    card: dict[str, JsonValue] | None
    schema_version: int


class UpdateCard(_Contract):
    """Body of ``PUT mlops/card``: replace the card of a notebook that is not open."""

    path: str = Field(description="Notebook path relative to the server root.")
    card: dict[str, JsonValue]


class DescribeCardSchema(_Contract):
    """Body of ``GET mlops/card/schema``: the card's JSON Schema, for forms."""

    schema_version: int
    json_schema: dict[str, JsonValue]


class ParameterInfo(_Contract):
    """One declared parameter of the notebook's ``parameters`` cell."""

    name: str
    type: str
    """One of int, float, str, bool, list, dict, any."""
    default: JsonValue = None
    help: str = ""
    expression: str | None = None
    """The default's source when the notebook computes it (``a == 3``); ``default`` is then
    null, and a form sends nothing unless a value is typed."""


class DescribeParameters(_Contract):
    """Body of ``GET mlops/parameters?path=``: the notebook's parameters contract."""

    path: str
    has_cell: bool
    parameters: list[ParameterInfo]


# -- jobs --------------------------------------------------------------------------------------
class CreateJob(_Contract):
    """Body of ``POST mlops/jobs``: one run, or a grid sweep when ``sweep`` is not empty.

    The executor, the Dask address and the tracking URI come from the server configuration,
    never from the request.
    """

    path: str = Field(description="Notebook path relative to the server root.")
    parameters: dict[str, JsonValue] = Field(default_factory=dict)
    sweep: dict[str, list[JsonValue]] = Field(default_factory=dict)
    from_text: bool = Field(
        default=False,
        description="Parameter and sweep values are text, coerced by the notebook's typed "
        "parameters contract, exactly as the CLI does.",
    )
    experiment: str | None = Field(default=None, description="MLflow experiment name.")
    timeout: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="Seconds before the job stops."
    )
    kernel_name: str | None = Field(default=None, description="Default: the notebook's kernel.")
    include: list[str] = Field(
        default_factory=list,
        description="Files or folders, relative to the server root, placed beside the notebook "
        "where it runs.",
    )
    resources: dict[str, float] = Field(
        default_factory=dict, description="Dask worker resources the job needs, e.g. GPU: 1."
    )
    sample: int | None = Field(
        default=None, ge=1, description="Sweep: draw this many random points ('LOW:HIGH' ranges)."
    )
    seed: int | None = Field(default=None, description="Sweep: seed of the random draw.")
    max_concurrency: int | None = Field(
        default=None, ge=1, description="Sweep: at most this many runs at once."
    )
    fail_fast: bool = Field(default=False, description="Sweep: a failure cancels the others.")
    optimize: str | None = Field(
        default=None,
        description="An Optuna study of the sweep's space: 'max(METRIC)' or 'min(METRIC)'.",
    )
    trials: int | None = Field(default=None, ge=1, description="Study: at most this many runs.")
    sampler: str | None = Field(
        default=None, description="Study: tpe (default), random, cmaes, qmc or grid."
    )
    pruner: str | None = Field(
        default=None, description="Study: median (default), hyperband, none."
    )
    timeout_total: float | str | None = Field(
        default=None, description="Study: ask no new trial after this (seconds, or '2h', '30m')."
    )


class CreateJobResponse(_Contract):
    """Answer to ``POST mlops/jobs``: the job id, and for a sweep its children."""

    run_id: str
    sweep: bool
    children: list[str] = Field(default_factory=list)
    study: bool = Field(default=False, description="An Optuna study: its trials come later.")


class DescribeJob(_Contract):
    """A job as read back from its MLflow run; body of ``GET mlops/jobs/{run_id}``."""

    run_id: str
    experiment_id: str
    name: str
    status: str
    """SCHEDULED, RUNNING, FINISHED, FAILED or KILLED."""
    notebook: str
    parameters: dict[str, JsonValue] = Field(default_factory=dict)
    executor: str = "local"
    cells_done: int = 0
    cells_total: int = 0
    start_time: int | None = None
    end_time: int | None = None
    duration_s: float | None = None
    failure_reason: str | None = None
    failed_cell: int | None = None
    """Index of the failing cell in the executed notebook."""
    failed_cell_label: str | None = None
    """The failing cell as the user knows it: ``In [3]``, or its first line."""
    ename: str | None = None
    evalue: str | None = None
    parent_run_id: str | None = None
    is_sweep: bool = False
    attempt: int = 0
    """1 on the first start; a retry after a lost Dask worker adds one (0: not started)."""
    artifact_uri: str = ""
    run_url: str | None = None
    """The run in the MLflow UI, when the tracking server has one."""


class ListJobsResponse(_Contract):
    """Body of ``GET mlops/jobs``: jobs from every experiment, newest first."""

    jobs: list[DescribeJob]


class FetchJobOutputResponse(_Contract):
    """Answer to ``POST mlops/jobs/{run_id}/output``: where the executed notebook was put."""

    path: str
    """Path relative to the server root, ready to open in JupyterLab."""


# -- misc --------------------------------------------------------------------------------------
class InventoryRow(_Contract):
    """One model of the governance inventory (times are ISO 8601 UTC)."""

    name: str
    owner: str | None = None
    use_case: str | None = None
    risk_tier: str | None = None
    materiality: str | None = None
    stage: str | None = None
    champion: str | None = None
    challenger: str | None = None
    latest_version: str | None = None
    last_training_run: str | None = None
    last_trained_at: str | None = None
    last_evaluation: str | None = None
    drift_status: str
    alert_status: str
    documentation_status: str
    validation_status: str
    rag: str
    rag_reasons: list[str]


class ListInventoryResponse(_Contract):
    """Body of ``GET mlops/inventory``."""

    models: list[InventoryRow]


class HealthResponse(_Contract):
    """Body of ``GET mlops/health``."""

    version: str
    tracking_uri: str


class DescribeConfig(_Contract):
    """Body of ``GET mlops/config``: what the server's job executor can do, for the UI.

    It names no tracking URI: a URI may carry credentials.
    """

    executor: str
    """Name of the configured executor (``local``, ``dask``, or one registered by entry point)."""
    features: dict[str, bool]
    """The executor's ``supported_features()``: cancel, timeout, resources..."""
    tracking_uri_is_remote: bool
    """Whether runs are tracked on an MLflow server (which has run pages to link to)."""


class ErrorResponse(_Contract):
    """Body of every error answer: a stable code and a message for the user."""

    error: str
    message: str
