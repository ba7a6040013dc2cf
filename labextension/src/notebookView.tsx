import React from 'react';

import {
  IParameterInput,
  allowedValues,
  describeError,
  formatValue,
  launchJob,
  loadCardSchema,
  loadParameters,
  planLaunch,
  validateCard
} from './model';
import { IDescribeParameters, JsonValue } from './tokens';

/** Where the card lives in the notebook's metadata. */
export const METADATA_KEY = 'jupyter_mlops';
export const SCHEMA_VERSION = 1;

/**
 * The parts of an open notebook the sidebar uses: its path, its model's
 * metadata (edits mark it dirty, as any JupyterLab edit does) and saving.
 */
export interface INotebookHandle {
  readonly path: string;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  readonly dirty: boolean;
  save(): Promise<void>;
  /** Call `callback` when the metadata changes from anywhere; returns the unsubscribe. */
  onMetadataChanged?(callback: () => void): () => void;
}

/** Text fields of the card form, in order; the others are edited elsewhere. */
const CARD_FIELDS: Array<[string, string]> = [
  ['name', 'Model name'],
  ['owner', 'Owner'],
  ['description', 'Description'],
  ['use_case', 'Use case'],
  ['risk_tier', 'Risk tier'],
  ['materiality', 'Materiality'],
  ['stage', 'Stage'],
  ['documentation_url', 'Documentation URL'],
  ['documentation_status', 'Documentation status'],
  ['validation_status', 'Validation status']
];

type Card = Record<string, JsonValue>;

function readCard(notebook: INotebookHandle): Card {
  const block = notebook.getMetadata(METADATA_KEY) as
    | { card?: Card }
    | undefined;
  return { ...(block?.card ?? {}) };
}

/** "This notebook": the card form, the parameters form and the launch button. */
export function NotebookView(props: {
  notebook: INotebookHandle | null;
  onLaunched: (runId: string) => void;
}): JSX.Element {
  const { notebook } = props;
  if (notebook === null) {
    return (
      <div className="jp-mlops-Empty">
        Open a notebook to edit its model card and launch it.
      </div>
    );
  }
  return (
    <div className="jp-mlops-NotebookView">
      <div className="jp-mlops-NotebookPath" title={notebook.path}>
        {notebook.path}
      </div>
      <CardForm key={`card:${notebook.path}`} notebook={notebook} />
      <LaunchForm
        key={`launch:${notebook.path}`}
        notebook={notebook}
        onLaunched={props.onLaunched}
      />
    </div>
  );
}

function CardForm(props: { notebook: INotebookHandle }): JSX.Element {
  const { notebook } = props;
  const [card, setCard] = React.useState<Card>(() => readCard(notebook));
  const [schema, setSchema] = React.useState<Record<string, JsonValue> | null>(
    null
  );
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
    const next: Card = { ...card, [field]: text === '' ? null : text };
    if (field === 'description') {
      next.description = text;
    }
    setCard(next);
    if (schema && Object.keys(validateCard(schema, next)).length > 0) {
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
      {CARD_FIELDS.map(([field, label]) => {
        const options = schema ? allowedValues(schema, field) : null;
        const value = formatValue(card[field]);
        const id = `jp-mlops-card-${field}`;
        return (
          <div className="jp-mlops-Field" key={field}>
            <label htmlFor={id}>{label}</label>
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

function LaunchForm(props: {
  notebook: INotebookHandle;
  onLaunched: (runId: string) => void;
}): JSX.Element {
  const { notebook } = props;
  const [contract, setContract] = React.useState<IDescribeParameters | null>(
    null
  );
  const [inputs, setInputs] = React.useState<Record<string, IParameterInput>>(
    {}
  );
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [message, setMessage] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  const load = React.useCallback(() => {
    loadParameters(notebook.path)
      .then(body => {
        setContract(body);
        setInputs(
          Object.fromEntries(
            body.parameters.map(p => [
              p.name,
              { value: formatValue(p.default), sweep: '' }
            ])
          )
        );
      })
      .catch(reason => setMessage(describeError(reason)));
  }, [notebook.path]);
  React.useEffect(load, [load]);

  const change = (name: string, key: keyof IParameterInput, text: string) =>
    setInputs({ ...inputs, [name]: { ...inputs[name], [key]: text } });

  const launch = async (): Promise<void> => {
    if (!contract) {
      return;
    }
    const plan = planLaunch(notebook.path, contract.parameters, inputs);
    if (!plan.ok) {
      setErrors(plan.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setMessage(null);
    try {
      if (notebook.dirty) {
        await notebook.save(); // a job runs the saved notebook
      }
      const created = await launchJob(plan.request);
      setMessage(
        created.sweep
          ? `Sweep of ${created.children.length} runs submitted.`
          : 'Run submitted.'
      );
      props.onLaunched(created.run_id);
    } catch (reason) {
      setMessage(describeError(reason));
    } finally {
      setBusy(false);
    }
  };

  const plan = contract
    ? planLaunch(notebook.path, contract.parameters, inputs)
    : null;
  const runs = plan && plan.ok ? plan.runs : 1;
  return (
    <section className="jp-mlops-Section jp-mlops-LaunchForm">
      <h3 className="jp-mlops-SectionTitle">
        Parameters
        <button
          type="button"
          className="jp-mlops-LinkButton"
          title="Read the parameters cell of the saved notebook again"
          onClick={load}
        >
          Reload
        </button>
      </h3>
      {contract && !contract.has_cell && (
        <div className="jp-mlops-Hint">
          No cell tagged “parameters”: the notebook runs as it is.
        </div>
      )}
      {contract?.parameters.map(param => (
        <div className="jp-mlops-Param" key={param.name}>
          <label htmlFor={`jp-mlops-param-${param.name}`}>
            {param.name}
            <span className="jp-mlops-ParamType">{param.type}</span>
          </label>
          <input
            id={`jp-mlops-param-${param.name}`}
            className="jp-mlops-Input"
            name={param.name}
            title={param.help}
            value={inputs[param.name]?.value ?? ''}
            onChange={event => change(param.name, 'value', event.target.value)}
          />
          <input
            className="jp-mlops-Input jp-mlops-Sweep"
            name={`${param.name}-sweep`}
            placeholder="sweep: a, b, c"
            aria-label={`Sweep values of ${param.name}`}
            value={inputs[param.name]?.sweep ?? ''}
            onChange={event => change(param.name, 'sweep', event.target.value)}
          />
          {param.help && <div className="jp-mlops-Hint">{param.help}</div>}
          {errors[param.name] && (
            <div className="jp-mlops-FieldError" role="alert">
              {errors[param.name]}
            </div>
          )}
        </div>
      ))}
      <button
        type="button"
        className="jp-mlops-Launch jp-Button jp-mod-styled jp-mod-accept"
        disabled={busy || contract === null}
        onClick={() => void launch()}
      >
        {runs > 1 ? `Launch sweep (${runs} runs)` : 'Launch run'}
      </button>
      {message && <div className="jp-mlops-LaunchMessage">{message}</div>}
    </section>
  );
}
