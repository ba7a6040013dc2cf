import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { MlopsRequestError, requestAPI } from './handler';
import { IListModelsResponse, IModelSummary } from './tokens';

/** What the panel currently knows about the registry. */
export type ModelsState =
  | { status: 'idle' }
  | { status: 'loading'; models: IModelSummary[] }
  | { status: 'ready'; models: IModelSummary[] }
  | { status: 'error'; message: string; code: string };

/**
 * Sidebar listing the models registered in MLflow.
 *
 * Nothing is fetched until the panel is first shown, so JupyterLab starts
 * without waiting on the tracking server.
 */
export class ModelsPanel extends ReactWidget {
  constructor() {
    super();
    this.addClass('jp-mlops-Panel');
  }

  /** The current state, for tests and other plugins. */
  get state(): ModelsState {
    return this._state;
  }

  /**
   * Fetch the registered models again.
   *
   * A call made while a request is in flight waits for that request.
   */
  refresh(): Promise<void> {
    if (this._pending === null) {
      this._pending = this._load().finally(() => {
        this._pending = null;
      });
    }
    return this._pending;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  protected render(): JSX.Element {
    return (
      <ModelsView state={this._state} onRefresh={() => void this.refresh()} />
    );
  }

  private async _load(): Promise<void> {
    const previous = 'models' in this._state ? this._state.models : [];
    this._setState({ status: 'loading', models: previous });
    try {
      const body = await requestAPI<IListModelsResponse>('models');
      this._setState({ status: 'ready', models: body.models });
    } catch (reason) {
      if (reason instanceof MlopsRequestError) {
        this._setState({
          status: 'error',
          message: reason.message,
          code: reason.code
        });
      } else {
        this._setState({
          status: 'error',
          message: String(reason),
          code: 'UNKNOWN'
        });
      }
    }
  }

  private _setState(state: ModelsState): void {
    this._state = state;
    this.update();
  }

  private _state: ModelsState = { status: 'idle' };
  private _pending: Promise<void> | null = null;
}

interface IModelsViewProps {
  state: ModelsState;
  onRefresh: () => void;
}

function ModelsView(props: IModelsViewProps): JSX.Element {
  const { state } = props;
  // The filter lives in React state so the controlled input re-renders in the
  // same event; a deferred widget update made React reset the DOM value first,
  // which moved the caret to the end on every keystroke.
  const [filter, setFilter] = React.useState('');
  const loading = state.status === 'loading' || state.status === 'idle';
  return (
    <div className="jp-mlops-ModelsView">
      <header className="jp-mlops-Header">MLOps</header>
      <div className="jp-mlops-Toolbar">
        <input
          className="jp-mlops-Filter"
          type="search"
          placeholder="Filter models"
          aria-label="Filter models"
          value={filter}
          onChange={event => setFilter(event.target.value)}
        />
        <button
          className="jp-mlops-Refresh jp-Button jp-mod-styled jp-mod-reject"
          type="button"
          disabled={loading}
          onClick={props.onRefresh}
        >
          Refresh
        </button>
      </div>
      <ModelsBody state={state} filter={filter} />
    </div>
  );
}

function ModelsBody(props: {
  state: ModelsState;
  filter: string;
}): JSX.Element {
  const { state, filter } = props;
  if (state.status === 'error') {
    return (
      <div className="jp-mlops-Error" role="alert">
        <div className="jp-mlops-ErrorTitle">Cannot list models</div>
        <div className="jp-mlops-ErrorMessage">{state.message}</div>
        <div className="jp-mlops-ErrorCode">{state.code}</div>
      </div>
    );
  }
  if (state.status === 'idle' || state.models.length === 0) {
    if (state.status !== 'ready') {
      return <div className="jp-mlops-Status">Loading models…</div>;
    }
    return (
      <div className="jp-mlops-Empty">
        <div className="jp-mlops-EmptyTitle">No registered models yet</div>
        <div>Models registered in MLflow will be listed here.</div>
      </div>
    );
  }
  const shown = state.models.filter(model => matches(model, filter));
  if (shown.length === 0) {
    return (
      <div className="jp-mlops-Empty">No models match “{filter.trim()}”</div>
    );
  }
  return (
    <ul className="jp-mlops-ModelList">
      {shown.map(model => (
        <ModelRow key={model.name} model={model} />
      ))}
    </ul>
  );
}

function ModelRow(props: { model: IModelSummary }): JSX.Element {
  const { model } = props;
  const aliases = Object.entries(model.aliases);
  const updated =
    model.updated_at === null
      ? undefined
      : `Updated ${new Date(model.updated_at).toLocaleString()}`;
  return (
    <li className="jp-mlops-Model" title={updated}>
      <div className="jp-mlops-ModelHeader">
        <span className="jp-mlops-ModelName">{model.name}</span>
        <span className="jp-mlops-ModelVersion">
          {model.latest_version === null
            ? 'no versions'
            : `v${model.latest_version}`}
        </span>
      </div>
      {model.description && (
        <div className="jp-mlops-ModelDescription">{model.description}</div>
      )}
      <dl className="jp-mlops-ModelFields">
        <dt>Owner</dt>
        <dd>{model.owner ?? '—'}</dd>
        <dt>Risk tier</dt>
        <dd>{model.risk_tier ?? '—'}</dd>
        <dt>Stage</dt>
        <dd>{model.stage ?? '—'}</dd>
        <dt>Aliases</dt>
        <dd>
          {aliases.length === 0
            ? '—'
            : aliases.map(([alias, version]) => (
                <span key={alias} className="jp-mlops-Alias">
                  {alias} → v{version}
                </span>
              ))}
        </dd>
      </dl>
    </li>
  );
}

/** Whether a model matches the filter text, case-insensitively. */
export function matches(model: IModelSummary, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle.length === 0) {
    return true;
  }
  const haystack = [
    model.name,
    model.description,
    model.owner,
    model.use_case,
    model.risk_tier,
    model.stage,
    ...Object.keys(model.aliases)
  ];
  return haystack.some(
    value => value !== null && value.toLowerCase().includes(needle)
  );
}
