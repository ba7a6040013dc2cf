/**
 * The launch form as a `POST mlops/jobs` request.
 *
 * Parameter and sweep values go to the server as the text typed, with
 * `from_text: true`: the server reads them by the notebook's typed
 * parameters contract, exactly as the CLI does, so a type error comes back
 * as the server's message and the two can never disagree.
 */
import { requestAPI } from './handler';
import {
  ICreateJob,
  ICreateJobResponse,
  IDescribeParameters,
  IParameterInfo,
  JsonValue
} from './tokens';

/** What the launch form holds for one parameter. */
export interface IParameterInput {
  /** The value typed; empty keeps the notebook's default. */
  value: string;
  /** Values to sweep over, `a, b, c` or a JSON list; empty for none. */
  sweep: string;
}

/** What the launch form holds for the job as a whole; empty for the default. */
export interface IJobOptions {
  /** Seconds before the job is stopped. */
  timeout: string;
  /** Worker resources the job needs, `GPU=1, MEMORY=8e9`. */
  resources: string;
  /** `max(METRIC)` or `min(METRIC)`: an Optuna study of the sweep instead of its grid. */
  optimize: string;
  /** The study's budget of trial runs. */
  trials: string;
}

export const NO_OPTIONS: IJobOptions = {
  timeout: '',
  resources: '',
  optimize: '',
  trials: '20'
};

/** The request to send, or the errors (by parameter or option name) that stop it. */
export type LaunchPlan =
  | { ok: true; request: ICreateJob; runs: number; study: boolean }
  | { ok: false; errors: Record<string, string> };

/** A parameter's default as the form shows it. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The values of a sweep as text, split as `--sweep NAME=...` splits them:
 * a JSON list gives its items, anything else is split at commas.
 */
export function splitSweep(text: string): string[] {
  const raw = text.trim();
  if (!raw.startsWith('[')) {
    return raw
      .split(',')
      .map(part => part.trim())
      .filter(part => part.length > 0);
  }
  let values: unknown;
  try {
    values = JSON.parse(raw);
  } catch {
    throw new Error('expected a JSON list of values');
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error('expected a non-empty JSON list');
  }
  return values.map(v => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** `GPU=1, MEMORY=8e9` as `{GPU: 1, MEMORY: 8e9}`; the server checks the names and amounts. */
export function parseResources(text: string): Record<string, number> {
  const resources: Record<string, number> = {};
  for (const item of text.split(',').filter(part => part.trim())) {
    const [name, amount, ...rest] = item.split('=').map(part => part.trim());
    const number = Number(amount);
    if (!name || !amount || rest.length > 0 || !Number.isFinite(number)) {
      throw new Error('expected NAME=AMOUNT, e.g. GPU=1, MEMORY=8e9');
    }
    resources[name] = number;
  }
  return resources;
}

/** Turn the launch form into a `POST mlops/jobs` body. */
export function planLaunch(
  path: string,
  parameters: IParameterInfo[],
  inputs: Record<string, IParameterInput>,
  options: IJobOptions = NO_OPTIONS
): LaunchPlan {
  const request: ICreateJob = {
    path,
    parameters: {},
    sweep: {},
    from_text: true
  };
  const errors: Record<string, string> = {};
  let runs = 1;
  for (const param of parameters) {
    const input = inputs[param.name];
    if (!input) {
      continue;
    }
    if (input.sweep.trim()) {
      try {
        const values = splitSweep(input.sweep);
        request.sweep![param.name] = values;
        runs *= values.length;
      } catch (reason) {
        errors[param.name] = (reason as Error).message;
      }
    } else if (input.value.trim() && input.value !== formatValue(param.default)) {
      request.parameters![param.name] = input.value;
    }
  }
  if (options.timeout.trim()) {
    const seconds = Number(options.timeout);
    if (Number.isFinite(seconds) && seconds > 0) {
      request.timeout = seconds;
    } else {
      errors.timeout = 'expected a number of seconds above 0';
    }
  }
  if (options.resources.trim()) {
    try {
      request.resources = parseResources(options.resources);
    } catch (reason) {
      errors.resources = (reason as Error).message;
    }
  }
  const study = options.optimize.trim() !== '';
  if (study) {
    const trials = Number(options.trials);
    if (Number.isInteger(trials) && trials >= 1) {
      request.optimize = options.optimize.trim();
      request.trials = trials;
      runs = trials;
    } else {
      errors.trials = 'expected a whole number of trials, at least 1';
    }
    if (Object.keys(request.sweep!).length === 0) {
      errors.optimize = 'give the values or LOW:HIGH range to search in a sweep field';
    }
  }
  if (Object.keys(errors).length > 0) {
    return { ok: false, errors };
  }
  return { ok: true, request, runs, study };
}

/** Read a notebook's parameters contract. */
export function loadParameters(path: string): Promise<IDescribeParameters> {
  return requestAPI<IDescribeParameters>(
    `parameters?path=${encodeURIComponent(path)}`
  );
}

/** Submit a run or a sweep. */
export function launchJob(request: ICreateJob): Promise<ICreateJobResponse> {
  return requestAPI<ICreateJobResponse>('jobs', {
    method: 'POST',
    body: JSON.stringify(request)
  });
}
