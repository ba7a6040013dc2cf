import { beforeEach, describe, expect, it, vi } from 'vitest';

import { requestAPI } from '../src/handler';
import { ModelsModel, matches } from '../src/modelsModel';
import { model } from './fixtures';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

describe('ModelsModel', () => {
  it('matches the filter text in any listed field and alias', () => {
    const m = model('churn', { use_case: 'Retention', aliases: { champion: '2' } });
    expect(matches(m, ' retention ')).toBe(true);
    expect(matches(m, 'CHAMP')).toBe(true);
    expect(matches(m, '')).toBe(true);
    expect(matches(m, 'fraud')).toBe(false);
  });

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
