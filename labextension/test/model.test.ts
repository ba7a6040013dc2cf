import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MlopsRequestError, requestAPI } from '../src/handler';
import {
  JobsModel,
  ModelsModel,
  allowedValues,
  coerceValue,
  formatDuration,
  launchJob,
  parseSweep,
  planLaunch,
  progress,
  validateCard
} from '../src/model';
import { IDescribeJob, IModelSummary, IParameterInfo } from '../src/tokens';

vi.mock('../src/handler', () => {
  class MlopsRequestError extends Error {
    constructor(
      message: string,
      readonly status: number,
      readonly code: string
    ) {
      super(message);
    }
  }
  return { requestAPI: vi.fn(), MlopsRequestError };
});

const request = vi.mocked(requestAPI);

function job(overrides: Partial<IDescribeJob> = {}): IDescribeJob {
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
    ename: null,
    evalue: null,
    parent_run_id: null,
    is_sweep: false,
    artifact_uri: '',
    run_url: null,
    ...overrides
  };
}

function model(name: string, extra: Partial<IModelSummary> = {}): IModelSummary {
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

beforeEach(() => request.mockReset());

describe('parameters', () => {
  it('coerces typed text', () => {
    expect(coerceValue('42', 'int')).toBe(42);
    expect(coerceValue('0.5', 'float')).toBe(0.5);
    expect(coerceValue('yes', 'bool')).toBe(true);
    expect(coerceValue('[1, 2]', 'list')).toEqual([1, 2]);
    expect(coerceValue(' a b ', 'str')).toBe(' a b ');
    expect(coerceValue('3', 'any')).toBe(3);
    expect(coerceValue('x', 'any')).toBe('x');
  });

  it('refuses text of the wrong type with a message', () => {
    expect(() => coerceValue('1.5', 'int')).toThrow('expected a whole number');
    expect(() => coerceValue('abc', 'float')).toThrow('expected a number');
    expect(() => coerceValue('maybe', 'bool')).toThrow('expected true or false');
    expect(() => coerceValue('{}', 'list')).toThrow('expected a JSON list');
  });

  it('reads sweep values as a comma list or a JSON list', () => {
    expect(parseSweep('0.1, 1, 10', 'float')).toEqual([0.1, 1, 10]);
    expect(parseSweep('[1, "a"]', 'any')).toEqual([1, 'a']);
    expect(() => parseSweep('1, x', 'int')).toThrow('whole number');
  });

  const params: IParameterInfo[] = [
    { name: 'C', type: 'float', default: 1.0, help: '' },
    { name: 'seed', type: 'int', default: 42, help: '' }
  ];

  it('plans one run with only the changed values', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: '0.5', sweep: '' },
      seed: { value: '42', sweep: '' }
    });
    expect(plan).toEqual({
      ok: true,
      runs: 1,
      request: { path: 'a.ipynb', parameters: { C: 0.5 }, sweep: {} }
    });
  });

  it('plans a sweep and counts its runs', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: '', sweep: '0.1, 1' },
      seed: { value: '', sweep: '1, 2, 3' }
    });
    expect(plan.ok && plan.runs).toBe(6);
    expect(plan.ok && plan.request.sweep).toEqual({ C: [0.1, 1], seed: [1, 2, 3] });
  });

  it('collects errors per parameter instead of sending', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: 'big', sweep: '' },
      seed: { value: '', sweep: '1, x' }
    });
    expect(plan.ok).toBe(false);
    expect(!plan.ok && Object.keys(plan.errors)).toEqual(['C', 'seed']);
  });

  it('launches through POST jobs with the exact body', async () => {
    request.mockResolvedValueOnce({ run_id: 'r9', sweep: false, children: [] });
    const body = { path: 'a.ipynb', parameters: { C: 0.5 }, sweep: {} };
    await expect(launchJob(body)).resolves.toEqual({
      run_id: 'r9',
      sweep: false,
      children: []
    });
    expect(request).toHaveBeenCalledWith('jobs', {
      method: 'POST',
      body: JSON.stringify(body)
    });
  });
});

