import React from 'react';

import { allowedValues, loadCardSchema } from './cardSchema';
import { ModelsModel } from './modelsModel';
import { IDescribeModel, IModelSummary } from './tokens';
import { VersionRow } from './versionView';

/** "Models": the registered models, searchable, each expandable to its versions. */
export function ModelsView(props: { models: ModelsModel }): JSX.Element {
  const { models } = props;
  // The filter lives in React state so the controlled input re-renders in the
  // same event; a deferred widget update made React reset the DOM value first,
  // which moved the caret to the end on every keystroke.
  const [filter, setFilter] = React.useState('');
  const [risk, setRisk] = React.useState('');
  const [status, setStatus] = React.useState('');
  const riskTiers = useRiskTiers();
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
          {riskTiers.map(tier => (
            <option key={tier} value={tier}>
              {tier}
            </option>
          ))}
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

/** The risk tiers a card allows, from the card's schema; none until it is read. */
function useRiskTiers(): string[] {
  const [tiers, setTiers] = React.useState<string[]>([]);
  React.useEffect(() => {
    let live = true;
    loadCardSchema()
      .then(body => {
        if (live) {
          setTiers(allowedValues(body.json_schema, 'risk_tier') ?? []);
        }
      })
      // The filter is a convenience: without the schema it offers no tiers.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return tiers;
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
