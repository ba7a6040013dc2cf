import React from 'react';

import { failureFacts, isActive } from './jobsModel';
import { RunLink } from './runLink';
import { SchedulesModel, formatSlot } from './schedulesModel';
import { IDescribeJob, IDescribeSchedule } from './tokens';

/** "Schedules": every schedule on the tracking server and the runs it fired. */
export function SchedulesView(props: {
  schedules: SchedulesModel;
  onOpenRun: (runId: string) => void;
  /** A run fired from here, to be followed until it ends. */
  onFired: (runId: string) => void;
}): JSX.Element {
  const { schedules } = props;
  return (
    <div className="jp-mlops-SchedulesView">
      <div className="jp-mlops-Toolbar">
        <button
          type="button"
          className="jp-mlops-Refresh jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => void schedules.refresh()}
        >
          Refresh
        </button>
      </div>
      {schedules.error && (
        <div className="jp-mlops-Error" role="alert">
          {schedules.error}
        </div>
      )}
      {schedules.notice && !schedules.error && (
        <div className="jp-mlops-Notice" role="status">
          {schedules.notice}
        </div>
      )}
      {!schedules.loaded ? (
        !schedules.error && <div className="jp-mlops-Status">Loading schedules…</div>
      ) : schedules.schedules.length === 0 ? (
        <div className="jp-mlops-Empty">
          No schedules yet. Schedule a notebook from its launch form (“This
          notebook”), or with <code>jupyter mlops schedule create</code>.
        </div>
      ) : (
        <ul className="jp-mlops-ScheduleList">
          {schedules.schedules.map(schedule => (
            <ScheduleRow
              key={schedule.id}
              schedule={schedule}
              schedules={schedules}
              onOpenRun={props.onOpenRun}
              onFired={props.onFired}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function ScheduleRow(props: {
  schedule: IDescribeSchedule;
  schedules: SchedulesModel;
  onOpenRun: (runId: string) => void;
  onFired: (runId: string) => void;
}): JSX.Element {
  const { schedule, schedules } = props;
  const [open, setOpen] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const runs = schedules.runs(schedule.id);
  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };
  // While the runs are shown and one of them can still change, read them again.
  const live = open && (runs ?? []).some(isActive);
  React.useEffect(() => {
    if (!live) {
      return;
    }
    const timer = setTimeout(() => void schedules.loadRuns(schedule.id), 2000);
    return () => clearTimeout(timer);
  }, [live, runs, schedule.id]);
  const toggle = (): void => {
    setOpen(!open);
    if (!open) {
      void schedules.loadRuns(schedule.id);
    }
  };
  return (
    <li
      className={`jp-mlops-Schedule${schedule.paused ? ' jp-mod-paused' : ''}`}
      data-schedule-id={schedule.id}
    >
      <div className="jp-mlops-JobHeader">
        <span className="jp-mlops-JobName" title={schedule.notebook}>
          {schedule.name}
        </span>
        <span className="jp-mlops-ScheduleState">
          {schedule.paused ? 'paused' : 'active'}
        </span>
      </div>
      <div
        className="jp-mlops-ScheduleWhen"
        title={schedule.trigger || schedule.cron}
      >
        {schedule.description}
        {!schedule.trigger && (
          <span className="jp-mlops-ScheduleZone"> ({schedule.timezone})</span>
        )}
      </div>
      <div className="jp-mlops-JobMeta">
        <span className="jp-mlops-ScheduleNext">
          {schedule.trigger
            ? `on ${schedule.trigger}`
            : schedule.paused || schedule.next.length === 0
              ? 'no next run'
              : `next ${formatSlot(schedule.next[0])}`}
        </span>
        <span className="jp-mlops-ScheduleLast">
          {schedule.last_run
            ? `last run ${schedule.last_status || 'submitted'}`
            : 'never run'}
        </span>
      </div>
      {schedule.last_error && (
        <div className="jp-mlops-JobFailure">{schedule.last_error}</div>
      )}
      <div className="jp-mlops-JobActions">
        <button
          type="button"
          className="jp-mlops-LinkButton jp-mlops-ScheduleRuns"
          aria-expanded={open}
          onClick={toggle}
        >
          {open ? 'Hide runs' : `Runs (${schedule.fired})`}
        </button>
        <button
          type="button"
          className="jp-mlops-LinkButton jp-mlops-RunNow"
          disabled={busy}
          onClick={() =>
            void act(async () => {
              const runId = await schedules.runNow(schedule.id);
              if (runId) {
                props.onFired(runId);
              }
            })
          }
        >
          Run now
        </button>
        <button
          type="button"
          className="jp-mlops-LinkButton jp-mlops-PauseResume"
          disabled={busy}
          onClick={() =>
            void act(() =>
              schedule.paused
                ? schedules.resume(schedule.id)
                : schedules.pause(schedule.id)
            )
          }
        >
          {schedule.paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          className="jp-mlops-LinkButton jp-mlops-DeleteSchedule"
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Delete schedule ${schedule.name}? The runs it fired stay.`)) {
              void act(() => schedules.remove(schedule.id));
            }
          }}
        >
          Delete
        </button>
      </div>
      {open && (
        <div className="jp-mlops-ScheduleDetail">
          {!schedule.trigger && (
            <>
              <div className="jp-mlops-Hint">
                Next runs ({schedule.timezone}):
              </div>
              <ol className="jp-mlops-ScheduleNextList">
                {schedule.next.map(slot => (
                  <li key={slot} title={slot}>
                    {formatSlot(slot)}
                  </li>
                ))}
              </ol>
            </>
          )}
          {runs === undefined ? (
            <div className="jp-mlops-Status">Loading runs…</div>
          ) : runs.length === 0 ? (
            <div className="jp-mlops-Empty">No runs fired yet.</div>
          ) : (
            <ul className="jp-mlops-ScheduleRunList">
              {runs.map(run => (
                <FiredRun key={run.run_id} run={run} onOpenRun={props.onOpenRun} />
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

function FiredRun(props: {
  run: IDescribeJob;
  onOpenRun: (runId: string) => void;
}): JSX.Element {
  const { run } = props;
  const when = run.start_time ? new Date(run.start_time).toLocaleString() : '';
  const failure = failureFacts(run).join(' · ');
  return (
    <li
      className={`jp-mlops-FiredRun jp-mlops-mod-${run.status.toLowerCase()}`}
      data-run-id={run.run_id}
    >
      <span className="jp-mlops-JobStatus">{run.status}</span>{' '}
      <span className="jp-mlops-FiredWhen">{when}</span>
      {failure && <div className="jp-mlops-JobFailure">{failure}</div>}
      <div className="jp-mlops-JobActions">
        {!run.is_sweep && !isActive(run) && (
          <button
            type="button"
            className="jp-mlops-LinkButton jp-mlops-OpenOutput"
            onClick={() => props.onOpenRun(run.run_id)}
          >
            Open output
          </button>
        )}
        <RunLink url={run.run_url} runId={run.run_id} />
      </div>
    </li>
  );
}
