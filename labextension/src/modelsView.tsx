import React from 'react';

import { ModelsModel } from './model';
import {
  IDescribeModel,
  IDescribeReceipt,
  IModelSummary,
  IModelVersionInfo,
  JsonValue
} from './tokens';

/** "Models": the registered models, searchable, each expandable to its versions. */
export function ModelsView(props: { models: ModelsModel }): JSX.Element {
  const { models } = props;
  // The filter lives in React state so the controlled input re-renders in the
  // same event; a deferred widget update made React reset the DOM value first,
  // which moved the caret to the end on every keystroke.
  const [filter, setFilter] = React.useState('');
  const [risk, setRisk] = React.useState('');
  const [status, setStatus] = React.useState('');
  const alerts = models.alertCount;
  return (
    <div className="jp-mlops-ModelsView">
      <div className="jp-mlops-Toolbar">
        <input
          className="jp-mlops-Filter"
          type="search"
          placeholder="Filter models"
          aria-label="Filter models"
          value={filter}
          onChange={event => setFilter(event.target.value)}
        />
        <select
          className="jp-mlops-Input jp-mlops-RiskFilter"
          aria-label="Risk tier"
          value={risk}
          onChange={event => setRisk(event.target.value)}
        >
          <option value="">Risk</option>
          <option value="low">low</option>
          <option value="medium">medium</option>
          <option value="high">high</option>
        </select>
        <select
          className="jp-mlops-Input jp-mlops-StatusFilter"
          aria-label="Status"
          value={status}
          onChange={event => setStatus(event.target.value)}
        >
          <option value="">Status</option>
          <option value="red">red</option>
          <option value="amber">amber</option>
          <option value="green">green</option>
          <option value="alert">with alerts</option>
        </select>
        <button
          className="jp-mlops-Refresh jp-Button jp-mod-styled jp-mod-reject"
          type="button"
          disabled={models.loading}
          onClick={() => void models.refresh(true)}
        >
          Refresh
        </button>
      </div>
      {alerts > 0 && (
        <button
          type="button"
          className="jp-mlops-AlertSummary"
          role="status"
          onClick={() => setStatus('alert')}
        >
          ⚠ {alerts} {alerts === 1 ? 'model has' : 'models have'} an alert
        </button>
      )}
      <ModelsBody models={models} filter={filter} risk={risk} status={status} />
    </div>
  );
}

function ModelsBody(props: {
  models: ModelsModel;
  filter: string;
  risk: string;
  status: string;
}): JSX.Element {
  const { models, filter, risk, status } = props;
  if (models.error && !models.loaded) {
    return (
      <div className="jp-mlops-Error" role="alert">
        <div className="jp-mlops-ErrorTitle">Cannot list models</div>
        <div className="jp-mlops-ErrorMessage">{models.error}</div>
      </div>
    );
  }
  if (!models.loaded) {
    return <div className="jp-mlops-Status">Loading models…</div>;
  }
  if (models.models.length === 0) {
    return (
      <div className="jp-mlops-Empty">
        <div className="jp-mlops-EmptyTitle">No registered models yet</div>
        <div>Models registered in MLflow will be listed here.</div>
      </div>
    );
  }
  const shown = models.visible(filter, risk, status);
  if (shown.length === 0) {
    return (
      <div className="jp-mlops-Empty">No models match “{filter.trim()}”</div>
    );
  }
  return <ModelList shown={shown} models={models} />;
}

/** Rows rendered at first, and added per "Show more": a large registry paints fast. */
export const MODELS_PAGE = 100;

function ModelList(props: {
  shown: IModelSummary[];
  models: ModelsModel;
}): JSX.Element {
  const { shown, models } = props;
  const [limit, setLimit] = React.useState(MODELS_PAGE);
  const left = shown.length - limit;
  return (
    <>
      <ul className="jp-mlops-ModelList">
        {shown.slice(0, limit).map(model => (
          <ModelRow key={model.name} model={model} models={models} />
        ))}
      </ul>
      {left > 0 && (
        <button
          type="button"
          className="jp-mlops-ShowMore jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => setLimit(limit + MODELS_PAGE)}
        >
          Show {Math.min(left, MODELS_PAGE)} more ({left} not shown)
        </button>
      )}
    </>
  );
}

