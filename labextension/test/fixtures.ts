import { IDescribeJob, IModelSummary } from '../src/tokens';

/** A job as `GET mlops/jobs` answers it. */
export function job(overrides: Partial<IDescribeJob> = {}): IDescribeJob {
  return {
    run_id: 'r1',
    experiment_id: '1',
    name: 'train',
    status: 'RUNNING',
    notebook: '/root/train.ipynb',
    parameters: {},
    executor: 'local',
    cells_done: 1,
    cells_total: 4,
    start_time: 0,
    end_time: null,
    duration_s: 3,
    failure_reason: null,
    failed_cell: null,
    failed_cell_label: null,
    ename: null,
    evalue: null,
    parent_run_id: null,
    is_sweep: false,
    attempt: 1,
    artifact_uri: '',
    run_url: null,
    ...overrides
  };
}

/** A model as `GET mlops/models` answers it. */
export function model(name: string, extra: Partial<IModelSummary> = {}): IModelSummary {
  return {
    name,
    description: '',
    owner: null,
    use_case: null,
    risk_tier: null,
    stage: null,
    latest_version: '1',
    aliases: {},
    tags: {},
    updated_at: 1,
    rag: null,
    rag_reasons: [],
    alert_status: null,
    alerts: [],
    ...extra
  };
}
