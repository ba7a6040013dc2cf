import React from 'react';

import { CardForm } from './cardForm';
import { LaunchForm } from './launchForm';
import { INotebookHandle } from './notebookHandle';
import { ServerConfigModel } from './serverConfig';

/** "This notebook": the card form, the parameters form and the launch button. */
export function NotebookView(props: {
  notebook: INotebookHandle | null;
  config: ServerConfigModel;
  onLaunched: (runId: string) => void;
  onScheduled: (name: string) => void;
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
        config={props.config}
        onLaunched={props.onLaunched}
        onScheduled={props.onScheduled}
      />
    </div>
  );
}
