import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError, VersionConflict } from '../../../core/errors';
import { setClock } from './change';
import { CampaignDeskDb, describeOpenFailure, setDb } from './database';
import { v1 } from './v1';
import { v2 } from './v2';
import { v3 } from './v3';
import { v4 } from './v4';
import { v5 } from './v5';
import { v6 } from './v6';
import { campaignCounters } from './results';
import { createCampaign, duplicateCampaign, renameCampaign, saveCampaign, setArchived } from './repos/campaigns';
import {
  createContact,
  deleteContacts,
  importContacts,
  restoreContacts,
  updateContact,
  type ContactInput,
} from './repos/contacts';
import { launch, previewLaunch } from './repos/launch';
import { startCapture } from './snapshot';
import { deleteMailbox, saveMailbox, type MailboxInput } from './repos/mailboxes';

let db: CampaignDeskDb;
let n = 0;
beforeEach(async () => {
  setClock(Date.now);
  db = new CampaignDeskDb(`test-${++n}`);
  setDb(db);
  await db.open();
});

const blank: ContactInput = {
  email: '',
  firstName: '',
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: '',
  notes: '',
  custom: {},
};
const person = (patch: Partial<ContactInput>): ContactInput => ({ ...blank, ...patch });
const mailbox: MailboxInput = {
  name: 'Rep One',
  email: 'rep@example.com',
  timeZone: 'America/New_York',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'rep' },
  dailyLimit: 400,
  minGapMs: 20_000,
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('schema', () => {
  it('opens with every table the app needs', () => {
    expect(db.verno).toBe(7);
    expect(db.tables.map((t) => t.name).sort()).toEqual(
      [
        'campaignResults',
        'campaigns',
        'conflicts',
        'contacts',
        'enrollments',
        'feed',
        'inboxMessages',
        'mailboxes',
        'meta',
        'outbox',
        'sentCopies',
        'stepRuns',
        'suppressions',
        'tasks',
        'templates',
      ].sort(),
    );
    expect(db.enrollments.schema.indexes.map((i) => i.name)).toContain('[status+nextDueAt]');
  });

  it('a version-1 database opens under version 6 with its rows intact', async () => {
    const name = `v1-${++n}`;
    const old = new Dexie(name);
    v1(old);
    await old.open();
    await old.table('contacts').add({ id: 'c1', email: 'ana@example.org', emailKey: 'ana@example.org' });
    old.close();
    const upgraded = new CampaignDeskDb(name);
    await upgraded.open();
    expect(upgraded.verno).toBe(7);
    expect((await upgraded.contacts.get('c1'))!.email).toBe('ana@example.org');
    expect(await upgraded.conflicts.count()).toBe(0);
    upgraded.close();
  });

  it('a version-6 database opens under version 7: its enrollments are found by campaign, by campaign and status, and by campaign, status and due instant', async () => {
    const name = `v6-${++n}`;
    const old = new Dexie(name);
    v1(old);
    v2(old);
    v3(old);
    v4(old);
    v5(old);
    v6(old);
    await old.open();
    await old.table('enrollments').bulkAdd([
      { id: 'e1', campaignId: 'k1', contactId: 'c1', status: 'active', nextDueAt: 30 },
      { id: 'e2', campaignId: 'k1', contactId: 'c2', status: 'paused', nextDueAt: 10 },
      { id: 'e3', campaignId: 'k1', contactId: 'c3', status: 'active', nextDueAt: 20 },
      { id: 'e4', campaignId: 'k2', contactId: 'c1', status: 'active', nextDueAt: 20 },
    ]);
    old.close();
    const upgraded = new CampaignDeskDb(name);
    await upgraded.open();
    expect(upgraded.verno).toBe(7);
    expect(upgraded.enrollments.schema.indexes.map((i) => i.name)).not.toContain('[campaignId+nextDueAt]');
    expect(
      await upgraded.enrollments
        .where('[campaignId+status+nextDueAt]')
        .between(['k1', ''], ['k1', '\uffff'])
        .primaryKeys(),
    ).toEqual(['e3', 'e1', 'e2']);
    expect(await upgraded.enrollments.where('[campaignId+status]').equals(['k1', 'active']).primaryKeys()).toEqual([
      'e3',
      'e1',
    ]);
    expect(
      await upgraded.enrollments.where('[campaignId+status]').anyOf(['k1', 'active'], ['k1', 'paused']).count(),
    ).toBe(3);
    expect(
      await upgraded.enrollments
        .where('[campaignId+status+nextDueAt]')
        .between(['k1', 'active', 15], ['k1', 'active', 25])
        .primaryKeys(),
    ).toEqual(['e3']);
    upgraded.close();
  });

  it('a version-2 database opens under version 4: step runs sent before are found by their Message-IDs', async () => {
    const name = `v2-${++n}`;
    const old = new Dexie(name);
    v1(old);
    v2(old);
    await old.open();
    await old.table('stepRuns').add({
      id: 'e1:s1',
      enrollmentId: 'e1',
      stepId: 's1',
      state: 'sent',
      messageId: '<ours@example.com>',
      deliveredMessageId: '<theirs@outlook.example>',
    });
    old.close();
    const upgraded = new CampaignDeskDb(name);
    await upgraded.open();
    expect((await upgraded.stepRuns.where('messageId').equals('<ours@example.com>').first())?.id).toBe('e1:s1');
    expect((await upgraded.stepRuns.where('deliveredMessageId').equals('<theirs@outlook.example>').first())?.id).toBe(
      'e1:s1',
    );
    expect(await upgraded.suppressions.count()).toBe(0);
    upgraded.close();
  });

  it('a version-3 database opens under version 6: replies, sent emails and held people are found by the new indexes, its rows intact and no sent copy waiting', async () => {
    const name = `v3-${++n}`;
    const old = new Dexie(name);
    v1(old);
    v2(old);
    v3(old);
    await old.open();
    await old.table('inboxMessages').add({
      id: 'm1:1:7',
      mailboxId: 'm1',
      messageId: '<r@example.org>',
      kind: 'reply',
      at: 5,
      enrollmentIds: ['e1'],
      contactIds: ['c1', 'c2'],
    });
    await old.table('stepRuns').add({ id: 'e1:s1', enrollmentId: 'e1', stepId: 's1', state: 'sent', sentAt: 9 });
    await old.table('enrollments').add({ id: 'e1', status: 'active', nextDueAt: 3, hold: 'overdue' });
    await old.table('enrollments').add({ id: 'e2', status: 'active', nextDueAt: 4 });
    await old.table('suppressions').add({ id: 'ana@example.org', reason: 'unsubscribed', at: 1 });
    old.close();
    const upgraded = new CampaignDeskDb(name);
    await upgraded.open();
    expect(upgraded.verno).toBe(7);
    expect((await upgraded.inboxMessages.where('[kind+at]').between(['reply', 0], ['reply', 10]).first())?.id).toBe(
      'm1:1:7',
    );
    expect((await upgraded.inboxMessages.where('contactIds').equals('c2').first())?.id).toBe('m1:1:7');
    expect(await upgraded.stepRuns.where('[state+sentAt]').between(['sent', 0], ['sent', 10]).primaryKeys()).toEqual([
      'e1:s1',
    ]);
    expect(
      await upgraded.enrollments
        .where('[hold+nextDueAt]')
        .between(['overdue', -Infinity], ['overdue', Infinity])
        .primaryKeys(),
    ).toEqual(['e1']);
    expect((await upgraded.suppressions.get('ana@example.org'))?.reason).toBe('unsubscribed');
    expect(await upgraded.sentCopies.count()).toBe(0);
    upgraded.close();
  });

  it('a version-3 database opens under version 6: a campaign sent before has its results counted from its rows when first read', async () => {
    const name = `v3-${++n}`;
    const old = new Dexie(name);
    v1(old);
    v2(old);
    v3(old);
    await old.open();
    await old.table('campaigns').add({ id: 'c1', name: 'Old', steps: [{ id: 's1', type: 'email', day: 1 }] });
    await old
      .table('enrollments')
      .add({ id: 'e1', campaignId: 'c1', contactId: 'p1', status: 'replied', zone: 'UTC', nextDueAt: 0 });
    await old.table('stepRuns').add({
      id: 'e1:s1',
      enrollmentId: 'e1',
      stepId: 's1',
      state: 'sent',
      sentAt: Date.parse('2026-03-02T09:00:00Z'),
    });
    old.close();
    const upgraded = new CampaignDeskDb(name);
    await upgraded.open();
    expect(await upgraded.campaignResults.count()).toBe(0);
    const counters = await campaignCounters(upgraded, 'c1');
    expect(counters).toMatchObject({ people: 1, 'step:s1:sent': 1, 'step:s1:replied': 1, 'heat:replied:1:9': 1 });
    expect((await upgraded.campaignResults.get('c1'))!.counters).toEqual(counters);
    upgraded.close();
  });

  it('the first snapshot is cut into parts of about 4 MB, so no part is too large for a push (sent emails carry their text)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const contact = await createContact(person({ email: `big${i}@example.org`, firstName: `Big${i}` }));
      // Notes of 1.5 MB each, written around the repositories as an old row could be.
      await db.contacts.update(contact.id, { notes: 'x'.repeat(1_500_000) });
      ids.push(contact.id);
    }
    expect(await startCapture(db)).toBe(5);
    const parts = (await db.outbox.toArray()).filter((row) => row.name === 'sync/snapshot');
    expect(parts.length).toBe(3);
    for (const part of parts) expect(JSON.stringify(part.writes).length).toBeLessThan(4_100_000);
    expect(parts.flatMap((part) => part.writes!.map((write) => write.id)).sort()).toEqual([...ids].sort());
  });

  it('on a device with a sync server set, every change records the rows it wrote, each with the row as it was before', async () => {
    await startCapture(db);
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    await updateContact(ana.id, { ...person({ email: 'ana@example.org', firstName: 'Anna' }) });
    const [created, edited] = await db.outbox.toArray();
    expect(created!.writes).toEqual([{ table: 'contacts', id: ana.id, op: 'put', base: null, value: ana }]);
    expect(edited!.writes).toHaveLength(1);
    expect(edited!.writes![0]).toMatchObject({
      table: 'contacts',
      id: ana.id,
      op: 'put',
      base: { firstName: 'Ana' },
      value: { firstName: 'Anna' },
    });
    await deleteContacts([ana.id]);
    expect((await db.outbox.toArray())[2]!.writes).toEqual([
      {
        table: 'contacts',
        id: ana.id,
        op: 'delete',
        base: expect.objectContaining({ firstName: 'Anna' }),
        value: null,
      },
    ]);
  });

  it('on a device working alone, a change writes the small row: its name and arguments, no rows', async () => {
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    await updateContact(ana.id, { ...person({ email: 'ana@example.org', firstName: 'Anna' }) });
    const rows = await db.outbox.toArray();
    expect(rows.map((row) => [row.name, row.alone, row.writes])).toEqual([
      ['contact/create', true, undefined],
      ['contact/update', true, undefined],
    ]);
  });

  it('explains a database written by a newer version without touching it', () => {
    const error = Object.assign(new Error('The requested version (1) is less than the existing version (5).'), {
      name: 'VersionError',
    });
    expect(describeOpenFailure(error).title).toBe('Your data was saved by a newer version of Campaign Desk');
  });
});

