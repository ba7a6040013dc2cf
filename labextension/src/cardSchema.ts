/**
 * The model card as its JSON Schema (`GET mlops/card/schema`) describes it:
 * which fields the form shows, their labels, the values they allow and how
 * they are checked. Nothing about the card is known here beyond the schema,
 * so a field or value added to the card needs no change in the sidebar.
 */
import { requestAPI } from './handler';
import { IDescribeCardSchema, JsonValue } from './tokens';

/** The card's JSON Schema (its `json_schema`). */
export type CardSchema = Record<string, JsonValue>;

/** One property of the card's JSON Schema, as far as the form needs it. */
interface ISchemaProperty {
  type?: string;
  title?: string;
  description?: string;
  enum?: string[];
  pattern?: string;
  anyOf?: ISchemaProperty[];
  $ref?: string;
}

/** A field of the card form: a text input, or a choice when `options` is set. */
export interface ICardField {
  field: string;
  label: string;
  /** What the field is for, from the schema's description. */
  help: string;
  /** The allowed values, or null for free text. */
  options: string[] | null;
}

let schemaPromise: Promise<IDescribeCardSchema> | null = null;

/** The card's schema, fetched once per page (again after a failure). */
export function loadCardSchema(): Promise<IDescribeCardSchema> {
  if (schemaPromise === null) {
    schemaPromise = requestAPI<IDescribeCardSchema>('card/schema').catch(
      reason => {
        schemaPromise = null;
        throw reason;
      }
    );
  }
  return schemaPromise;
}

/**
 * The fields edited as one line of text, in the schema's order; lists,
 * objects and nested rules (inputs, tags, alerts) are edited elsewhere.
 */
export function cardFormFields(schema: CardSchema): ICardField[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonValue>;
  return Object.keys(properties)
    .filter(field => {
      const types = variants(schema, field).flatMap(p => (p.type ? [p.type] : []));
      return (
        types.includes('string') &&
        types.every(t => t === 'string' || t === 'null')
      );
    })
    .map(field => {
      const property = propertyOf(schema, field);
      return {
        field,
        label: property?.title ?? field,
        help: property?.description ?? '',
        options: allowedValues(schema, field)
      };
    });
}

/** The values a card field allows (from the schema's enums), or null for free text. */
export function allowedValues(schema: CardSchema, field: string): string[] | null {
  const options = variants(schema, field).flatMap(p => p.enum ?? []);
  return options.length > 0 ? options : null;
}

/**
 * What an emptied field holds: null (the field is left out, so the card's
 * default applies) unless the field takes any text but not null.
 */
export function emptyValue(schema: CardSchema, field: string): '' | null {
  const found = variants(schema, field);
  const freeText = found.some(p => p.type === 'string' && !p.enum && !p.pattern);
  const nullable = found.some(p => p.type === 'null');
  return freeText && !nullable ? '' : null;
}

/** Errors of the text fields of a card, by field, checked against the schema. */
export function validateCard(
  schema: CardSchema,
  card: Record<string, JsonValue>
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, value] of Object.entries(card)) {
    if (value === null || value === '' || typeof value !== 'string') {
      continue;
    }
    const allowed = allowedValues(schema, field);
    if (allowed && !allowed.includes(value)) {
      errors[field] = `must be one of ${allowed.join(', ')}`;
      continue;
    }
    const pattern = variants(schema, field).find(p => p.pattern)?.pattern;
    if (pattern && !new RegExp(pattern).test(value)) {
      errors[field] = PATTERN_HINTS[pattern] ?? `must match ${pattern}`;
    }
  }
  return errors;
}

/** Patterns said in words; any other pattern is shown as it is. */
const PATTERN_HINTS: Record<string, string> = {
  // The MLflow model name rule of the card's `name`.
  '^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$':
    'use letters, digits, “.”, “_” or “-”, starting with a letter or digit'
};

function propertyOf(schema: CardSchema, field: string): ISchemaProperty | undefined {
  const properties = schema.properties as Record<string, JsonValue> | undefined;
  return properties?.[field] as ISchemaProperty | undefined;
}

/** The property and each of its `anyOf` alternatives, with `$ref`s resolved. */
function variants(schema: CardSchema, field: string): ISchemaProperty[] {
  const property = propertyOf(schema, field);
  if (!property) {
    return [];
  }
  return [property, ...(property.anyOf ?? [])]
    .map(p => (p.$ref ? resolveRef(schema, p.$ref) : p))
    .filter((p): p is ISchemaProperty => p !== undefined);
}

function resolveRef(schema: CardSchema, ref: string): ISchemaProperty | undefined {
  const name = ref.split('/').pop() ?? '';
  const defs = schema.$defs as Record<string, JsonValue> | undefined;
  return defs?.[name] as ISchemaProperty | undefined;
}
