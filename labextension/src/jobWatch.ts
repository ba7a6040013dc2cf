/**
 * Follows the jobs launched from this JupyterLab until they end, and tells
 * how each one ended (JupyterLab's notifications, in the running app).
 */
import { requestAPI } from './handler';
import { failureFacts, formatDuration, isActive } from './jobsModel';
import { IDescribeJob } from './tokens';

/** How a job ended, in one line; failed is true for a failure or a stop. */
export function jobNotice(job: IDescribeJob): { message: string; failed: boolean } {
  const what = `${job.is_sweep ? 'Sweep' : 'Job'} ${job.name}`;
  if (job.status === 'FINISHED') {
    return { message: `${what} finished in ${formatDuration(job.duration_s)}.`, failed: false };
  }
  const facts = failureFacts(job);
  const verb = job.status === 'KILLED' ? `${what} was stopped` : `${what} failed`;
  const why = facts.length ? facts.join(' · ') : job.failure_reason;
  return { message: why ? `${verb}: ${why}` : `${verb}.`, failed: true };
}

/** Polls each watched job until it ends, then calls `ended` once for it. */
export class JobWatch {
  constructor(
    readonly ended: (job: IDescribeJob) => void,
    readonly options: { intervalMs?: number } = {}
  ) {}

  /** Follow `runId` (a run, a sweep or a study) until it ends. */
  watch(runId: string): void {
    this._watched.add(runId);
    if (this._timer === null) {
      this._schedule();
    }
  }

  get watching(): string[] {
    return [...this._watched];
  }

  dispose(): void {
    this._watched.clear();
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _schedule(): void {
    this._timer = setTimeout(() => void this._tick(), this.options.intervalMs ?? 2000);
  }

  private async _tick(): Promise<void> {
    for (const runId of [...this._watched]) {
      let job: IDescribeJob;
      try {
        job = await requestAPI<IDescribeJob>(`jobs/${runId}`);
      } catch {
        continue; // the server is away for now: ask again next time
      }
      if (!isActive(job) && this._watched.delete(runId)) {
        this.ended(job);
      }
    }
    this._timer = null;
    if (this._watched.size > 0) {
      this._schedule();
    }
  }

  private _watched = new Set<string>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