describe('every change writes its outbox row and Live Feed row in the same transaction', () => {
  it('creating a contact', async () => {
    const contact = await createContact(person({ email: 'Ana@Example.org', firstName: 'Ana', lastName: 'Lima' }));
    expect(await db.contacts.get(contact.id)).toMatchObject({
      email: 'Ana@Example.org',
      emailKey: 'ana@example.org',
      version: 1,
    });
    expect((await db.outbox.toArray()).map((row) => row.name)).toEqual(['contact/create']);
    expect((await db.feed.toArray()).map((row) => row.text)).toEqual(['Added contact Ana Lima']);
  });

  it('a refused change writes nothing at all', async () => {
    await createContact(person({ email: 'ana@example.org' }));
    expect(await refusal(createContact(person({ email: 'ANA@example.org' })))).toBe(
      'email: "ANA@example.org" is already a contact',
    );
    expect(await refusal(createContact(person({ email: 'bob.example.org' })))).toBe(
      'email: "bob.example.org" is not an email address (it has no "@")',
    );
    expect(await refusal(createContact(person({ email: 'bob@example.org', timeZone: 'EST' })))).toBe(
      'timeZone: "EST" is not an IANA time-zone name; did you mean "America/New_York"?',
    );
    expect(await db.contacts.count()).toBe(1);
    expect(await db.outbox.count()).toBe(1);
    expect(await db.feed.count()).toBe(1);
  });

  it('editing campaign steps coalesces Live Feed rows but records every mutation', async () => {
    const campaign = await createCampaign('Q2 outreach');
    const v2 = await saveCampaign(campaign.id, { skipWeekends: true }, 1);
    await saveCampaign(campaign.id, { taskTime: '10:00' }, v2.version);
    expect((await db.outbox.toArray()).map((row) => row.name)).toEqual([
      'campaign/create',
      'campaign/update',
      'campaign/update',
    ]);
    expect((await db.feed.toArray()).map((row) => row.kind)).toEqual(['campaign.created', 'campaign.edited']);
  });

  it('R12: a campaign’s own hours that overlap are refused, naming the block; the stored campaign stays', async () => {
    const campaign = await createCampaign('Q2');
    const v2 = await saveCampaign(campaign.id, { sendingWindow: { tue: [['09:00', '12:00']] } }, 1);
    expect(
      await refusal(
        saveCampaign(
          campaign.id,
          {
            sendingWindow: {
              tue: [
                ['09:00', '12:00'],
                ['11:00', '13:00'],
              ],
            },
          },
          v2.version,
        ),
      ),
    ).toBe(
      'sendingWindow.tue[1]: Tuesday, hours 2: 11:00–13:00 overlaps 09:00–12:00; let one end before the other starts',
    );
    expect(await db.campaigns.get(campaign.id)).toMatchObject({
      sendingWindow: { tue: [['09:00', '12:00']] },
      version: v2.version,
    });
    // Back to the mailbox's hours (null), or any time.
    const v3 = await saveCampaign(campaign.id, { sendingWindow: null }, v2.version);
    expect(v3.sendingWindow).toBeNull();
    expect((await saveCampaign(campaign.id, { sendingWindow: 'any' }, v3.version)).sendingWindow).toBe('any');
  });

  it('a save made on a stale version is refused, keeping what the other window saved', async () => {
    const campaign = await createCampaign('Q2 outreach');
    await saveCampaign(campaign.id, { taskTime: '10:00' }, 1);
    expect(await refusal(saveCampaign(campaign.id, { taskTime: '11:00' }, 1))).toMatch(
      /^version: this campaign was changed in another window/,
    );
    expect((await db.campaigns.get(campaign.id))!.taskTime).toBe('10:00');
  });

  it('a stale save is refused as a VersionConflict (what the editor offers "keep mine / take theirs" for), a bad value is not', async () => {
    const campaign = await createCampaign('Q2 outreach');
    await saveCampaign(campaign.id, { taskTime: '10:00' }, 1);
    const stale = await saveCampaign(campaign.id, { taskTime: '11:00' }, 1).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(VersionConflict);
    expect(stale).toBeInstanceOf(InputError);
    expect(stale).toMatchObject({ current: 2, expected: 1 });
    const unstorable = await saveCampaign(campaign.id, { taskTime: '1\u00000:00' }, 2).catch((error: unknown) => error);
    expect(unstorable).toBeInstanceOf(InputError);
    expect(unstorable).not.toBeInstanceOf(VersionConflict);
  });
});

