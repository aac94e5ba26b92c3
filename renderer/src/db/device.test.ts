import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { deviceIdOrCreate, readDeviceId } from './device';
import { createContact, type ContactInput } from './repos/contacts';

/**
 * This device's id (SPEC §7) has one owner, db/device.ts: written once with the first change,
 * never replaced, and the same id the outbox rows carry as their clientId.
 */
let db: CampaignDeskDb;
let n = 0;
beforeEach(async () => {
  setClock(Date.now);
  db = new CampaignDeskDb(`device-${++n}`);
  setDb(db);
  await db.open();
});

const person = (email: string): ContactInput => ({
  email,
  firstName: 'Ana',
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: '',
  notes: '',
  custom: {},
});

describe('the device id (SPEC §7)', () => {
  it('is absent until the first change, then the clientId of every outbox row', async () => {
    expect(await readDeviceId(db)).toBeUndefined();
    await Promise.all([createContact(person('ana@example.org')), createContact(person('bo@example.org'))]);
    const id = await readDeviceId(db);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await db.outbox.toArray()).map((row) => row.clientId)).toEqual([id, id]);
  });

  it('is never replaced once written', async () => {
    await db.transaction('rw', db.meta, () => deviceIdOrCreate(db, () => 'first-device'));
    expect(await db.transaction('rw', db.meta, () => deviceIdOrCreate(db, () => 'second-device'))).toBe('first-device');
    expect(await readDeviceId(db)).toBe('first-device');
  });
});
