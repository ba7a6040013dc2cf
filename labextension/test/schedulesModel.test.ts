import { beforeEach, describe, expect, it, vi } from 'vitest';

import { MlopsRequestError, requestAPI } from '../src/handler';
import {
  SchedulesModel,
  createSchedule,
  formatSlot,
  previewCron
} from '../src/schedulesModel';
import { IDescribeSchedule } from '../src/tokens';
import { job } from './fixtures';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

function schedule(fields: Partial<IDescribeSchedule> = {}): IDescribeSchedule {
  return {
    id: 's1',
    name: 'nightly',
    cron: '0 6 * * 1-5',
    description: 'At 06:00, Monday through Friday',
    timezone: 'Europe/London',
    catch_up: 'once',
    paused: false,
    notebook: '/root/train.ipynb',
    revision: 1,
    options: {},
    fired: 0,
    last_slot: null,
    last_run: null,
    last_status: '',
    last_error: null,
    next: ['2026-12-08T06:00:00+00:00'],
    ...fields
  };
}

describe('formatSlot', () => {
  it('shows the wall-clock time of the schedule, not the browser', () => {
    expect(formatSlot('2026-12-08T06:00:00+00:00')).toBe('06:00 Tue 8 Dec');
    expect(formatSlot('2027-06-07T06:30:00+01:00')).toBe('06:30 Mon 7 Jun');
    expect(formatSlot('soon')).toBe('soon');
  });
});

describe('requests', () => {
  it('previews an expression with its timezone in the query', async () => {
    request.mockResolvedValue({});
    await previewCron('0 6 * * 1-5', 'Europe/London');
    expect(request).toHaveBeenCalledWith(
      'schedules/preview?cron=0+6+*+*+1-5&timezone=Europe%2FLondon'
    );
  });

  it('creates a schedule from the launch form job and the timing', async () => {
    request.mockResolvedValue(schedule());
    await createSchedule(
      { path: 'train.ipynb', parameters: { C: 1 } },
      { cron: '0 6 * * *', timezone: 'UTC', name: '' }
    );
    const [endpoint, init] = request.mock.calls[0];
    expect(endpoint).toBe('schedules');
    expect(JSON.parse(init.body)).toEqual({
      path: 'train.ipynb',
      parameters: { C: 1 },
      cron: '0 6 * * *',
      timezone: 'UTC',
      name: null
    });
  });
});

describe('SchedulesModel', () => {
  it('lists, pauses and resumes, replacing the row it changed', async () => {
    request.mockResolvedValueOnce({ schedules: [schedule(), schedule({ id: 's2' })] });
    const model = new SchedulesModel();
    await model.refresh();
    expect(model.loaded).toBe(true);
    request.mockResolvedValueOnce(schedule({ paused: true, next: [] }));
    await model.pause('s1');
    expect(request).toHaveBeenLastCalledWith('schedules/s1/pause', { method: 'POST' });
    expect(model.schedules.map(s => s.paused)).toEqual([true, false]);
    expect(model.notice).toContain('Paused');
    request.mockResolvedValueOnce(schedule());
    await model.resume('s1');
    expect(model.schedules[0].paused).toBe(false);
  });

  it('runs now and then reads the runs the schedule fired', async () => {
    request.mockResolvedValueOnce({ schedules: [schedule()] });
    const model = new SchedulesModel();
    await model.refresh();
    request.mockResolvedValueOnce({ run_id: 'abcdef0123' });
    request.mockResolvedValueOnce({
      schedule: schedule({ fired: 0, last_run: 'abcdef0123' }),
      runs: [job({ run_id: 'abcdef0123' })]
    });
    expect(await model.runNow('s1')).toBe('abcdef0123');
    expect(request.mock.calls[1][0]).toBe('schedules/s1/run');
    expect(request.mock.calls[2][0]).toBe('schedules/s1');
    expect(model.runs('s1')?.map(r => r.run_id)).toEqual(['abcdef0123']);
    expect(model.schedules[0].last_run).toBe('abcdef0123');
    expect(model.notice).toBe('Run abcdef01 submitted.');
  });

  it('deletes a schedule and keeps the server message of a refusal', async () => {
    request.mockResolvedValueOnce({ schedules: [schedule()] });
    const model = new SchedulesModel();
    await model.refresh();
    request.mockRejectedValueOnce(
      new MlopsRequestError("No schedule 's1'.", 404, 'NOT_FOUND')
    );
    await model.pause('s1');
    expect(model.error).toBe("No schedule 's1'.");
    request.mockResolvedValueOnce(schedule());
    await model.remove('s1');
    expect(request).toHaveBeenLastCalledWith('schedules/s1', { method: 'DELETE' });
    expect(model.schedules).toEqual([]);
    expect(model.error).toBeNull();
  });
});
