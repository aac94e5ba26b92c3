import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { createCampaign, renameCampaign, saveCampaign } from './repos/campaigns';
import { createContact, updateContact, type ContactInput } from './repos/contacts';

/**
 * Text the team's database cannot hold (a NUL, a lone surrogate) is refused where a
 * person types it, naming the field, and nothing is stored or queued for sync: it
 * would otherwise be refused at sync, far from where it was typed (SPEC §7, §8).
 */
let db: CampaignDeskDb;
let n = 0;
beforeEach(async () => {
  setClock(Date.now);
  db = new CampaignDeskDb(`storable-${++n}`);
  setDb(db);
  await db.open();
});

const person = (patch: Partial<ContactInput>): ContactInput => ({
  email: 'ana@example.org',
  firstName: 'Ana',
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: '',
  notes: '',
  custom: {},
  ...patch,
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('the app refuses text the database cannot hold, naming the field', () => {
  it('a contact: nothing stored, nothing to sync', async () => {
    expect(await refusal(createContact(person({ company: 'Acme\u0000' })))).toMatch(
      /^company: holds a NUL character \(\\u0000\) at character 5 of "Acme\\u0000"/,
    );
    expect(await refusal(createContact(person({ custom: { Region: 'EM\ud800EA' } })))).toMatch(
      /^custom\.Region: holds a lone surrogate/,
    );
    expect(await db.contacts.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    const ana = await createContact(person({}));
    expect(await refusal(updateContact(ana.id, person({ firstName: 'An\ud800a' })))).toMatch(
      /^firstName: holds a lone surrogate/,
    );
    expect((await db.contacts.get(ana.id))!.firstName).toBe('Ana');
    expect(await db.outbox.count()).toBe(1);
  });

  it('a campaign: its name, a step subject or body; the stored campaign stays as it was', async () => {
    const campaign = await createCampaign('Q3');
    expect(await refusal(renameCampaign(campaign.id, 'Q3\u0000'))).toMatch(/^name: holds a NUL character/);
    expect(await refusal(createCampaign('Q4\ud800'))).toMatch(/^name: holds a lone surrogate/);
    const step = (body: string) => ({
      id: 's1',
      day: 1,
      type: 'email' as const,
      subject: 'Hi',
      body,
      send: { timing: 'at_time' as const, time: '09:00', followUp: false },
    });
    expect(await refusal(saveCampaign(campaign.id, { steps: [step('<p>Hi\u0000</p>')] }, 1))).toMatch(
      /^steps\[0\]\.body: holds a NUL character/,
    );
    expect(await refusal(saveCampaign(campaign.id, { steps: [{ ...step('ok'), subject: 'Hey \ud83d' }] }, 1))).toMatch(
      /^steps\[0\]\.subject: holds a lone surrogate/,
    );
    const stored = (await db.campaigns.get(campaign.id))!;
    expect({ name: stored.name, steps: stored.steps, version: stored.version }).toEqual({
      name: 'Q3',
      steps: [],
      version: 1,
    });
    // An emoji (a surrogate pair) is fine.
    expect((await saveCampaign(campaign.id, { steps: [step('<p>Hi 😀</p>')] }, 1)).version).toBe(2);
  });
});
