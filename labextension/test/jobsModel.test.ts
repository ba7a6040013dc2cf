import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MlopsRequestError, requestAPI } from '../src/handler';
import {
  JobsModel,
  exceptionText,
  formatDuration,
  isActive,
  progress
} from '../src/jobsModel';
import { job } from './fixtures';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

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
    expect(formatDuration(3725)).toBe('1 h 2 min');
  });

  it('tells active jobs from ended ones', () => {
    expect(isActive(job({ status: 'SCHEDULED' }))).toBe(true);
    expect(isActive(job({ status: 'RUNNING' }))).toBe(true);
    expect(isActive(job({ status: 'KILLED' }))).toBe(false);
  });

  it('fetches the output and answers its path', async () => {
    request.mockResolvedValueOnce({ path: 'mlops-outputs/r1/train.ipynb' });
    const jobs = new JobsModel();
    await expect(jobs.fetchOutput('r1')).resolves.toBe('mlops-outputs/r1/train.ipynb');
    expect(request).toHaveBeenCalledWith('jobs/r1/output', { method: 'POST' });
  });
});

describe('exceptionText', () => {
  it('reads as Python prints an exception', () => {
    expect(exceptionText('ValueError', 'bad x')).toBe('ValueError: bad x');
    expect(exceptionText('E', '')).toBe('E');
    expect(exceptionText('E', null)).toBe('E');
    expect(exceptionText(null, 'worker lost')).toBe('worker lost');
    expect(exceptionText(null, null)).toBeNull();
  });
});
