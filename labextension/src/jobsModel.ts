/**
 * The Jobs tab's state: the job list, polled while shown, and the actions
 * on one job.
 */
import { requestAPI } from './handler';
import { Observable } from './observable';
import {
  IDescribeJob,
  IFetchJobOutputResponse,
  IListJobsResponse,
  JobStatus,
  TERMINAL_STATUSES
} from './tokens';

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

/** Put a job's executed notebook under the server root; its path there. */
export async function fetchRunOutput(runId: string): Promise<string> {
  const body = await requestAPI<IFetchJobOutputResponse>(
    `jobs/${runId}/output`,
    { method: 'POST' }
  );
  return body.path;
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
  fetchOutput(runId: string): Promise<string | undefined> {
    return this.guard(() => fetchRunOutput(runId));
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

/** `Name: value` as Python prints an exception; `Name` alone when it has no value. */
export function exceptionText(
  ename: string | null,
  evalue: string | null
): string | null {
  const value = (evalue ?? '').trim();
  if (!ename) {
    return value || null;
  }
  return value ? `${ename}: ${value}` : ename;
}

/** Where and how a failed job failed: its cell as the user knows it, and the exception. */
export function failureFacts(job: IDescribeJob): string[] {
  const cell =
    job.failed_cell_label ?? (job.failed_cell !== null ? `cell ${job.failed_cell}` : null);
  return [cell, exceptionText(job.ename, job.evalue)].filter(
    (fact): fact is string => Boolean(fact)
  );
}
