import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { mlopsIcon } from './icon';
import { ModelsPanel } from './panel';

/** Command ids. */
namespace CommandIDs {
  export const open = 'jupyter-mlops:open';
}

const PANEL_ID = 'jupyter-mlops-sidebar';

/**
 * Adds the MLOps panel to the left sidebar and a command to open it.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:plugin',
  description: 'Lists the MLflow registered models in a sidebar panel.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const panel = new ModelsPanel();
    panel.id = PANEL_ID;
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps';
    panel.title.label = '';
    app.shell.add(panel, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    app.commands.addCommand(CommandIDs.open, {
      label: 'Open MLOps panel',
      caption: 'Show the registered models in the left sidebar',
      icon: mlopsIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: 'MLOps' });
    }
  }
};

export default plugin;