describe('campaigns', () => {
  it('rename, duplicate and archive', async () => {
    const campaign = await createCampaign('  Q2 outreach ');
    await renameCampaign(campaign.id, 'Q2 EMEA');
    const copy = await duplicateCampaign(campaign.id);
    await setArchived(campaign.id, true);
    const all = await db.campaigns.toArray();
    expect(all.map((c) => [c.name, c.archived, c.status])).toEqual(
      expect.arrayContaining([
        ['Q2 EMEA', 1, 'draft'],
        ['Q2 EMEA (copy)', 0, 'draft'],
      ]),
    );
    expect(copy.id).not.toBe(campaign.id);
    expect(await refusal(renameCampaign(campaign.id, '   '))).toBe('name: a campaign needs a name');
  });
});

describe('contacts', () => {
  it('delete and undo restore the same records', async () => {
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    const deleted = await deleteContacts([ana.id]);
    expect(await db.contacts.count()).toBe(0);
    await restoreContacts(deleted);
    expect(await db.contacts.get(ana.id)).toEqual(ana);
  });

  it('edit keeps the id and bumps the version', async () => {
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    const edited = await updateContact(
      ana.id,
      person({ email: 'ana@example.org', firstName: 'Ana Maria', timeZone: 'Europe/Berlin' }),
    );
    expect(edited).toMatchObject({ id: ana.id, firstName: 'Ana Maria', timeZone: 'Europe/Berlin', version: 2 });
  });

  it('import merges or skips duplicates by address, in the file and in the database', async () => {
    await createContact(person({ email: 'ana@example.org', firstName: 'Ana', company: 'Globex' }));
    const rows = [
      person({ email: 'ANA@example.org', title: 'Head of Operations', custom: { Region: 'EMEA' } }),
      person({ email: 'kenji@example.net', firstName: 'Kenji' }),
      person({ email: 'kenji@example.net', company: 'Initech' }),
    ];
    expect(await importContacts(rows, 'merge', 'a.csv')).toEqual({ added: 1, merged: 2, skipped: 0 });
    const ana = await db.contacts.where('emailKey').equals('ana@example.org').first();
    expect(ana).toMatchObject({
      firstName: 'Ana',
      company: 'Globex',
      title: 'Head of Operations',
      custom: { Region: 'EMEA' },
      version: 2,
    });
    expect(await db.contacts.where('emailKey').equals('kenji@example.net').first()).toMatchObject({
      firstName: 'Kenji',
      company: 'Initech',
    });

    expect(await importContacts([person({ email: 'ana@example.org', title: 'CEO' })], 'skip', 'b.csv')).toEqual({
      added: 0,
      merged: 0,
      skipped: 1,
    });
    expect((await db.contacts.where('emailKey').equals('ana@example.org').first())!.title).toBe('Head of Operations');
    expect((await db.feed.orderBy('at').last())!.text).toBe('Imported b.csv: 0 added, 1 skipped as duplicates');
  });
});