describe('card validation', () => {
  const schema = {
    properties: {
      name: { anyOf: [{ type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$' }, { type: 'null' }] },
      risk_tier: { anyOf: [{ enum: ['low', 'medium', 'high'] }, { type: 'null' }] },
      stage: { $ref: '#/$defs/Stage' }
    },
    $defs: { Stage: { enum: ['experimental', 'production'] } }
  };

  it('offers the enum values, through $ref too', () => {
    expect(allowedValues(schema, 'risk_tier')).toEqual(['low', 'medium', 'high']);
    expect(allowedValues(schema, 'stage')).toEqual(['experimental', 'production']);
    expect(allowedValues(schema, 'owner')).toBeNull();
  });

  it('reports bad values per field and accepts good ones', () => {
    expect(validateCard(schema, { risk_tier: 'extreme', name: 'bad name!' })).toEqual({
      risk_tier: 'must be one of low, medium, high',
      name: expect.stringContaining('letters, digits')
    });
    expect(validateCard(schema, { risk_tier: 'low', name: 'ok-1', owner: 'x' })).toEqual({});
  });
});

describe('JobsModel', () => {
  afterEach(() => vi.useRealTimers());

  it('lists jobs with the status filter', async () => {
    request.mockResolvedValue({ jobs: [job()] });
    const jobs = new JobsModel();
    await jobs.setStatus('RUNNING');
    expect(request).toHaveBeenCalledWith('jobs?status=RUNNING');
    expect(jobs.jobs).toHaveLength(1);
    expect(jobs.loaded).toBe(true);
  });

  it('polls faster while a job is active, and stops', async () => {
    vi.useFakeTimers();
    request.mockResolvedValue({ jobs: [job()] });
    const jobs = new JobsModel({ activeMs: 100, idleMs: 1000 });
    jobs.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(request).toHaveBeenCalledTimes(2);
    request.mockResolvedValue({ jobs: [job({ status: 'FINISHED' })] });
    await vi.advanceTimersByTimeAsync(100);
    expect(request).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(500);
    expect(request).toHaveBeenCalledTimes(3);
    jobs.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('cancels through the API and shows the new state', async () => {
    request.mockResolvedValueOnce({ jobs: [job()] });
    const jobs = new JobsModel();
    await jobs.refresh();
    request.mockResolvedValueOnce(job({ status: 'KILLED', failure_reason: 'cancelled' }));
    await jobs.cancel('r1');
    expect(request).toHaveBeenLastCalledWith('jobs/r1/cancel', { method: 'POST' });
    expect(jobs.jobs[0].status).toBe('KILLED');
  });

  it('keeps the server message of a failed request', async () => {
    request.mockRejectedValueOnce(
      new MlopsRequestError('The MLflow tracking server does not answer', 503, 'TRACKING_UNAVAILABLE')
    );
    const jobs = new JobsModel();
    const seen = vi.fn();
    jobs.subscribe(seen);
    await jobs.refresh();
    expect(jobs.error).toBe('The MLflow tracking server does not answer');
    expect(seen).toHaveBeenCalled();
  });

  it('computes progress and duration', () => {
    expect(progress(job({ cells_done: 1, cells_total: 4 }))).toBe(0.25);
    expect(progress(job({ status: 'FINISHED', cells_done: 0 }))).toBe(1);
    expect(progress(job({ cells_total: 0 }))).toBe(0);
    expect(formatDuration(5)).toBe('5 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('ModelsModel', () => {
  it('shares one request between concurrent refreshes', async () => {
    request.mockResolvedValue({ models: [model('a')] });
    const models = new ModelsModel();
    await Promise.all([models.refresh(), models.refresh()]);
    expect(request).toHaveBeenCalledTimes(1);
    expect(models.models.map(m => m.name)).toEqual(['a']);
  });

  it('asks for a full refresh on demand', async () => {
    request.mockResolvedValue({ models: [] });
    await new ModelsModel().refresh(true);
    expect(request).toHaveBeenCalledWith('models?refresh=full');
  });

  it('filters by text and risk tier', async () => {
    request.mockResolvedValue({
      models: [
        model('churn', { owner: 'ana', risk_tier: 'high' }),
        model('fraud', { owner: 'bo', risk_tier: 'low' })
      ]
    });
    const models = new ModelsModel();
    await models.refresh();
    expect(models.visible('ANA').map(m => m.name)).toEqual(['churn']);
    expect(models.visible('', 'low').map(m => m.name)).toEqual(['fraud']);
    expect(models.visible('zz')).toEqual([]);
  });

  it('filters by RAG status and alerts, and counts alerts', async () => {
    request.mockResolvedValue({
      models: [
        model('churn', { rag: 'red', alert_status: 'alert', alerts: ['x'] }),
        model('fraud', { rag: 'amber', alert_status: 'ok' }),
        model('spam', { rag: 'green' })
      ]
    });
    const models = new ModelsModel();
    await models.refresh();
    expect(models.visible('', '', 'amber').map(m => m.name)).toEqual(['fraud']);
    expect(models.visible('', '', 'alert').map(m => m.name)).toEqual(['churn']);
    expect(models.visible('', '', '').length).toBe(3);
    expect(models.alertCount).toBe(1);
  });

  it('describes a model once and encodes its name', async () => {
    request.mockResolvedValue({ ...model('a b'), versions: [] });
    const models = new ModelsModel();
    await models.describe('a b');
    await models.describe('a b');
    expect(request).toHaveBeenCalledTimes(1);
    expect(request).toHaveBeenCalledWith('models/a%20b');
  });
});
