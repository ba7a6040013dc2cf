import { describe, expect, it } from 'vitest';

import { samePath, takeCard } from '../src/cardBridge';
import { INotebookHandle } from '../src/notebookHandle';

function notebook(path: string): INotebookHandle & { stored: Map<string, unknown> } {
  const stored = new Map<string, unknown>();
  return {
    path,
    stored,
    getMetadata: key => stored.get(key),
    setMetadata: (key, value) => void stored.set(key, value),
    dirty: false,
    save: async () => undefined
  };
}

const block = { schema_version: 1, card: { name: 'churn', owner: 'ana' } };

describe('samePath', () => {
  it('matches the server-relative path at the end of the absolute one', () => {
    expect(samePath('/srv/root/team/train.ipynb', 'team/train.ipynb')).toBe(true);
    expect(samePath('/srv/root/train.ipynb', 'train.ipynb')).toBe(true);
  });

  it('does not match a file that only ends with the same characters', () => {
    expect(samePath('/srv/root/my-train.ipynb', 'train.ipynb')).toBe(false);
    expect(samePath('/srv/root/other/train.ipynb', 'team/train.ipynb')).toBe(false);
    expect(samePath('/srv/root/train.ipynb', '')).toBe(false);
  });
});

describe('takeCard', () => {
  it('sets the metadata block of the notebook the kernel belongs to', () => {
    const nb = notebook('team/train.ipynb');
    const answer = takeCard(nb, { path: '/srv/root/team/train.ipynb', metadata: block });
    expect(answer).toEqual({ ok: true });
    expect(nb.stored.get('jupyter_mlops')).toEqual(block);
  });

  it('refuses a card meant for another notebook and leaves the metadata alone', () => {
    const nb = notebook('train.ipynb');
    const answer = takeCard(nb, { path: '/srv/root/other.ipynb', metadata: block });
    expect(answer.ok).toBe(false);
    expect(answer.error).toContain('/srv/root/other.ipynb');
    expect(nb.stored.size).toBe(0);
  });

  it('refuses a message without a card', () => {
    const nb = notebook('train.ipynb');
    for (const metadata of [undefined, null, 'card', { schema_version: 1 }]) {
      const answer = takeCard(nb, { path: '/r/train.ipynb', metadata });
      expect(answer).toEqual({ ok: false, error: 'the message holds no card' });
    }
    expect(nb.stored.size).toBe(0);
  });
});
