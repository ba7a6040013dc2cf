/**
 * The sidebar's state and its calls to the REST API, free of React and
 * Lumino so it can be unit-tested with `requestAPI` mocked.
 */
import { MlopsRequestError, requestAPI } from './handler';
import {
  ICreateJob,
  ICreateJobResponse,
  IDescribeCardSchema,
  IDescribeJob,
  IDescribeModel,
  IDescribeParameters,
  IDescribeReceipt,
  IFetchJobOutputResponse,
  IListJobsResponse,
  IListModelsResponse,
  IModelSummary,
  IParameterInfo,
  JobStatus,
  JsonValue,
  TERMINAL_STATUSES
} from './tokens';

/** A listener called after a model changed. */
export type Listener = () => void;

/** Base of the models: a list of listeners and an error slot. */
class Observable {
  /** Call `listener` after each change; returns a function that stops it. */
  subscribe(listener: Listener): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** The last request error, or null. */
  get error(): string | null {
    return this._error;
  }

  protected emit(): void {
    this._listeners.forEach(listener => listener());
  }

  protected async guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await work();
      this._error = null;
      return value;
    } catch (reason) {
      this._error = describeError(reason);
      return undefined;
    } finally {
      this.emit();
    }
  }

  private _listeners = new Set<Listener>();
  private _error: string | null = null;
}

/** The text a user should read for a failed request. */
export function describeError(reason: unknown): string {
  if (reason instanceof MlopsRequestError) {
    return reason.message;
  }
  return reason instanceof Error ? reason.message : String(reason);
}

// -- parameters and launch ------------------------------------------------------------

/** Read the text typed for a parameter as a value of its declared type. */
export function coerceValue(text: string, type: string): JsonValue {
  const raw = text.trim();
  switch (type) {
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw)) {
        throw new Error(`expected a whole number, got “${text}”`);
      }
      return Number.parseInt(raw, 10);
    }
    case 'float': {
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        throw new Error(`expected a number, got “${text}”`);
      }
      return value;
    }
    case 'bool': {
      const lowered = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) {
        return true;
      }
      if (['false', '0', 'no', 'off'].includes(lowered)) {
        return false;
      }
      throw new Error(`expected true or false, got “${text}”`);
    }
    case 'list':
    case 'dict': {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new Error(`expected a JSON ${type}`);
      }
      const isList = Array.isArray(value);
      const ok =
        type === 'list'
          ? isList
          : typeof value === 'object' && value !== null && !isList;
      if (!ok) {
        throw new Error(`expected a JSON ${type}`);
      }
      return value as JsonValue;
    }
    case 'str':
      return text;
    default:
      try {
        return JSON.parse(raw) as JsonValue;
      } catch {
        return text;
      }
  }
}

/** Sweep values typed as `a, b, c` (or a JSON list) read in the declared type. */
export function parseSweep(text: string, type: string): JsonValue[] {
  const raw = text.trim();
  if (raw.startsWith('[')) {
    let values: unknown;
    try {
      values = JSON.parse(raw);
    } catch {
      throw new Error('expected a JSON list of values');
    }
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error('expected a non-empty JSON list');
    }
    return values as JsonValue[];
  }
  const parts = raw
    .split(',')
    .map(part => part.trim())
    .filter(part => part.length > 0);
  return parts.map(part => coerceValue(part, type));
}

/** A parameter's default as the form shows it. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the launch form holds for one parameter. */
export interface IParameterInput {
  /** The value typed; empty keeps the notebook's default. */
  value: string;
  /** Comma-separated values to sweep over; empty for none. */
  sweep: string;
}

/** The request to send, or the per-parameter errors that stop it. */
export type LaunchPlan =
  | { ok: true; request: ICreateJob; runs: number }
  | { ok: false; errors: Record<string, string> };

/** Turn the launch form into a `POST mlops/jobs` body, checking each value. */
export function planLaunch(
  path: string,
  parameters: IParameterInfo[],
  inputs: Record<string, IParameterInput>
): LaunchPlan {
  const request: ICreateJob = { path, parameters: {}, sweep: {} };
  const errors: Record<string, string> = {};
  let runs = 1;
  for (const param of parameters) {
    const input = inputs[param.name];
    if (!input) {
      continue;
    }
    try {
      if (input.sweep.trim()) {
        const values = parseSweep(input.sweep, param.type);
        request.sweep![param.name] = values;
        runs *= values.length;
      } else if (input.value.trim() && input.value !== formatValue(param.default)) {
        request.parameters![param.name] = coerceValue(input.value, param.type);
      }
    } catch (reason) {
      errors[param.name] = describeError(reason);
    }
  }
  if (Object.keys(errors).length > 0) {
    return { ok: false, errors };
  }
  return { ok: true, request, runs };
}

