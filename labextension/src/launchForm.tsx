import React from 'react';

import { FormMessage, IFormMessage } from './formMessage';
import {
  IJobOptions,
  IParameterInput,
  NO_OPTIONS,
  formatValue,
  launchJob,
  loadParameters,
  planLaunch
} from './launchPlan';
import { INotebookHandle } from './notebookHandle';
import { describeError } from './observable';
import { ServerConfigModel } from './serverConfig';
import { ScheduleForm } from './scheduleForm';
import { ICreateJob, IDescribeParameters } from './tokens';

/**
 * The notebook's parameters, their sweeps and the job's options, and the
 * launch button. Only options the server's executor supports are offered.
 */
export function LaunchForm(props: {
  notebook: INotebookHandle;
  config: ServerConfigModel;
  onLaunched: (runId: string) => void;
  onScheduled: (name: string) => void;
}): JSX.Element {
  const { notebook, config } = props;
  const [contract, setContract] = React.useState<IDescribeParameters | null>(
    null
  );
  const [inputs, setInputs] = React.useState<Record<string, IParameterInput>>(
    {}
  );
  const [options, setOptions] = React.useState<IJobOptions>(NO_OPTIONS);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [message, setMessage] = React.useState<IFormMessage | null>(null);
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
      .catch(reason => setMessage({ text: describeError(reason), failed: true }));
  }, [notebook.path]);
  React.useEffect(load, [load]);

  const change = (name: string, key: keyof IParameterInput, text: string) =>
    setInputs({ ...inputs, [name]: { ...inputs[name], [key]: text } });
  const offered: IJobOptions = {
    ...options,
    timeout: config.supports('timeout') ? options.timeout : '',
    resources: config.supports('resources') ? options.resources : ''
  };

  /** The job the form describes, from the saved notebook; null (errors shown) if invalid. */
  const prepare = async (): Promise<ICreateJob | null> => {
    if (!contract) {
      return null;
    }
    const plan = planLaunch(notebook.path, contract.parameters, inputs, offered);
    if (!plan.ok) {
      setErrors(plan.errors);
      return null;
    }
    setErrors({});
    if (notebook.dirty) {
      await notebook.save(); // a job runs the saved notebook
    }
    return plan.request;
  };

  const launch = async (): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      const request = await prepare();
      if (request === null) {
        return;
      }
      const created = await launchJob(request);
      setMessage({
        text: created.study
          ? `Study submitted: up to ${request.trials} trials.`
          : created.sweep
            ? `Sweep of ${created.children.length} runs submitted.`
            : 'Run submitted.',
        failed: false
      });
      props.onLaunched(created.run_id);
    } catch (reason) {
      // A value the notebook's contract cannot read is answered by the server.
      setMessage({ text: describeError(reason), failed: true });
    } finally {
      setBusy(false);
    }
  };

  const plan = contract
    ? planLaunch(notebook.path, contract.parameters, inputs, offered)
    : null;
  const runs = plan && plan.ok ? plan.runs : 1;
  const study = plan !== null && plan.ok && plan.study;
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
            placeholder={
              param.expression ? `= ${param.expression} (computed)` : undefined
            }
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
          <FieldError text={errors[param.name]} />
        </div>
      ))}
      {config.supports('timeout') && (
        <JobOption
          name="timeout"
          label="Timeout (s)"
          placeholder="no limit"
          options={options}
          setOptions={setOptions}
          error={errors.timeout}
        />
      )}
      {config.supports('resources') && (
        <JobOption
          name="resources"
          label="Resources"
          placeholder="GPU=1, MEMORY=8e9"
          options={options}
          setOptions={setOptions}
          error={errors.resources}
        />
      )}
      <JobOption
        name="optimize"
        label="Optimize"
        placeholder="max(METRIC): Optuna searches the sweep"
        options={options}
        setOptions={setOptions}
        error={errors.optimize}
      />
      {options.optimize.trim() !== '' && (
        <JobOption
          name="trials"
          label="Trials"
          placeholder="20"
          options={options}
          setOptions={setOptions}
          error={errors.trials}
        />
      )}
      <button
        type="button"
        className="jp-mlops-Launch jp-Button jp-mod-styled jp-mod-accept"
        disabled={busy || contract === null}
        onClick={() => void launch()}
      >
        {study
          ? `Launch study (${runs} trials)`
          : runs > 1
            ? `Launch sweep (${runs} runs)`
            : 'Launch run'}
      </button>
      <FormMessage message={message} />
      <ScheduleForm prepare={prepare} onScheduled={props.onScheduled} />
    </section>
  );
}

function JobOption(props: {
  name: keyof IJobOptions;
  label: string;
  placeholder: string;
  options: IJobOptions;
  setOptions: (options: IJobOptions) => void;
  error: string | undefined;
}): JSX.Element {
  const { name, options } = props;
  const id = `jp-mlops-option-${name}`;
  return (
    <div className="jp-mlops-Param jp-mlops-JobOption">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className="jp-mlops-Input"
        name={name}
        placeholder={props.placeholder}
        value={options[name]}
        onChange={event =>
          props.setOptions({ ...options, [name]: event.target.value })
        }
      />
      <FieldError text={props.error} />
    </div>
  );
}

function FieldError(props: { text: string | undefined }): JSX.Element | null {
  return props.text ? (
    <div className="jp-mlops-FieldError" role="alert">
      {props.text}
    </div>
  ) : null;
}
