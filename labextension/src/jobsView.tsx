import React from 'react';

import {
  JobsModel,
  failureFacts,
  formatDuration,
  isActive,
  progress
} from './jobsModel';
import { RunLink } from './runLink';
import { ServerConfigModel } from './serverConfig';
import { IDescribeJob, JobStatus } from './tokens';

const STATUSES: Array<JobStatus | ''> = [
  '',
  'SCHEDULED',
  'RUNNING',
  'FINISHED',
  'FAILED',
  'KILLED'
];

/** "Jobs": every job on the tracking server, live. */
export function JobsView(props: {
  jobs: JobsModel;
  config: ServerConfigModel;
  onOpen: (path: string) => void;
}): JSX.Element {
  const { jobs, config } = props;
  const canCancel = config.supports('cancel');
  return (
    <div className="jp-mlops-JobsView">
      <div className="jp-mlops-Toolbar">
        <select
          className="jp-mlops-Input jp-mlops-StatusFilter"
          aria-label="Show jobs with status"
          value={jobs.status}
          onChange={event =>
            void jobs.setStatus(event.target.value as JobStatus | '')
          }
        >
          {STATUSES.map(status => (
            <option key={status} value={status}>
              {status || 'All jobs'}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="jp-mlops-Refresh jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => void jobs.refresh()}
        >
          Refresh
        </button>
      </div>
      {jobs.error && (
        <div className="jp-mlops-Error" role="alert">
          {jobs.error}
        </div>
      )}
      {!jobs.loaded ? (
        <div className="jp-mlops-Status">Loading jobs…</div>
      ) : jobs.jobs.length === 0 ? (
        <div className="jp-mlops-Empty">No jobs yet.</div>
      ) : (
        <ul className="jp-mlops-JobList">
          {jobs.jobs.map(job => (
            <JobRow
              key={job.run_id}
              job={job}
              jobs={jobs}
              canCancel={canCancel}
              onOpen={props.onOpen}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function JobRow(props: {
  job: IDescribeJob;
  jobs: JobsModel;
  /** Whether the server's executor can stop a running job. */
  canCancel: boolean;
  onOpen: (path: string) => void;
}): JSX.Element {
  const { job, jobs } = props;
  const [busy, setBusy] = React.useState(false);
  const percent = Math.round(progress(job) * 100);
  const params = Object.entries(job.parameters)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const open = async (): Promise<void> => {
    setBusy(true);
    const path = await jobs.fetchOutput(job.run_id);
    setBusy(false);
    if (path) {
      props.onOpen(path);
    }
  };
  const failure =
    job.failure_reason &&
[job.failure_reason, ...failureFacts(job)].join(' · ');
  return (
    <li
      className={`jp-mlops-Job jp-mlops-mod-${job.status.toLowerCase()}`}
      data-run-id={job.run_id}
    >
      <div className="jp-mlops-JobHeader">
        <span className="jp-mlops-JobName" title={job.notebook}>
          {job.is_sweep ? 'Sweep: ' : ''}
          {job.name}
        </span>
        <span className="jp-mlops-JobStatus">{job.status}</span>
      </div>
      {!job.is_sweep && (
        <div
          className="jp-mlops-Progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={job.cells_total}
          aria-valuenow={job.cells_done}
          title={`${job.cells_done} of ${job.cells_total} cells`}
        >
          <div className="jp-mlops-ProgressBar" style={{ width: `${percent}%` }} />
        </div>
      )}
      <div className="jp-mlops-JobMeta">
        <span className="jp-mlops-JobDuration">{formatDuration(job.duration_s)}</span>
        {!job.is_sweep && (
          <span className="jp-mlops-JobCells">
            {job.cells_done}/{job.cells_total} cells
          </span>
        )}
        {params && <span className="jp-mlops-JobParams">{params}</span>}
      </div>
      {failure && <div className="jp-mlops-JobFailure">{failure}</div>}
      <div className="jp-mlops-JobActions">
        {!job.is_sweep && !isActive(job) && (
          <button
            type="button"
            className="jp-mlops-LinkButton jp-mlops-OpenOutput"
            disabled={busy}
            onClick={() => void open()}
          >
            Open output
          </button>
        )}
        <RunLink url={job.run_url} runId={job.run_id} />
        {props.canCancel && isActive(job) && (
          <button
            type="button"
            className="jp-mlops-LinkButton jp-mlops-Cancel"
            onClick={() => void jobs.cancel(job.run_id)}
          >
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}