/** Read a notebook's parameters contract. */
export function loadParameters(path: string): Promise<IDescribeParameters> {
  return requestAPI<IDescribeParameters>(
    `parameters?path=${encodeURIComponent(path)}`
  );
}

/** Submit a run or a sweep. */
export function launchJob(request: ICreateJob): Promise<ICreateJobResponse> {
  return requestAPI<ICreateJobResponse>('jobs', {
    method: 'POST',
    body: JSON.stringify(request)
  });
}

// -- card -----------------------------------------------------------------------------

/** The card's JSON Schema, fetched once per page. */
let schemaPromise: Promise<IDescribeCardSchema> | null = null;

export function loadCardSchema(): Promise<IDescribeCardSchema> {
  if (schemaPromise === null) {
    schemaPromise = requestAPI<IDescribeCardSchema>('card/schema').catch(
      reason => {
        schemaPromise = null;
        throw reason;
      }
    );
  }
  return schemaPromise;
}

/** One property of the card's JSON Schema, as far as the form needs it. */
interface ISchemaProperty {
  enum?: string[];
  pattern?: string;
  anyOf?: ISchemaProperty[];
  $ref?: string;
}

/** The values a card field allows (from the schema's enums), or null for free text. */
export function allowedValues(
  schema: Record<string, JsonValue>,
  field: string
): string[] | null {
  const property = propertyOf(schema, field);
  const options = [property, ...(property?.anyOf ?? [])]
    .map(p => (p?.$ref ? resolveRef(schema, p.$ref) : p))
    .flatMap((p: ISchemaProperty | undefined) => p?.enum ?? []);
  return options.length > 0 ? options : null;
}

/** Errors of the text fields of a card, by field, checked against the schema. */
export function validateCard(
  schema: Record<string, JsonValue>,
  card: Record<string, JsonValue>
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, value] of Object.entries(card)) {
    if (value === null || value === '' || typeof value !== 'string') {
      continue;
    }
    const allowed = allowedValues(schema, field);
    if (allowed && !allowed.includes(value)) {
      errors[field] = `must be one of ${allowed.join(', ')}`;
      continue;
    }
    const property = propertyOf(schema, field);
    const pattern =
      property?.pattern ?? property?.anyOf?.find(p => p.pattern)?.pattern;
    if (pattern && !new RegExp(pattern).test(value)) {
      errors[field] =
        field === 'name'
          ? 'use letters, digits, “.”, “_” or “-”, starting with a letter or digit'
          : `must match ${pattern}`;
    }
  }
  return errors;
}

function propertyOf(
  schema: Record<string, JsonValue>,
  field: string
): ISchemaProperty | undefined {
  const properties = schema.properties as Record<string, JsonValue> | undefined;
  return properties?.[field] as ISchemaProperty | undefined;
}

function resolveRef(
  schema: Record<string, JsonValue>,
  ref: string
): ISchemaProperty | undefined {
  const name = ref.split('/').pop() ?? '';
  const defs = schema.$defs as Record<string, JsonValue> | undefined;
  return defs?.[name] as ISchemaProperty | undefined;
}

// -- jobs -----------------------------------------------------------------------------

/** Fraction of cells done, 0 to 1. */
export function progress(job: IDescribeJob): number {
  if (job.status === 'FINISHED') {
    return 1;
  }
  if (job.cells_total <= 0) {
    return 0;
  }
  return Math.min(1, job.cells_done / job.cells_total);
}

/** `12 s`, `3 min 4 s`, `1 h 2 min`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) {
    return '—';
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Whether a job can still change. */
export function isActive(job: IDescribeJob): boolean {
  return !TERMINAL_STATUSES.includes(job.status);
}

/** The live job list: polled while shown, faster while jobs are active. */
export class JobsModel extends Observable {
  constructor(
    readonly options: { activeMs?: number; idleMs?: number } = {}
  ) {
    super();
  }