describe('mailboxes', () => {
  it('refuses a bad port or zone naming the field', async () => {
    expect(await refusal(saveMailbox({ ...mailbox, timeZone: 'America/New_Yrok' }, false))).toBe(
      'timeZone: "America/New_Yrok" is not an IANA time-zone name; did you mean "America/New_York"?',
    );
    expect(await refusal(saveMailbox({ ...mailbox, smtp: { ...mailbox.smtp, port: 70000 } }, false))).toMatch(
      /^smtp\.port: .*70000/,
    );
    expect(await db.mailboxes.count()).toBe(0);
  });

  it('R12/R13: overlapping hours or a day both off and worked are refused, naming the field; nothing is stored', async () => {
    const saved = await saveMailbox({ ...mailbox, sendingWindow: { mon: [['09:00', '17:00']] } }, false);
    expect(
      await refusal(
        saveMailbox(
          {
            ...mailbox,
            id: saved.id,
            sendingWindow: {
              mon: [
                ['09:00', '17:00'],
                ['16:00', '18:00'],
              ],
            },
          },
          false,
        ),
      ),
    ).toBe(
      'sendingWindow.mon[1]: Monday, hours 2: 16:00–18:00 overlaps 09:00–17:00; let one end before the other starts',
    );
    expect(
      await refusal(
        saveMailbox(
          { ...mailbox, id: saved.id, holidays: { country: 'US', extra: ['2026-12-24'], workdays: ['2026-12-24'] } },
          false,
        ),
      ),
    ).toBe('holidays.workdays[0]: "2026-12-24" is both a day off and a working day; keep it in one list');
    expect(await db.mailboxes.get(saved.id)).toMatchObject({
      sendingWindow: { mon: [['09:00', '17:00']] },
      version: 1,
    });
    expect((await db.mailboxes.get(saved.id))!.holidays).toBeUndefined();
  });

  it('R9: the grace period is 2 hours unless set, kept when left out, and a bad one changes nothing', async () => {
    const saved = await saveMailbox(mailbox, false);
    expect(saved.overdueGraceMs).toBe(2 * 3_600_000);
    const half = await saveMailbox({ ...mailbox, id: saved.id, overdueGraceMs: 30 * 60_000 }, false);
    expect(half.overdueGraceMs).toBe(30 * 60_000);
    expect((await saveMailbox({ ...mailbox, id: saved.id, dailyLimit: 300 }, false)).overdueGraceMs).toBe(30 * 60_000);
    expect(await refusal(saveMailbox({ ...mailbox, id: saved.id, overdueGraceMs: -3_600_000 }, false))).toBe(
      'overdueGraceMs: -1 hours is not a grace period; use 0 or more',
    );
    expect(await refusal(saveMailbox({ ...mailbox, id: saved.id, overdueGraceMs: 8 * 24 * 3_600_000 }, false))).toBe(
      'overdueGraceMs: 192 hours is longer than a week; older sends should wait for you in Overdue',
    );
    expect(await refusal(saveMailbox({ ...mailbox, id: saved.id, overdueGraceMs: Number.NaN }, false))).toBe(
      'overdueGraceMs: is empty: enter how many hours late an email may still go (0 or more)',
    );
    expect((await db.mailboxes.get(saved.id))!).toMatchObject({ overdueGraceMs: 30 * 60_000, dailyLimit: 300 });
  });
});

