/**
 * In-browser benchmark (real IndexedDB in Chromium): launch 10,000 people into a
 * 6-step campaign through the app's own repositories, against a plain Dexie
 * `bulkPut` of 10,000 records of the same size in the same run.
 */
import Dexie from 'dexie';
import { CampaignDeskDb, setDb } from '../../renderer/src/db/database';
import { launch, previewLaunch } from '../../renderer/src/db/repos/launch';
import type { CampaignRecord, ContactRecord, MailboxRecord } from '../../renderer/src/db/records';

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Madrid',
  'Africa/Lagos',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Mexico_City',
  'Europe/Paris',
  'Asia/Seoul',
  'America/Toronto',
  'Europe/Warsaw',
];

async function fresh(name: string): Promise<void> {
  await Dexie.delete(name);
}

async function run(): Promise<Record<string, number>> {
  const people = 10_000;
  await fresh('bench-launch');
  await fresh('bench-baseline');
  const db = new CampaignDeskDb('bench-launch');
  setDb(db);
  await db.open();
  const at = Date.now();
  const mailbox: MailboxRecord = {
    id: 'mb1',
    name: 'Rep One',
    email: 'rep@example.com',
    timeZone: 'America/New_York',
    smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'rep' },
    hasPassword: true,
    dailyLimit: 400,
    minGapMs: 20_000,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const campaign: CampaignRecord = {
    id: 'c1',
    name: 'Bench',
    status: 'draft',
    archived: 0,
    mailboxId: 'mb1',
    timeZoneMode: 'recipient',
    skipWeekends: false,
    taskTime: '09:00',
    createdAt: at,
    updatedAt: at,
    version: 1,
    steps: [
      {
        id: 's1',
        day: 1,
        type: 'email',
        subject: 'Hi {{ first_name }}',
        body: '<p>Hi {{ first_name }}, a question about {{ company | default: "your team" }}.</p>',
        send: { timing: 'at_time', time: '09:30', followUp: false },
      },
      {
        id: 's2',
        day: 3,
        type: 'email',
        body: '<p>Bumping this up.</p>',
        send: { timing: 'same_as_previous', followUp: true },
      },
      { id: 's3', day: 4, type: 'call', title: 'Call {{ first_name }}', notes: 'Ask about Q2.' },
      {
        id: 's4',
        day: 6,
        type: 'email',
        subject: 'An idea',
        body: '<p>Here is the idea.</p>',
        send: { timing: 'at_time', time: '14:15', followUp: false },
      },
      { id: 's5', day: 8, type: 'linkedin', title: 'Connect', notes: '' },
      {
        id: 's6',
        day: 10,
        type: 'email',
        subject: 'Last note',
        body: '<p>Closing the loop.</p>',
        send: { timing: 'task', followUp: false },
      },
    ],
  };
  const contacts: ContactRecord[] = Array.from({ length: people }, (_, i) => ({
    id: `p${i}`,
    email: `person${i}@example.org`,
    emailKey: `person${i}@example.org`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    company: `Company ${i % 500}`,
    title: 'Head of Operations',
    phone: '+1 555 0100',
    timeZone: ZONES[i % ZONES.length]!,
    notes: '',
    custom: {},
    unsubscribed: false,
    bounced: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
  }));
  await db.mailboxes.add(mailbox);
  await db.campaigns.add(campaign);
  await db.contacts.bulkAdd(contacts);
  const ids = contacts.map((c) => c.id);

  // CPU time of the whole browser (this page, the browser process that writes IndexedDB, its
  // helpers), from the bench's Node side: steadier than wall time on a shared machine.
  const cpu = (window as unknown as { benchCpuMs?: () => Promise<number> }).benchCpuMs ?? (async () => NaN);
  const t0 = performance.now();
  const preview = await previewLaunch('c1', ids, Date.now(), null);
  const c1 = await cpu();
  const t1 = performance.now();
  const enrollments = await launch(preview);
  const t2 = performance.now();
  const c2 = await cpu();
  if (enrollments.length !== people || (await db.enrollments.count()) !== people)
    throw new Error('launch wrote the wrong number of enrollments');

  // Baseline: the same records, new keys, one plain bulkPut into a fresh database.
  const baseline = new Dexie('bench-baseline');
  baseline.version(1).stores({ items: 'id, [status+nextDueAt]' });
  await baseline.open();
  const copies = enrollments.map((e, i) => ({ ...e, id: `copy-${i}` }));
  const c3 = await cpu();
  const t3 = performance.now();
  await baseline.table('items').bulkPut(copies);
  const t4 = performance.now();
  const c4 = await cpu();

  // The same bulkPut into a table with the enrollments' own indexes (renderer/src/db/v7.ts):
  // what of the gap is the indexes the app reads by, rather than the launch's own work.
  const indexed = new Dexie('bench-baseline-indexes');
  indexed.version(1).stores({
    items: 'id, [status+nextDueAt], [campaignId+status+nextDueAt], [contactId+status], [hold+nextDueAt]',
  });
  await indexed.open();
  const t5 = performance.now();
  await indexed.table('items').bulkPut(copies);
  const t6 = performance.now();
  indexed.close();
  await Dexie.delete('bench-baseline-indexes');

  const outbox = await db.outbox.orderBy('mutationId').last();
  const result = {
    previewMs: t1 - t0,
    launchMs: t2 - t1,
    bulkPutMs: t4 - t3,
    bulkPutIndexedMs: t6 - t5,
    launchCpuMs: c2 - c1,
    bulkPutCpuMs: c4 - c3,
    // The whole row: the args and the rows written (base and value) that sync pushes.
    outboxBytes: JSON.stringify(outbox ?? null).length,
    enrollmentBytes: JSON.stringify(enrollments[0]).length,
  };
  db.close();
  baseline.close();
  return result;
}

(window as unknown as { runLaunchBench: typeof run }).runLaunchBench = run;
document.getElementById('state')!.textContent = 'ready';
