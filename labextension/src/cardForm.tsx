import React from 'react';

import {
  CardSchema,
  cardFormFields,
  emptyValue,
  loadCardSchema,
  validateCard
} from './cardSchema';
import { formatValue } from './launchPlan';
import {
  Card,
  INotebookHandle,
  METADATA_KEY,
  SCHEMA_VERSION,
  readCard
} from './notebookHandle';
import { describeError } from './observable';

/**
 * The card's one-line fields, as the card's schema lists them, edited in the
 * open notebook's metadata; the other fields are kept as they are.
 */
export function CardForm(props: { notebook: INotebookHandle }): JSX.Element {
  const { notebook } = props;
  const [card, setCard] = React.useState<Card>(() => readCard(notebook));
  const [schema, setSchema] = React.useState<CardSchema | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  // A card set elsewhere (the kernel's card editor, another view) replaces the form's.
  React.useEffect(
    () => notebook.onMetadataChanged?.(() => setCard(readCard(notebook))),
    [notebook]
  );
  React.useEffect(() => {
    loadCardSchema()
      .then(body => setSchema(body.json_schema))
      .catch(reason => setProblem(describeError(reason)));
  }, []);
  const errors = schema ? validateCard(schema, card) : {};

  const update = (field: string, text: string): void => {
    if (!schema) {
      return;
    }
    const next: Card = {
      ...card,
      [field]: text === '' ? emptyValue(schema, field) : text
    };
    setCard(next);
    if (Object.keys(validateCard(schema, next)).length > 0) {
      return; // invalid cards stay in the form, never in the notebook
    }
    const clean = Object.fromEntries(
      Object.entries(next).filter(([, value]) => value !== null)
    );
    notebook.setMetadata(METADATA_KEY, {
      schema_version: SCHEMA_VERSION,
      card: clean
    });
  };

  return (
    <section className="jp-mlops-Section jp-mlops-CardForm">
      <h3 className="jp-mlops-SectionTitle">Model card</h3>
      {problem && <div className="jp-mlops-Error">{problem}</div>}
      {!schema && !problem && (
        <div className="jp-mlops-Status">Loading the card’s fields…</div>
      )}
      {schema &&
        cardFormFields(schema).map(({ field, label, help, options }) => {
          const value = formatValue(card[field]);
          const id = `jp-mlops-card-${field}`;
          return (
            <div className="jp-mlops-Field" key={field}>
              <label htmlFor={id} title={help}>
                {label}
              </label>
              {options ? (
                <select
                  id={id}
                  className="jp-mlops-Input"
                  name={field}
                  value={value}
                  onChange={event => update(field, event.target.value)}
                >
                  <option value="">—</option>
                  {options.map(option => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  className="jp-mlops-Input"
                  name={field}
                  value={value}
                  aria-invalid={errors[field] !== undefined}
                  onChange={event => update(field, event.target.value)}
                />
              )}
              {errors[field] && (
                <div className="jp-mlops-FieldError" role="alert">
                  {errors[field]}
                </div>
              )}
            </div>
          );
        })}
      <div className="jp-mlops-Hint">
        Saved with the notebook (File › Save).
      </div>
    </section>
  );
}