  get jobs(): IDescribeJob[] {
    return this._jobs;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get status(): JobStatus | '' {
    return this._status;
  }

  /** Show only jobs in `status` ('' for all) and reload. */
  setStatus(status: JobStatus | ''): Promise<void> {
    this._status = status;
    return this.refresh();
  }

  async refresh(): Promise<void> {
    const query = this._status ? `?status=${this._status}` : '';
    const body = await this.guard(() =>
      requestAPI<IListJobsResponse>(`jobs${query}`)
    );
    if (body) {
      this._jobs = body.jobs;
      this._loaded = true;
      this.emit();
    }
  }

  /** Ask the server to cancel a job; the list shows its new state. */
  async cancel(runId: string): Promise<void> {
    const job = await this.guard(() =>
      requestAPI<IDescribeJob>(`jobs/${runId}/cancel`, { method: 'POST' })
    );
    if (job) {
      this._jobs = this._jobs.map(j => (j.run_id === runId ? job : j));
      this.emit();
    }
  }

  /** Put the executed notebook under the server root; its path there. */
  async fetchOutput(runId: string): Promise<string | undefined> {
    const body = await this.guard(() =>
      requestAPI<IFetchJobOutputResponse>(`jobs/${runId}/output`, {
        method: 'POST'
      })
    );
    return body?.path;
  }

  /** Poll until `stop()`; the first poll is immediate. */
  start(): void {
    if (this._timer !== null || this._polling) {
      return;
    }
    this._polling = true;
    void this._tick();
  }

  stop(): void {
    this._polling = false;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  get polling(): boolean {
    return this._polling;
  }

  private async _tick(): Promise<void> {
    this._timer = null;
    await this.refresh();
    if (!this._polling) {
      return;
    }
    const active = this._jobs.some(isActive);
    const delay = active
      ? (this.options.activeMs ?? 1500)
      : (this.options.idleMs ?? 5000);
    this._timer = setTimeout(() => void this._tick(), delay);
  }

  private _jobs: IDescribeJob[] = [];
  private _loaded = false;
  private _status: JobStatus | '' = '';
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _polling = false;
}

// -- models ---------------------------------------------------------------------------

/** Whether a model matches the filter text, case-insensitively. */
export function matches(model: IModelSummary, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle.length === 0) {
    return true;
  }
  const haystack = [
    model.name,
    model.description,
    model.owner,
    model.use_case,
    model.risk_tier,
    model.stage,
    ...Object.keys(model.aliases)
  ];
  return haystack.some(
    value => value !== null && value.toLowerCase().includes(needle)
  );
}

/** The registered models, their details and receipts, fetched on demand. */
export class ModelsModel extends Observable {
  get models(): IModelSummary[] {
    return this._models;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get loading(): boolean {
    return this._pending !== null;
  }

  /**
   * Models matching the filter and, when set, the risk tier and the status:
   * `red`, `amber` or `green` (RAG), or `alert` (an alert rule fired).
   */
  visible(filter: string, riskTier = '', status = ''): IModelSummary[] {
    return this._models.filter(
      m =>
        matches(m, filter) &&
        (!riskTier || m.risk_tier === riskTier) &&
        (!status ||
          (status === 'alert' ? m.alert_status === 'alert' : m.rag === status))
    );
  }

  /** How many models have an alert from their last evaluation. */
  get alertCount(): number {
    return this._models.filter(m => m.alert_status === 'alert').length;
  }

  /**
   * Reload the list; `full` asks the server to re-list the whole registry.
   * A call made while a request is in flight waits for that request.
   */
  refresh(full = false): Promise<void> {
    if (this._pending === null) {
      this._pending = this._load(full).finally(() => {
        this._pending = null;
        this.emit();
      });
      this.emit();
    }
    return this._pending;
  }

  /** One model with its versions (cached until the next refresh). */
  async describe(name: string): Promise<IDescribeModel | undefined> {
    const cached = this._details.get(name);
    if (cached) {
      return cached;
    }
    const body = await this.guard(() =>
      requestAPI<IDescribeModel>(`models/${encodeURIComponent(name)}`)
    );
    if (body) {
      this._details.set(name, body);
    }
    return body;
  }

  detail(name: string): IDescribeModel | undefined {
    return this._details.get(name);
  }

  /** A run's provenance receipt, from a version's `receipt_url`. */
  receipt(url: string): Promise<IDescribeReceipt | undefined> {
    return this.guard(() => requestAPI<IDescribeReceipt>(url));
  }

  private async _load(full: boolean): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IListModelsResponse>(full ? 'models?refresh=full' : 'models')
    );
    if (body) {
      this._models = body.models;
      this._loaded = true;
      this._details.clear();
    }
  }

  private _models: IModelSummary[] = [];
  private _loaded = false;
  private _pending: Promise<void> | null = null;
  private _details = new Map<string, IDescribeModel>();
}
