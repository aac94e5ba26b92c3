import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { setClock } from '../db/change';
import { CampaignDeskDb, setDb, useDb } from '../db/database';
import { createCampaign, saveCampaign, type CampaignDraft } from '../db/repos/campaigns';
import { useAutosave, type AutosaveOptions } from './useAutosave';

/** Runs the composable in its own effect scope, as a component would; `stop` is the component going away. */
function mount<T>(options: AutosaveOptions<T>) {
  const scope = effectScope();
  const autosave = scope.run(() => useAutosave(options))!;
  return { autosave, stop: () => scope.stop() };
}

describe('autosave timing: typing waits for a pause, structural edits go at once', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves typing once, 400 ms after the last key, with the value as it is then', async () => {
    const saved: string[] = [];
    let text = '';
    const { autosave } = mount({
      read: () => text,
      save: async (value: string, expected: number) => {
        saved.push(`${value}@${expected}`);
        return { version: expected + 1 };
      },
    });
    for (const key of ['H', 'He', 'Hel']) {
      text = key;
      autosave.changed();
      await vi.advanceTimersByTimeAsync(399);
    }
    expect(saved).toEqual([]);
    expect(autosave.statusText.value).toBe('Saving…');
    await vi.advanceTimersByTimeAsync(1);
    expect(saved).toEqual(['Hel@0']);
    expect(autosave.statusText.value).toBe('All changes saved');
    expect(autosave.version.value).toBe(1);
  });

  it('never overlaps saves: an edit during a save is saved after it, on the version it produced', async () => {
    const saved: string[] = [];
    let release: () => void = () => undefined;
    let text = 'one';
    const { autosave } = mount({
      read: () => text,
      save: async (value: string, expected: number) => {
        saved.push(`${value}@${expected}`);
        if (value === 'one') await new Promise<void>((resolve) => (release = resolve));
        return { version: expected + 1 };
      },
    });
    autosave.changed(true);
    await vi.advanceTimersByTimeAsync(0);
    text = 'two';
    autosave.changed(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual(['one@0']);
    expect(autosave.status.value).toBe('pending');
    release();
    await vi.advanceTimersByTimeAsync(0);
    await autosave.flush();
    expect(saved).toEqual(['one@0', 'two@1']);
    expect(autosave.statusText.value).toBe('All changes saved');
  });

  it('saves what is pending when the editor goes away (the scope stops), without waiting for the pause', async () => {
    const saved: string[] = [];
    const { autosave, stop } = mount({
      read: () => 'typed',
      save: async (value: string, expected: number) => {
        saved.push(value);
        return { version: expected + 1 };
      },
    });
    autosave.changed();
    stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(saved).toEqual(['typed']);
  });
});

describe('two windows saving one campaign through the repository (a real version conflict)', () => {
  let n = 0;
  beforeEach(async () => {
    setClock(Date.now);
    const db = new CampaignDeskDb(`autosave-${++n}`);
    setDb(db);
    await db.open();
  });

  /** One editor window: its own draft of the campaign and its own autosave, loaded at `version`. */
  function window(id: string, version: number) {
    const draft: { value: Partial<CampaignDraft> } = { value: {} };
    const { autosave } = mount({
      read: () => draft.value,
      save: (value: Partial<CampaignDraft>, expected: number) => saveCampaign(id, value, expected),
    });
    autosave.adopt(version);
    return { draft, autosave };
  }

  it('the later save is refused as a conflict, says so, and keeping mine saves over the other', async () => {
    const campaign = await createCampaign('Shared');
    const a = window(campaign.id, campaign.version);
    const b = window(campaign.id, campaign.version);

    a.draft.value = { taskTime: '10:00' };
    a.autosave.changed(true);
    await a.autosave.flush();
    expect(a.autosave.statusText.value).toBe('All changes saved');

    b.draft.value = { taskTime: '11:00' };
    b.autosave.changed(true);
    await b.autosave.flush();
    expect(b.autosave.statusText.value).toBe('Not saved');
    expect(b.autosave.error.value).toEqual({
      conflict: true,
      message: 'version: this campaign was changed in another window (version 2, this one had 1); reload it',
    });
    // B's next edit is refused the same way (it is still made on version 1); A's copy stands.
    b.draft.value = { taskTime: '11:30' };
    b.autosave.changed(true);
    await b.autosave.flush();
    expect(b.autosave.error.value?.conflict).toBe(true);
    expect((await useDb().campaigns.get(campaign.id))!.taskTime).toBe('10:00');

    // "Keep my version": B saves over the copy stored now.
    await b.autosave.retry(2);
    expect(b.autosave.statusText.value).toBe('All changes saved');
    expect(b.autosave.error.value).toBeUndefined();
    expect((await useDb().campaigns.get(campaign.id))!.taskTime).toBe('11:30');
    expect(b.autosave.version.value).toBe(3);
  });

  it('a refused value is no conflict: it says why, and the corrected value saves and clears it', async () => {
    const campaign = await createCampaign('Shared');
    const a = window(campaign.id, campaign.version);
    a.draft.value = { taskTime: '1\u00000:00' };
    a.autosave.changed(true);
    await a.autosave.flush();
    expect(a.autosave.error.value).toMatchObject({ conflict: false, message: expect.stringMatching(/^taskTime: /) });
    await a.autosave.retry(campaign.version);
    expect(a.autosave.error.value?.conflict).toBe(false);
    a.draft.value = { taskTime: '10:00' };
    await a.autosave.retry(campaign.version);
    expect(a.autosave.error.value).toBeUndefined();
    expect(a.autosave.statusText.value).toBe('All changes saved');
  });

  it('takes a newer stored copy only while nothing is pending here, never an older one', async () => {
    const campaign = await createCampaign('Shared');
    const b = window(campaign.id, 2);
    expect(b.autosave.takesStored(1, false)).toBe(true);
    expect(b.autosave.takesStored(3, true)).toBe(true);
    expect(b.autosave.takesStored(2, true)).toBe(false);
    expect(b.autosave.takesStored(1, true)).toBe(false);
    b.autosave.changed();
    expect(b.autosave.takesStored(3, true)).toBe(false);
  });
});
