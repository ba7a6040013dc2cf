import React from 'react';

/**
 * A run of the tracking server: a link to its page in the MLflow UI when
 * the server has one, else its id, which the CLI and the API accept.
 */
export function RunLink(props: {
  url: string | null;
  runId?: string | null;
  label?: string;
}): JSX.Element | null {
  const { url, runId } = props;
  if (url) {
    return (
      <a
        className="jp-mlops-RunLink"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        title={runId ? `MLflow run ${runId}` : undefined}
      >
        {props.label ?? 'MLflow run'}
      </a>
    );
  }
  if (runId) {
    return (
      <span className="jp-mlops-RunId" title={`MLflow run ${runId}`}>
        run {runId.slice(0, 8)}
      </span>
    );
  }
  return null;
}
