import { beforeEach, describe, expect, it, vi } from 'vitest';

import { requestAPI } from '../src/handler';
import { ServerConfigModel } from '../src/serverConfig';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

const LOCAL = {
  executor: 'local',
  features: { cancel: true, resources: false, timeout: true },
  tracking_uri_is_remote: false
};

describe('ServerConfigModel', () => {
  it('supports nothing until the configuration is read', () => {
    const config = new ServerConfigModel();
    expect(config.config).toBeNull();
    expect(config.supports('cancel')).toBe(false);
  });

  it("answers by the executor's features", async () => {
    request.mockResolvedValueOnce(LOCAL);
    const config = new ServerConfigModel();
    const seen = vi.fn();
    config.subscribe(seen);
    await config.load();
    expect(request).toHaveBeenCalledWith('config');
    expect(config.supports('cancel')).toBe(true);
    expect(config.supports('resources')).toBe(false);
    expect(config.supports('no-such-feature')).toBe(false);
    expect(seen).toHaveBeenCalled();
  });

  it('reads the configuration once, sharing a request in flight', async () => {
    request.mockResolvedValue(LOCAL);
    const config = new ServerConfigModel();
    await Promise.all([config.load(), config.load()]);
    await config.load();
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('reads it again after a failure, keeping the message meanwhile', async () => {
    request.mockRejectedValueOnce(new Error('server down'));
    const config = new ServerConfigModel();
    await config.load();
    expect(config.error).toBe('server down');
    expect(config.supports('cancel')).toBe(false);
    request.mockResolvedValueOnce(LOCAL);
    await config.load();
    expect(config.error).toBeNull();
    expect(config.supports('cancel')).toBe(true);
  });
});
