import { beforeEach, describe, expect, it, vi } from 'vitest';

import { MlopsRequestError, requestAPI } from '../src/handler';
import { Observable, describeError } from '../src/observable';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

/** The smallest model: one guarded request. */
class Probe extends Observable {
  read(): Promise<unknown> {
    return this.guard(() => request('x'));
  }
}

beforeEach(() => request.mockReset());

describe('Observable', () => {
  it('keeps the error of a failed request, then clears it on success', async () => {
    const probe = new Probe();
    request.mockRejectedValueOnce(new MlopsRequestError('no store', 503, 'X'));
    await expect(probe.read()).resolves.toBeUndefined();
    expect(probe.error).toBe('no store');
    request.mockResolvedValueOnce({ ok: 1 });
    await expect(probe.read()).resolves.toEqual({ ok: 1 });
    expect(probe.error).toBeNull();
  });

  it('tells its listeners after each request until they unsubscribe', async () => {
    const probe = new Probe();
    const seen = vi.fn();
    const stop = probe.subscribe(seen);
    request.mockResolvedValue({});
    await probe.read();
    request.mockRejectedValueOnce(new Error('down'));
    await probe.read();
    expect(seen).toHaveBeenCalledTimes(2);
    stop();
    await probe.read();
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it('describes any thrown value as text', () => {
    expect(describeError(new MlopsRequestError('bad path', 400, 'INVALID'))).toBe('bad path');
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('plain')).toBe('plain');
  });
});