describe('launch', () => {
  it('planned in the mailbox’s zone, an email landing at night or on a weekend in the person’s zone is warned of', async () => {
    await saveMailbox(mailbox, true);
    const campaign = await createCampaign('Night');
    const email = (id: string, day: number) => ({
      id,
      day,
      type: 'email' as const,
      subject: 'Hi',
      body: '<p>Hi</p>',
      send: { timing: 'at_time' as const, time: '09:30', followUp: false },
    });
    await saveCampaign(campaign.id, { steps: [email('s1', 1)] }, 1);
    const kenji = await createContact(
      person({ email: 'kenji@example.net', firstName: 'Kenji', timeZone: 'Asia/Tokyo' }),
    );
    const grace = await createContact(
      person({ email: 'grace@example.com', firstName: 'Grace', timeZone: 'America/New_York' }),
    );
    const launchAt = Date.parse('2026-03-06T12:00:00Z'); // Fri 07:00 in New York
    setClock(() => launchAt);
    const preview = await previewLaunch(campaign.id, [kenji.id, grace.id], launchAt, null);
    // 09:30 in New York is 23:30 in Tokyo.
    expect(preview.people[0]!.warnings).toEqual([
      'step 1 lands at Fri 6 Mar, 23:30 GMT+9 in their time (Asia/Tokyo): "Each person\'s time zone" sends at their local times',
    ]);
    expect(preview.people[1]!.warnings).toEqual([]);
  });

  it('writes one enrollment per person with the first due instant plan gives, all in one transaction', async () => {
    await saveMailbox(mailbox, true);
    const campaign = await createCampaign('Q2');
    await saveCampaign(
      campaign.id,
      {
        steps: [
          {
            id: 's1',
            day: 1,
            type: 'email',
            subject: 'Hi {{ first_name }}',
            body: '<p>Hi</p>',
            send: { timing: 'at_time', time: '09:30', followUp: false },
          },
          { id: 's2', day: 3, type: 'call', title: 'Call', notes: '' },
        ],
      },
      1,
    );
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    const nobody = await createContact(person({ email: 'x@example.org' }));
    const launchAt = Date.parse('2026-03-06T14:00:00Z');
    setClock(() => launchAt);
    const preview = await previewLaunch(campaign.id, [ana.id, nobody.id], launchAt, null);
    expect(preview.people[0]!.steps[0]).toMatchObject({ dueAt: '2026-03-06T14:30:00.000Z', subject: 'Hi Ana' });
    // SPEC §2: a missing merge field does not keep the person out; the email waits in Needs attention.
    expect(preview.people[1]).toMatchObject({
      excluded: false,
      warnings: [
        'step 1 cannot be sent as written (subject: missing first_name (empty, and no default given)): it will wait in Needs attention',
      ],
    });
    const enrollments = await launch(preview);
    expect(enrollments).toHaveLength(2);
    expect((await db.enrollments.toArray()).find((e) => e.contactId === ana.id)).toMatchObject({
      zone: 'America/New_York',
      nextStepIndex: 0,
      nextDueAt: Date.parse('2026-03-06T14:30:00Z'),
      status: 'active',
      launchedAt: launchAt,
    });
    expect((await db.campaigns.get(campaign.id))!.status).toBe('active');
    expect((await db.feed.toArray()).find((row) => row.kind === 'campaign.launched')!.text).toBe(
      'Launched Q2 for 2 people',
    );
    // Launching the same people again is refused and writes nothing more.
    expect(await refusal(launch(preview))).toMatch(/^people: .+ is already in this campaign; nobody was launched$/);
    expect(await db.enrollments.count()).toBe(2);
    expect((await db.outbox.toArray()).filter((row) => row.name === 'campaign/launch')).toHaveLength(1);
  });
});

