/**
 * REST contract of the jupyter-mlops server extension, under `{base_url}mlops/`.
 *
 * Each interface mirrors one pydantic model in
 * `jupyter_mlops/server/models.py`, field for field, in the same order; a
 * Python test compares them, and `jupyter_mlops/server/openapi.json` is
 * generated from the same models.
 */

/** A JSON value; the parameter's declared type says which one is valid. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Mirrors `ModelSummary`. */
export interface IModelSummary {
  name: string;
  description: string;
  owner: string | null;
  use_case: string | null;
  risk_tier: string | null;
  stage: string | null;
  latest_version: string | null;
  aliases: Record<string, string>;
  tags: Record<string, string>;
  updated_at: number | null;
  rag: string | null;
  rag_reasons: string[];
  alert_status: string | null;
  alerts: string[];
}

/** Mirrors `ListModelsResponse`, the body of `GET mlops/models`. */
export interface IListModelsResponse {
  models: IModelSummary[];
}

/** Mirrors `ReplayInfo`: the last replay of a version's run. */
export interface IReplayInfo {
  verdict: string | null;
  reproduced: boolean;
  /** Unix time (seconds) of the verdict. */
  at: number | null;
  replay_run_id: string;
}

/** Mirrors `ModelVersionInfo`. */
export interface IModelVersionInfo {
  version: string;
  run_id: string | null;
  status: string | null;
  source: string | null;
  created_at: number | null;
  tags: Record<string, string>;
  aliases: string[];
  card: Record<string, JsonValue> | null;
  /** Endpoint under `{base_url}mlops/` of the run's receipt. */
  receipt_url: string | null;
  run_url: string | null;
  replay: IReplayInfo | null;
}

/** Mirrors `DescribeModel`, the body of `GET mlops/models/{name}`. */
export interface IDescribeModel extends IModelSummary {
  versions: IModelVersionInfo[];
}

/** Mirrors `DescribeReceipt`, the body of `GET mlops/receipts/{run_id}`. */
export interface IDescribeReceipt {
  run_id: string;
  receipt: Record<string, JsonValue>;
}

/** Mirrors `DescribeCard`, the body of `GET mlops/card?path=`. */
export interface IDescribeCard {
  path: string;
  card: Record<string, JsonValue> | null;
  schema_version: number;
}

/** Mirrors `UpdateCard`, the body of `PUT mlops/card`. */
export interface IUpdateCard {
  path: string;
  card: Record<string, JsonValue>;
}

/** Mirrors `DescribeCardSchema`, the body of `GET mlops/card/schema`. */
export interface IDescribeCardSchema {
  schema_version: number;
  json_schema: Record<string, JsonValue>;
}

/** Mirrors `ParameterInfo`. */
export interface IParameterInfo {
  name: string;
  /** One of int, float, str, bool, list, dict, any. */
  type: string;
  default?: JsonValue;
  help: string;
  /** The default's source when the notebook computes it (`a == 3`); then no default. */
  expression?: string | null;
}

/** Mirrors `DescribeParameters`, the body of `GET mlops/parameters?path=`. */
export interface IDescribeParameters {
  path: string;
  has_cell: boolean;
  parameters: IParameterInfo[];
}

/** Mirrors `CreateJob`, the body of `POST mlops/jobs`. */
export interface ICreateJob {
  path: string;
  parameters?: Record<string, JsonValue>;
  sweep?: Record<string, JsonValue[]>;
  /**
   * Parameter and sweep values are text, coerced by the notebook's typed
   * parameters contract, exactly as the CLI does.
   */
  from_text?: boolean;
  experiment?: string | null;
  timeout?: number | null;
  kernel_name?: string | null;
  include?: string[];
  resources?: Record<string, number>;
  sample?: number | null;
  seed?: number | null;
  max_concurrency?: number | null;
  fail_fast?: boolean;
  /** An Optuna study of the sweep's space: 'max(METRIC)' or 'min(METRIC)'. */
  optimize?: string | null;
  /** Study: at most this many runs. */
  trials?: number | null;
  /** Study: tpe (default), random, cmaes, qmc or grid. */
  sampler?: string | null;
  /** Study: median (default), hyperband, none. */
  pruner?: string | null;
  /** Study: ask no new trial after this (seconds, or '2h', '30m'). */
  timeout_total?: number | string | null;
}

/** Mirrors `CreateJobResponse`. */
export interface ICreateJobResponse {
  run_id: string;
  sweep: boolean;
  children: string[];
  /** An Optuna study: its trials come later. */
  study: boolean;
}

/** Mirrors `DescribeJob`, the body of `GET mlops/jobs/{run_id}`. */
export interface IDescribeJob {
  run_id: string;
  experiment_id: string;
  name: string;
  status: JobStatus;
  notebook: string;
  parameters: Record<string, JsonValue>;
  executor: string;
  cells_done: number;
  cells_total: number;
  start_time: number | null;
  end_time: number | null;
  duration_s: number | null;
  failure_reason: string | null;
  failed_cell: number | null;
  /** The failing cell as the user knows it: `In [3]`, or its first line. */
  failed_cell_label: string | null;
  ename: string | null;
  evalue: string | null;
  parent_run_id: string | null;
  is_sweep: boolean;
  attempt: number;
  artifact_uri: string;
  run_url: string | null;
}

