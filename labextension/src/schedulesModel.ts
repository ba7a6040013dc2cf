/**
 * The Schedules tab's state: the schedules on the tracking server, the runs
 * each one fired, and the actions on one schedule.
 */
import { requestAPI } from './handler';
import { fetchRunOutput } from './jobsModel';
import { Observable } from './observable';
import {
  ICreateJob,
  IDescribeJob,
  IDescribeSchedule,
  IDescribeScheduleRuns,
  IListSchedulesResponse,
  IPreviewCron,
  IRunScheduleResponse
} from './tokens';

/** What a cron expression means, asked of the server (which reads it with croniter). */
export function previewCron(
  cron: string,
  timezone: string
): Promise<IPreviewCron> {
  const query = new URLSearchParams({ cron, timezone });
  return requestAPI<IPreviewCron>(`schedules/preview?${query.toString()}`);
}

/** Store a schedule that submits `request` at each slot of `cron`. */
export function createSchedule(
  request: ICreateJob,
  timing: { cron: string; timezone: string; name?: string }
): Promise<IDescribeSchedule> {
  const body = { ...request, ...timing, name: timing.name || null };
  return requestAPI<IDescribeSchedule>('schedules', {
    method: 'POST',
    body: JSON.stringify(body)
  });
}

/** `06:00 Tue 8 Dec` from an ISO time, as the schedule's own clock shows it. */
export function formatSlot(iso: string): string {
  // The offset is the schedule's timezone: read the wall-clock part as written.
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!match) {
    return iso;
  }
  const [, year, month, day, hour, minute] = match;
  const date = new Date(Date.UTC(+year, +month - 1, +day));
  const weekday = date.toLocaleDateString('en-GB', {
    weekday: 'short',
    timeZone: 'UTC'
  });
  const monthName = date.toLocaleDateString('en-GB', {
    month: 'short',
    timeZone: 'UTC'
  });
  return `${hour}:${minute} ${weekday} ${+day} ${monthName}`;
}

/** The schedules, reloaded on show and after each action. */
export class SchedulesModel extends Observable {
  get schedules(): IDescribeSchedule[] {
    return this._schedules;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  /** The last action's outcome, for the status line. */
  get notice(): string | null {
    return this._notice;
  }

  /** The runs a schedule fired, once asked for. */
  runs(id: string): IDescribeJob[] | undefined {
    return this._runs.get(id);
  }

  async refresh(): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IListSchedulesResponse>('schedules')
    );
    if (body) {
      this._schedules = body.schedules;
      this._loaded = true;
      this.emit();
    }
  }

  /** Read the runs a schedule fired (newest first). */
  async loadRuns(id: string): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IDescribeScheduleRuns>(`schedules/${encodeURIComponent(id)}`)
    );
    if (body) {
      this._runs.set(id, body.runs);
      this._replace(body.schedule);
    }
  }

  pause(id: string): Promise<void> {
    return this._act(id, 'pause', 'Paused: no slot fires until it is resumed.');
  }

  resume(id: string): Promise<void> {
    return this._act(id, 'resume', 'Resumed: the next slot fires.');
  }

  async runNow(id: string): Promise<string | undefined> {
    const body = await this.guard(() =>
      requestAPI<IRunScheduleResponse>(
        `schedules/${encodeURIComponent(id)}/run`,
        { method: 'POST' }
      )
    );
    if (body) {
      this._notice = `Run ${body.run_id.slice(0, 8)} submitted.`;
      await this.loadRuns(id);
    }
    return body?.run_id;
  }

  /** Put a fired run's executed notebook under the server root; its path there. */
  fetchOutput(runId: string): Promise<string | undefined> {
    return this.guard(() => fetchRunOutput(runId));
  }

  async remove(id: string): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IDescribeSchedule>(`schedules/${encodeURIComponent(id)}`, {
        method: 'DELETE'
      })
    );
    if (body) {
      this._schedules = this._schedules.filter(s => s.id !== id);
      this._runs.delete(id);
      this._notice = `Schedule ${body.name} deleted; the runs it fired stay.`;
      this.emit();
    }
  }

  private async _act(id: string, action: string, notice: string): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IDescribeSchedule>(
        `schedules/${encodeURIComponent(id)}/${action}`,
        { method: 'POST' }
      )
    );
    if (body) {
      this._notice = notice;
      this._replace(body);
    }
  }

  private _replace(schedule: IDescribeSchedule): void {
    this._schedules = this._schedules.map(s =>
      s.id === schedule.id ? schedule : s
    );
    this.emit();
  }

  private _schedules: IDescribeSchedule[] = [];
  private _runs = new Map<string, IDescribeJob[]>();
  private _loaded = false;
  private _notice: string | null = null;
}
