import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  ISessionContext,
  Notification,
  ToolbarButton
} from '@jupyterlab/apputils';
import { DocumentRegistry, IDocumentWidget } from '@jupyterlab/docregistry';
import type { Widget } from '@lumino/widgets';

import { bridgeCards } from './cardBridge';
import { mlopsIcon } from './icon';
import { jobNotice } from './jobWatch';
import { INotebookHandle } from './notebookHandle';
import { MlopsSidebar } from './panel';
import { IDescribeJob } from './tokens';

/** Command ids. */
namespace CommandIDs {
  export const open = 'jupyter-mlops:open';
  export const launch = 'jupyter-mlops:launch';
  export const jobs = 'jupyter-mlops:jobs';
  export const models = 'jupyter-mlops:models';
}

const PANEL_ID = 'jupyter-mlops-sidebar';

/** The open notebook behind a main-area widget, if it is one. */
function notebookOf(widget: Widget | null): INotebookHandle | null {
  const context = (widget as { context?: DocumentRegistry.Context } | null)
    ?.context;
  if (!context || !context.path.endsWith('.ipynb')) {
    return null;
  }
  const model = context.model as DocumentRegistry.IModel & {
    getMetadata?: (key: string) => unknown;
    setMetadata?: (key: string, value: unknown) => void;
    metadataChanged?: {
      connect(slot: () => void): boolean;
      disconnect(slot: () => void): boolean;
    };
  };
  if (!model.getMetadata || !model.setMetadata) {
    return null;
  }
  return {
    get path() {
      return context.path;
    },
    getMetadata: key => model.getMetadata!(key),
    setMetadata: (key, value) => model.setMetadata!(key, value),
    get dirty() {
      return model.dirty;
    },
    save: () => context.save(),
    onMetadataChanged: callback => {
      const slot = (): void => callback();
      model.metadataChanged?.connect(slot);
      return () => void model.metadataChanged?.disconnect(slot);
    }
  };
}

/**
 * The MLOps sidebar (this notebook, jobs, models), its commands and a
 * notebook toolbar button that opens the launch form.
 *
 * Nothing here waits on the server: the panel loads its data when shown.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:plugin',
  description:
    'Model card, launch, jobs and registered models of MLflow in a sidebar.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null
  ): void => {
    const panel: MlopsSidebar = new MlopsSidebar({
      openFile: path =>
        void app.commands.execute('docmanager:open', { path }),
      jobEnded: job => notifyJobEnded(job, runId => void panel.openRun(runId))
    });
    panel.id = PANEL_ID;
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps';
    panel.title.label = '';
    app.shell.add(panel, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    // "This notebook" follows the active notebook.
    const follow = (): void => panel.setNotebook(notebookOf(app.shell.currentWidget));
    if (labShell) {
      labShell.currentChanged.connect(follow);
    }
    app.restored.then(follow).catch(() => undefined);

    const show = (tab: 'notebook' | 'jobs' | 'models') => () => {
      follow();
      panel.showTab(tab);
      app.shell.activateById(panel.id);
    };
    app.commands.addCommand(CommandIDs.open, {
      label: 'Open MLOps panel',
      caption: 'Show the MLOps sidebar',
      icon: mlopsIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.launch, {
      label: 'Launch notebook as an MLflow job…',
      caption: 'Edit the card and parameters, then run or sweep the notebook',
      icon: mlopsIcon,
      execute: show('notebook')
    });
    app.commands.addCommand(CommandIDs.jobs, {
      label: 'Show MLOps jobs',
      execute: show('jobs')
    });
    app.commands.addCommand(CommandIDs.models, {
      label: 'Show registered models',
      execute: show('models')
    });
    if (palette) {
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category: 'MLOps' });
      }
    }

    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (widget: IDocumentWidget) => {
        // The kernel-side card editor puts its card into this open notebook.
        const session = (widget as { sessionContext?: ISessionContext })
          .sessionContext;
        if (session) {
          bridgeCards(session, () =>
            widget.isDisposed ? null : notebookOf(widget)
          );
        }
        const button = new ToolbarButton({
          className: 'jp-mlops-LaunchButton',
          icon: mlopsIcon,
          tooltip: 'Launch as an MLflow job (MLOps)',
          onClick: () => {
            app.shell.activateById(widget.id);
            void app.commands.execute(CommandIDs.launch);
          }
        });
        widget.toolbar.insertItem(10, 'mlopsLaunch', button);
        return button;
      }
    });
  }
};

export default plugin;

/** A JupyterLab notification of how a job ended, with its output and MLflow run. */
function notifyJobEnded(job: IDescribeJob, openRun: (runId: string) => void): void {
  const { message, failed } = jobNotice(job);
  const actions: Notification.IAction[] = [];
  if (!job.is_sweep) {
    actions.push({ label: 'Open output', callback: () => openRun(job.run_id) });
  }
  const url = job.run_url;
  if (url) {
    actions.push({
      label: 'MLflow run',
      displayType: 'link',
      callback: () => window.open(url, '_blank', 'noopener')
    });
  }
  const options = { autoClose: failed ? (false as const) : 5000, actions };
  if (failed) {
    Notification.error(message, options);
  } else {
    Notification.success(message, options);
  }
}