/** Mirrors `ListJobsResponse`, the body of `GET mlops/jobs`. */
export interface IListJobsResponse {
  jobs: IDescribeJob[];
}

/** Mirrors `FetchJobOutputResponse`. */
export interface IFetchJobOutputResponse {
  path: string;
}

/** Mirrors `InventoryRow`: one model of the governance inventory. */
export interface IInventoryRow {
  name: string;
  owner: string | null;
  use_case: string | null;
  risk_tier: string | null;
  materiality: string | null;
  stage: string | null;
  champion: string | null;
  challenger: string | null;
  latest_version: string | null;
  last_training_run: string | null;
  last_trained_at: string | null;
  last_evaluation: string | null;
  drift_status: string;
  alert_status: string;
  documentation_status: string;
  validation_status: string;
  rag: string;
  rag_reasons: string[];
}

/** Mirrors `ListInventoryResponse`, the body of `GET mlops/inventory`. */
export interface IListInventoryResponse {
  models: IInventoryRow[];
}

/** Mirrors `HealthResponse`, the body of `GET mlops/health`. */
export interface IHealthResponse {
  version: string;
  tracking_uri: string;
}

/** Mirrors `DescribeConfig`, the body of `GET mlops/config`. */
export interface IDescribeConfig {
  /** The configured executor: `local`, `dask` or one registered by entry point. */
  executor: string;
  /** The executor's supported features, by name (`cancel`, `resources`...). */
  features: Record<string, boolean>;
  /** Whether runs are tracked on an MLflow server. */
  tracking_uri_is_remote: boolean;
}

/** Mirrors `CreateSchedule`, the body of `POST mlops/schedules`. */
export interface ICreateSchedule extends ICreateJob {
  /** Five fields (minute hour day month weekday), e.g. "0 6 * * 1-5". */
  cron?: string | null;
  /** An event instead of a time: version:MODEL, alias:MODEL@ALIAS, alert:MODEL or input:PATH. */
  trigger?: string | null;
  /** IANA name, e.g. Europe/London. */
  timezone?: string;
  /** A slot missed while no scheduler ran: fire the latest once, or skip it. */
  catch_up?: 'once' | 'skip';
  /** Default: the notebook's name. */
  name?: string | null;
}

/** Mirrors `UpdateSchedule`, the body of `PATCH mlops/schedules/{id}`. */
export interface IUpdateSchedule {
  cron?: string | null;
  timezone?: string | null;
  catch_up?: 'once' | 'skip' | null;
}

/** Mirrors `DescribeSchedule`; times are ISO 8601 in the schedule's timezone. */
export interface IDescribeSchedule {
  id: string;
  name: string;
  /** '' for a schedule fired by its trigger. */
  cron: string;
  /** The event it fires on (version:MODEL...), '' for a timed schedule. */
  trigger?: string;
  /** When it fires, in words: "At 06:00, Monday through Friday". */
  description: string;
  timezone: string;
  catch_up: string;
  paused: boolean;
  /** The notebook the snapshot was taken of. */
  notebook: string;
  revision: number;
  /** The launch options each slot submits (parameters, sweep, executor...). */
  options: Record<string, JsonValue>;
  fired: number;
  last_slot: string | null;
  last_run: string | null;
  /** The last run's status, '' before the first. */
  last_status: string;
  last_error: string | null;
  /** The next five slots (none while paused). */
  next: string[];
}

/** Mirrors `ListSchedulesResponse`, the body of `GET mlops/schedules`. */
export interface IListSchedulesResponse {
  schedules: IDescribeSchedule[];
}

/** Mirrors `DescribeScheduleRuns`, the body of `GET mlops/schedules/{id}`. */
export interface IDescribeScheduleRuns {
  schedule: IDescribeSchedule;
  /** Newest first; a sweep's parent stands for its children. */
  runs: IDescribeJob[];
}

/** Mirrors `PreviewCron`, the body of `GET mlops/schedules/preview`. */
export interface IPreviewCron {
  cron: string;
  timezone: string;
  description: string;
  next: string[];
}

/** Mirrors `RunScheduleResponse`, the answer to `POST mlops/schedules/{id}/run`. */
export interface IRunScheduleResponse {
  run_id: string;
}

/** Mirrors `ErrorResponse`, the body of every error answer. */
export interface IErrorResponse {
  error: string;
  message: string;
}

/** The states of a job (an MLflow run). */
export type JobStatus =
  | 'SCHEDULED'
  | 'RUNNING'
  | 'FINISHED'
  | 'FAILED'
  | 'KILLED';

/** States after which a job never changes. */
export const TERMINAL_STATUSES: ReadonlyArray<JobStatus> = [
  'FINISHED',
  'FAILED',
  'KILLED'
];
