import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MlopsRequestError, requestAPI } from '../src/handler';
import { JobWatch, jobNotice } from '../src/jobWatch';
import { IDescribeJob } from '../src/tokens';
import { job } from './fixtures';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => {
  request.mockReset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('jobNotice', () => {
  it('names the failing cell and the exception as papermill does', () => {
    const failed = job({
      status: 'FAILED',
      failure_reason: 'cell error',
      failed_cell_label: 'In [3]',
      ename: 'ValueError',
      evalue: 'bad rows'
    });
    expect(jobNotice(failed)).toEqual({
      message: 'Job train failed: In [3] · ValueError: bad rows',
      failed: true
    });
  });

  it('says a stop and a finish', () => {
    expect(jobNotice(job({ status: 'KILLED', failure_reason: 'cancelled' })).message).toBe(
      'Job train was stopped: cancelled'
    );
    expect(jobNotice(job({ status: 'FINISHED', duration_s: 75, is_sweep: true }))).toEqual({
      message: 'Sweep train finished in 1 min 15 s.',
      failed: false
    });
  });
});

describe('JobWatch', () => {
  it('tells once how each watched job ended, then stops asking', async () => {
    const ended: IDescribeJob[] = [];
    const watch = new JobWatch(j => ended.push(j), { intervalMs: 100 });
    request.mockResolvedValueOnce(job({ status: 'RUNNING' }));
    watch.watch('r1');
    await vi.advanceTimersByTimeAsync(100);
    expect(request).toHaveBeenCalledWith('jobs/r1');
    expect(ended).toEqual([]);
    request.mockRejectedValueOnce(new MlopsRequestError('down', 0, 'NETWORK_ERROR'));
    await vi.advanceTimersByTimeAsync(100);
    expect(watch.watching).toEqual(['r1']); // asked again after the server comes back
    request.mockResolvedValueOnce(job({ status: 'FAILED', ename: 'KeyError' }));
    await vi.advanceTimersByTimeAsync(100);
    expect(ended.map(j => j.status)).toEqual(['FAILED']);
    expect(watch.watching).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('stops on dispose', async () => {
    const watch = new JobWatch(() => undefined, { intervalMs: 100 });
    watch.watch('r1');
    watch.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(request).not.toHaveBeenCalled();
  });
});
