/**
 * The parts of an open notebook the sidebar uses, and where the card lives
 * in its metadata.
 */
import { JsonValue } from './tokens';

/** Where the card lives in the notebook's metadata. */
export const METADATA_KEY = 'jupyter_mlops';
export const SCHEMA_VERSION = 1;

/**
 * An open notebook: its path, its model's metadata (edits mark it dirty, as
 * any JupyterLab edit does) and saving.
 */
export interface INotebookHandle {
  readonly path: string;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  readonly dirty: boolean;
  save(): Promise<void>;
  /** Call `callback` when the metadata changes from anywhere; returns the unsubscribe. */
  onMetadataChanged?(callback: () => void): () => void;
}

/** A card's fields, as the notebook's metadata holds them. */
export type Card = Record<string, JsonValue>;

/** The card in the notebook's metadata (a copy), empty when it has none. */
export function readCard(notebook: INotebookHandle): Card {
  const block = notebook.getMetadata(METADATA_KEY) as
    | { card?: Card }
    | undefined;
  return { ...(block?.card ?? {}) };
}
