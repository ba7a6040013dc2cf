import React from 'react';

import { ModelsModel } from './modelsModel';
import { RunLink } from './runLink';
import { IDescribeReceipt, IModelVersionInfo, JsonValue } from './tokens';

/** One version of a model: its card, receipt and run. */
export function VersionRow(props: {
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
        <RunLink url={version.run_url} runId={version.run_id} />
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
