import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel } from '@jupyterlab/services';

import { INotebookHandle, METADATA_KEY } from './notebookHandle';

/**
 * The comm target the kernel-side card editor (`mlops.card_editor()`) opens
 * to put a card into the open notebook instead of into the file on disk.
 */
export const CARD_COMM_TARGET = 'jupyter_mlops.card';

/** What the kernel sends: its notebook's absolute path and the metadata block. */
export interface ICardMessage {
  path?: unknown;
  metadata?: unknown;
}

/** The answer sent back to the kernel. */
export interface ICardAnswer {
  ok: boolean;
  error?: string;
}

/** Whether the kernel's absolute `kernelPath` names the server-relative `path`. */
export function samePath(kernelPath: string, path: string): boolean {
  const absolute = kernelPath.replace(/\\/g, '/');
  const relative = path.replace(/\\/g, '/').replace(/^\/+/, '');
  return (
    relative !== '' &&
    (absolute === relative || absolute.endsWith(`/${relative}`))
  );
}

/**
 * Put the card block into the notebook's metadata, as any JupyterLab edit
 * does: the notebook becomes dirty and the card is saved with it.
 */
export function takeCard(
  notebook: INotebookHandle,
  message: ICardMessage
): ICardAnswer {
  if (typeof message.path !== 'string' || !samePath(message.path, notebook.path)) {
    return {
      ok: false,
      error: `the card is for ${String(message.path)}, not ${notebook.path}`
    };
  }
  const block = message.metadata as { card?: unknown } | null | undefined;
  if (
    !block ||
    typeof block !== 'object' ||
    !block.card ||
    typeof block.card !== 'object'
  ) {
    return { ok: false, error: 'the message holds no card' };
  }
  notebook.setMetadata(METADATA_KEY, block);
  return { ok: true };
}

/**
 * Answer card messages from the kernel of one notebook, whichever kernel it
 * has now or gets later (restart, kernel change).
 */
export function bridgeCards(
  session: ISessionContext,
  notebook: () => INotebookHandle | null
): void {
  const attach = (kernel: Kernel.IKernelConnection | null): void => {
    kernel?.registerCommTarget(CARD_COMM_TARGET, (comm, msg) => {
      const handle = notebook();
      const answer: ICardAnswer = handle
        ? takeCard(handle, msg.content.data as ICardMessage)
        : { ok: false, error: 'the notebook is no longer open' };
      const payload: { [key: string]: boolean | string } = { ok: answer.ok };
      if (answer.error) {
        payload.error = answer.error;
      }
      comm.send(payload);
      comm.close();
    });
  };
  session.kernelChanged.connect((_, change) => attach(change.newValue));
  attach(session.session?.kernel ?? null);
}