describe('refusals that keep references whole', () => {
  async function launched() {
    await saveMailbox(mailbox, true);
    const campaign = await createCampaign('Q2');
    await saveCampaign(campaign.id, { steps: [{ id: 's1', day: 1, type: 'call', title: 'Call', notes: '' }] }, 1);
    const ana = await createContact(person({ email: 'ana@example.org', firstName: 'Ana' }));
    await launch(await previewLaunch(campaign.id, [ana.id], Date.now(), null));
    return { campaign, ana, mailboxId: (await db.mailboxes.toArray())[0]!.id };
  }

  it('a launch that fails half-way writes nothing: no enrollment, no status change, no feed or outbox row', async () => {
    await saveMailbox(mailbox, true);
    const campaign = await createCampaign('Q2');
    await saveCampaign(campaign.id, { steps: [{ id: 's1', day: 1, type: 'call', title: 'Call', notes: '' }] }, 1);
    const a = await createContact(person({ email: 'a@example.org' }));
    const b = await createContact(person({ email: 'b@example.org' }));
    const preview = await previewLaunch(campaign.id, [a.id, b.id], Date.now(), null);
    const outboxBefore = await db.outbox.count();
    const feedBefore = await db.feed.count();
    let created = 0;
    const fail = (): void => {
      if (++created === 2) throw new Error('disk full');
    };
    db.enrollments.hook('creating', fail);
    await expect(launch(preview)).rejects.toThrow('disk full');
    db.enrollments.hook('creating').unsubscribe(fail);
    expect(await db.enrollments.count()).toBe(0);
    expect((await db.campaigns.get(campaign.id))!.status).toBe('draft');
    expect(await db.outbox.count()).toBe(outboxBefore);
    expect(await db.feed.count()).toBe(feedBefore);
  });

  it('a paused person cannot be launched into the same campaign again', async () => {
    const { campaign, ana } = await launched();
    await db.enrollments.toCollection().modify({ status: 'paused' });
    const preview = await previewLaunch(campaign.id, [ana.id], Date.now(), null);
    expect(preview.people[0]).toMatchObject({
      excluded: true,
      warnings: expect.arrayContaining(['already in this campaign (paused)']),
    });
  });

  it('a contact or mailbox still in a campaign (even paused) cannot be deleted', async () => {
    const { ana, mailboxId } = await launched();
    await db.enrollments.toCollection().modify({ status: 'paused' });
    expect(await refusal(deleteContacts([ana.id]))).toBe(
      'contacts: Ana is in 1 campaign (active or paused); remove them from it first',
    );
    expect(await refusal(deleteMailbox(mailboxId))).toBe(
      'mailbox: rep@example.com still sends for 1 person in campaigns; finish or remove them first',
    );
    expect(await db.contacts.count()).toBe(1);
    expect(await db.mailboxes.count()).toBe(1);
  });

  it('renaming does not make a pending edit look stale', async () => {
    const campaign = await createCampaign('Q2');
    await renameCampaign(campaign.id, 'Q2 EMEA');
    const saved = await saveCampaign(campaign.id, { taskTime: '10:30' }, 1);
    expect(saved).toMatchObject({ name: 'Q2 EMEA', taskTime: '10:30', version: 2 });
  });
});