function ModelRow(props: {
  model: IModelSummary;
  models: ModelsModel;
}): JSX.Element {
  const { model, models } = props;
  const [open, setOpen] = React.useState(false);
  const [detail, setDetail] = React.useState<IDescribeModel | undefined>();
  const aliases = Object.entries(model.aliases);
  const toggle = async (): Promise<void> => {
    const next = !open;
    setOpen(next);
    if (next && !detail) {
      setDetail(await models.describe(model.name));
    }
  };
  const updated =
    model.updated_at === null
      ? undefined
      : `Updated ${new Date(model.updated_at).toLocaleString()}`;
  return (
    <li className="jp-mlops-Model" title={updated}>
      <button
        type="button"
        className="jp-mlops-ModelHeader"
        aria-expanded={open}
        onClick={() => void toggle()}
      >
        {model.rag && (
          <span
            className={`jp-mlops-RagBadge jp-mlops-Rag-${model.rag}`}
            title={model.rag_reasons.join('\n') || model.rag}
          >
            {model.rag}
          </span>
        )}
        <span className="jp-mlops-ModelName">{model.name}</span>
        {model.alert_status === 'alert' && (
          <span className="jp-mlops-AlertBadge" title={model.alerts.join('\n')}>
            alert
          </span>
        )}
        <span className="jp-mlops-ModelVersion">
          {model.latest_version === null
            ? 'no versions'
            : `v${model.latest_version}`}
        </span>
      </button>
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
      {model.alerts.length > 0 && (
        <ul className="jp-mlops-Alerts" aria-label="Alerts">
          {model.alerts.map(text => (
            <li key={text}>⚠ {text}</li>
          ))}
        </ul>
      )}
      {model.rag && model.rag !== 'green' && model.rag_reasons.length > 0 && (
        <ul className="jp-mlops-RagReasons" aria-label="Why">
          {model.rag_reasons.map(text => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      {open && (
        <div className="jp-mlops-Versions">
          {detail === undefined ? (
            <div className="jp-mlops-Status">
              {models.error ?? 'Loading versions…'}
            </div>
          ) : (
            detail.versions.map(version => (
              <VersionRow
                key={version.version}
                version={version}
                models={models}
              />
            ))
          )}
        </div>
      )}
    </li>
  );
}

function VersionRow(props: {
  version: IModelVersionInfo;
  models: ModelsModel;
}): JSX.Element {
  const { version, models } = props;
  const [receipt, setReceipt] = React.useState<IDescribeReceipt | undefined>();
  const showReceipt = async (): Promise<void> => {
    if (version.receipt_url) {
      setReceipt(await models.receipt(version.receipt_url));
    }
  };
  const card = Object.entries(version.card ?? {}).filter(
    ([, value]) => !isEmpty(value)
  );
  return (
    <div className="jp-mlops-Version" data-version={version.version}>
      <div className="jp-mlops-VersionHeader">
        <span className="jp-mlops-VersionNumber">v{version.version}</span>
        {version.aliases.map(alias => (
          <span key={alias} className="jp-mlops-Alias">
            {alias}
          </span>
        ))}
        {version.created_at !== null && (
          <span className="jp-mlops-VersionDate">
            {new Date(version.created_at).toLocaleDateString()}
          </span>
        )}
        {version.replay && (
          <span
            className={`jp-mlops-Replay jp-mod-${
              version.replay.reproduced ? 'reproduced' : 'not-reproduced'
            }`}
            title={`Last replay: run ${version.replay.replay_run_id}`}
          >
            {version.replay.reproduced ? 'reproduced' : 'not reproduced'}
            {version.replay.at !== null &&
              ` ${new Date(version.replay.at * 1000).toLocaleDateString()}`}
          </span>
        )}
      </div>
      {card.length > 0 && (
        <dl className="jp-mlops-ModelFields jp-mlops-VersionCard">
          {card.map(([field, value]) => (
            <React.Fragment key={field}>
              <dt>{field}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      <div className="jp-mlops-JobActions">
        {version.receipt_url && (
          <button
            type="button"
            className="jp-mlops-LinkButton jp-mlops-ShowReceipt"
            onClick={() => void showReceipt()}
          >
            Receipt
          </button>
        )}
        {version.run_url && (
          <a
            className="jp-mlops-RunLink"
            href={version.run_url}
            target="_blank"
            rel="noopener noreferrer"
          >
            MLflow run
          </a>
        )}
      </div>
      {receipt && <ReceiptView receipt={receipt.receipt} />}
    </div>
  );
}

function ReceiptView(props: { receipt: Record<string, JsonValue> }): JSX.Element {
  const { receipt } = props;
  const notebook = receipt.notebook as Record<string, JsonValue> | undefined;
  const git = receipt.git as Record<string, JsonValue> | null | undefined;
  const env = receipt.environment as Record<string, JsonValue> | undefined;
  const rows: Array<[string, string]> = [
    ['notebook sha256', String(notebook?.sha256 ?? '—').slice(0, 12)],
    ['git commit', git ? `${String(git.commit).slice(0, 10)}${git.dirty ? ' (dirty)' : ''}` : '—'],
    ['python', String(env?.python ?? '—')],
    ['host', String(env?.host ?? '—')],
    ['parameters', JSON.stringify(receipt.parameters ?? {})]
  ];
  return (
    <dl className="jp-mlops-ModelFields jp-mlops-Receipt">
      {rows.map(([key, value]) => (
        <React.Fragment key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}

function isEmpty(value: JsonValue): boolean {
  return (
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}
