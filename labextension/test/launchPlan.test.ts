import { beforeEach, describe, expect, it, vi } from 'vitest';

import { requestAPI } from '../src/handler';
import {
  NO_OPTIONS,
  formatValue,
  launchJob,
  loadParameters,
  parseResources,
  planLaunch,
  splitSweep
} from '../src/launchPlan';
import { IParameterInfo } from '../src/tokens';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

const params: IParameterInfo[] = [
  { name: 'C', type: 'float', default: 1.0, help: '' },
  { name: 'seed', type: 'int', default: 42, help: '' },
  { name: 'layers', type: 'list', default: [8, 8], help: '' }
];

describe('planLaunch', () => {
  it('sends the changed values as typed, for the server to coerce', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: '0.5', sweep: '' },
      seed: { value: '42', sweep: '' },
      layers: { value: '[8,8]', sweep: '' }
    });
    expect(plan).toEqual({
      ok: true,
      runs: 1,
      study: false,
      request: {
        path: 'a.ipynb',
        parameters: { C: '0.5' },
        sweep: {},
        from_text: true
      }
    });
  });

  it('leaves the reading of a wrong value to the server', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: 'big', sweep: '' }
    });
    expect(plan.ok && plan.request.parameters).toEqual({ C: 'big' });
  });

  it('sends sweeps as text and counts the runs of the grid', () => {
    const plan = planLaunch('a.ipynb', params, {
      C: { value: '', sweep: '0.1, 1' },
      seed: { value: '', sweep: '1, 2, 3' },
      layers: { value: '', sweep: '[[4], [8, 8]]' }
    });
    expect(plan.ok && plan.runs).toBe(12);
    expect(plan.ok && plan.request.sweep).toEqual({
      C: ['0.1', '1'],
      seed: ['1', '2', '3'],
      layers: ['[4]', '[8,8]']
    });
  });

  it('stops on a sweep or an option it cannot read, by name', () => {
    const plan = planLaunch(
      'a.ipynb',
      params,
      { C: { value: '', sweep: '[1, 2' } },
      { ...NO_OPTIONS, timeout: '-3', resources: 'GPU' }
    );
    expect(plan).toEqual({
      ok: false,
      errors: {
        C: 'expected a JSON list of values',
        timeout: 'expected a number of seconds above 0',
        resources: 'expected NAME=AMOUNT, e.g. GPU=1, MEMORY=8e9'
      }
    });
  });

  it('adds the timeout and the resources when given', () => {
    const plan = planLaunch('a.ipynb', params, {}, {
      ...NO_OPTIONS,
      timeout: '90',
      resources: 'GPU=1, MEMORY=8e9'
    });
    expect(plan.ok && plan.request).toMatchObject({
      timeout: 90,
      resources: { GPU: 1, MEMORY: 8e9 }
    });
    const none = planLaunch('a.ipynb', params, {});
    expect(none.ok && 'timeout' in none.request).toBe(false);
    expect(none.ok && 'resources' in none.request).toBe(false);
  });
});

describe('planLaunch of a study', () => {
  it('sends the objective and the budget, and counts the trials as runs', () => {
    const plan = planLaunch(
      'a.ipynb',
      params,
      { C: { value: '', sweep: '1e-3:10:log' }, seed: { value: '', sweep: '1:9' } },
      { ...NO_OPTIONS, optimize: 'max(accuracy)', trials: '12' }
    );
    expect(plan).toEqual({
      ok: true,
      runs: 12,
      study: true,
      request: {
        path: 'a.ipynb',
        parameters: {},
        sweep: { C: ['1e-3:10:log'], seed: ['1:9'] },
        from_text: true,
        optimize: 'max(accuracy)',
        trials: 12
      }
    });
  });

  it('needs a whole budget and a sweep to search', () => {
    const plan = planLaunch('a.ipynb', params, {}, {
      ...NO_OPTIONS,
      optimize: 'max(accuracy)',
      trials: '2.5'
    });
    expect(plan).toEqual({
      ok: false,
      errors: {
        trials: 'expected a whole number of trials, at least 1',
        optimize: 'give the values or LOW:HIGH range to search in a sweep field'
      }
    });
  });
});

describe('form text', () => {
  it('splits sweeps as the CLI does', () => {
    expect(splitSweep(' a, b ,, c ')).toEqual(['a', 'b', 'c']);
    expect(splitSweep('[1, "x y", true]')).toEqual(['1', 'x y', 'true']);
    expect(() => splitSweep('[]')).toThrow('expected a non-empty JSON list');
  });

  it('reads resources as names and amounts', () => {
    expect(parseResources('GPU=2')).toEqual({ GPU: 2 });
    expect(() => parseResources('GPU=a')).toThrow('expected NAME=AMOUNT');
    expect(() => parseResources('=1')).toThrow('expected NAME=AMOUNT');
  });

  it('shows defaults as editable text', () => {
    expect(formatValue(null)).toBe('');
    expect(formatValue('text')).toBe('text');
    expect(formatValue([1, 2])).toBe('[1,2]');
  });
});

describe('requests', () => {
  it('launches through POST jobs with the exact body', async () => {
    request.mockResolvedValueOnce({ run_id: 'r9', sweep: false, children: [] });
    const body = { path: 'a.ipynb', parameters: { C: '0.5' }, from_text: true };
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

  it('reads the parameters of a notebook by its encoded path', async () => {
    request.mockResolvedValueOnce({ path: 'a b.ipynb', has_cell: false, parameters: [] });
    await loadParameters('dir/a b.ipynb');
    expect(request).toHaveBeenCalledWith('parameters?path=dir%2Fa%20b.ipynb');
  });
});
