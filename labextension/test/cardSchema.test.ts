import { readFileSync } from 'fs';

import { beforeEach, describe, expect, it, vi } from 'vitest';

import {
  CardSchema,
  allowedValues,
  cardFormFields,
  emptyValue,
  loadCardSchema,
  validateCard
} from '../src/cardSchema';
import { requestAPI } from '../src/handler';

vi.mock('../src/handler', () => import('./handlerMock'));

const request = vi.mocked(requestAPI);

beforeEach(() => request.mockReset());

const schema: CardSchema = {
  properties: {
    name: {
      title: 'Name',
      anyOf: [{ type: 'string', pattern: '^[a-z]+$' }, { type: 'null' }]
    },
    notes: { title: 'Notes', type: 'string', description: 'Free text.' },
    tier: { anyOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'null' }] },
    stage: { $ref: '#/$defs/Stage' },
    inputs: { type: 'array', items: { type: 'string' } },
    tags: { type: 'object' }
  },
  $defs: { Stage: { type: 'string', enum: ['dev', 'prod'] } }
};

describe('card form from the schema', () => {
  it('lists the one-line fields in order, with titles and choices', () => {
    expect(cardFormFields(schema)).toEqual([
      { field: 'name', label: 'Name', help: '', options: null },
      { field: 'notes', label: 'Notes', help: 'Free text.', options: null },
      { field: 'tier', label: 'tier', help: '', options: ['a', 'b'] },
      { field: 'stage', label: 'stage', help: '', options: ['dev', 'prod'] }
    ]);
  });

  it('offers the enum values, through $ref too', () => {
    expect(allowedValues(schema, 'tier')).toEqual(['a', 'b']);
    expect(allowedValues(schema, 'stage')).toEqual(['dev', 'prod']);
    expect(allowedValues(schema, 'notes')).toBeNull();
    expect(allowedValues(schema, 'missing')).toBeNull();
  });

  it('empties a field to null unless it takes any text but not null', () => {
    expect(emptyValue(schema, 'notes')).toBe('');
    expect(emptyValue(schema, 'name')).toBeNull();
    expect(emptyValue(schema, 'stage')).toBeNull();
  });

  it('reports bad values per field and accepts good ones', () => {
    expect(validateCard(schema, { tier: 'c', name: 'Bad name' })).toEqual({
      tier: 'must be one of a, b',
      name: 'must match ^[a-z]+$'
    });
    expect(validateCard(schema, { tier: 'a', name: 'ok', notes: 'x' })).toEqual({});
  });

  it('fetches the schema once, and again after a failure', async () => {
    request.mockRejectedValueOnce(new Error('down'));
    await expect(loadCardSchema()).rejects.toThrow('down');
    request.mockResolvedValueOnce({ schema_version: 1, json_schema: schema });
    await loadCardSchema();
    await loadCardSchema();
    expect(request).toHaveBeenCalledTimes(2);
    expect(request).toHaveBeenCalledWith('card/schema');
  });
});

// Written by tests/test_labextension_unit.py from the Python card model.
const served = process.env.MLOPS_CARD_SCHEMA;

describe.skipIf(!served)("the server's card schema", () => {
  const real = served ? (JSON.parse(readFileSync(served, 'utf-8')) as CardSchema) : {};
  const fields = cardFormFields(real);
  const names = fields.map(f => f.field);

  it('gives a form of its text and choice fields only', () => {
    expect(names).toEqual(expect.arrayContaining(['name', 'owner', 'description']));
    for (const nested of ['inputs', 'tags', 'alerts', 'smoke_parameters']) {
      expect(names).not.toContain(nested);
    }
  });

  it('checks every choice field against its own values', () => {
    const choices = fields.filter(f => f.options);
    expect(choices.length).toBeGreaterThan(0);
    for (const { field, options } of choices) {
      expect(validateCard(real, { [field]: 'zz-not-a-value' })[field]).toBe(
        `must be one of ${options!.join(', ')}`
      );
      expect(validateCard(real, { [field]: options![0] })).toEqual({});
    }
  });

  it('says the model name rule in words', () => {
    expect(validateCard(real, { name: 'bad name!' }).name).toContain('letters, digits');
    expect(validateCard(real, { name: 'churn-v2.1' })).toEqual({});
  });

  it('keeps an emptied description as text, and drops other emptied fields', () => {
    expect(emptyValue(real, 'description')).toBe('');
    expect(emptyValue(real, 'owner')).toBeNull();
    expect(emptyValue(real, 'name')).toBeNull();
  });
});
