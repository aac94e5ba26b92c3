import 'fake-indexeddb/auto';
import PostalMime from 'postal-mime';
import Dexie from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactBadges } from '../../../core/inbox/badges';
import type { Step } from '../../../core/model';
import type { WorkspaceResponse } from '../../../core/sync/protocol';
import { mintUnsubscribeToken } from '../../../core/unsubscribe-token';
import { createHost } from '../../../electron/host/services';
import { inProcessHost } from '../../../electron/host/testing/in-process';
import { engineRig, until } from '../../../electron/host/testing/engine-rig';
import { startServer, type RunningServer } from '../../../server/index';
import { setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact } from '../db/repos/contacts';
import { badgeFacts } from '../db/repos/inbox';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox } from '../db/repos/mailboxes';
import { sendTaskEmail } from '../db/repos/tasks';
import type { HostClient } from '../host/client';
import { SyncClient } from '../sync/client';
import type { Engine } from './engine';

/**
 * SPEC §12 end to end: the engine sends through a real SMTP server on 127.0.0.1, the
 * headers are read as that server received them; the recipient's one-click POST goes to
 * the real team server (PGlite in memory), and a second device pulls the suppression.
 */

const T0 = Date.parse('2026-03-09T12:00:00Z');
const DUE = Date.parse('2026-03-09T13:30:00Z'); // Mon 09:30 in New York
const DAY3 = Date.parse('2026-03-11T13:30:00Z'); // Wed 09:30

let cleanups: (() => Promise<void> | void)[] = [];
let n = 0;
beforeEach(() => {
  setClock(() => T0);
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
const rig = engineRig((cleanup) => cleanups.push(cleanup));

/** A real SMTP server: each message's headers as received (unfolded, RFC 5322 §2.2.3) and its HTML body decoded, in arrival order. */
async function smtp(): Promise<{ port: number; received: { headers: Map<string, string>; body: string }[] }> {
  const received: { headers: Map<string, string>; body: string }[] = [];
  const { port } = await rig.smtp(async ({ raw }) => {
    const cut = raw.indexOf('\r\n\r\n');
    const headers = new Map<string, string>();
    for (const line of raw
      .slice(0, cut)
      .replace(/\r\n(?=[ \t])/g, '')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    received.push({ headers, body: (await PostalMime.parse(raw)).html ?? '' });
  });
  return { port, received };
}

/** One device: its own database, host (test mode) and sync client. */
function device(name: string) {
  const db = new CampaignDeskDb(`unsub-${name}-${++n}`);
  const runtime = createHost({ host: 'web', version: 'test', testMode: true });
  const { client } = inProcessHost<HostClient>(runtime);
  const sync = new SyncClient(client, db);
  cleanups.push(async () => {
    sync.stop();
    await runtime.close();
    db.close();
  });
  return { db, runtime, client, sync };
}

const STEPS: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Hi {{ first_name }}',
    body: '<p>Hello {{ first_name }}</p><p>Not for you? {{ unsubscribe_link }}</p>',
    send: { timing: 'at_time', time: '09:30', followUp: false },
  },
  { id: 's2', day: 3, type: 'email', body: '<p>Bump</p>', send: { timing: 'same_as_previous', followUp: true } },
];

/** Device `a`'s mailbox (rep@example.com on `port`), Ana, and a campaign of `steps` launched for her at T0. */
async function launchedForAna(a: ReturnType<typeof device>, port: number, steps: Step[] = STEPS) {
  setDb(a.db);
  await a.db.open();
  await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp: { host: '127.0.0.1', port, security: 'none', user: '' },
      dailyLimit: 100,
      minGapMs: 0,
    },
    false,
  );
  const ana = await createContact({
    email: 'Ana@Globex.example',
    firstName: 'Ana',
    lastName: '',
    company: '',
    title: '',
    phone: '',
    timeZone: 'America/New_York',
    notes: '',
    custom: {},
  });
  const campaign = await createCampaign('Spring');
  await saveCampaign(campaign.id, { steps }, 1);
  const preview = await previewLaunch(campaign.id, [ana.id], T0, null);
  // `{{ unsubscribe_link }}` is never an empty merge field that blocks the email.
  expect(preview.people[0]!.warnings).toEqual([]);
  expect(preview.people[0]!.steps[0]!.blocked).toBeUndefined();
  await launch(preview);
  return { ana };
}

async function started(a: ReturnType<typeof device>): Promise<Engine> {
  await a.runtime.handlers['test/set-clock']({ now: T0 });
  const engine = rig.engine(a.client);
  await engine.start();
  return engine;
}

describe('SPEC §12: List-Unsubscribe, one-click, and the suppression on every device', () => {
  let server: RunningServer;
  beforeEach(async () => {
    server = await startServer({ dataDir: 'memory://', port: 0, publicUrl: 'https://sync.acme.example' });
    cleanups.push(() => server.close());
  }, 60_000);

  it('the email carries the https one-click and the mailto; the click is recorded; device 2 pulls it, shows Unsubscribed, and the follow-up never goes', async () => {
    const mail = await smtp();
    const token = await server.createToken('rep', 'acme');
    const a = device('a');
    await launchedForAna(a, mail.port);
    await a.sync.configure(server.url, token);
    const engine = await started(a);
    await a.runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await a.db.stepRuns.where('state').equals('sent').count()) === 1);
    await engine.idle();

    // The token the server can check: made with the workspace's key, for Ana's address.
    const key = (await (
      await fetch(`${server.url}/workspace`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as WorkspaceResponse;
    const ana = await mintUnsubscribeToken({ workspace: key.workspace, key: key.unsubscribeKey }, 'ana@globex.example');
    const https = `https://sync.acme.example/u/${ana}`;
    const mailto = `mailto:rep@example.com?subject=unsubscribe%20${ana}`;
    expect(mail.received).toHaveLength(1);
    const [email] = mail.received;
    expect(email!.headers.get('list-unsubscribe')).toBe(`<${https}>, <${mailto}>`);
    expect(email!.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    // `{{ unsubscribe_link }}` in the footer: the https link.
    expect(email!.body).toContain(`Not for you? ${https}`);

    // The recipient's mail program (Gmail's Unsubscribe button) posts to that address.
    const clicked = await fetch(`${server.url}/u/${ana}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.status).toBe(200);
    expect(await clicked.text()).toContain('You are unsubscribed');

    // Device 2 pulls the row, and Contacts shows the badge.
    const b = device('b');
    await b.db.open();
    await b.sync.configure(server.url, token);
    expect(await b.db.suppressions.get('ana@globex.example')).toMatchObject({
      address: 'ana@globex.example',
      reason: 'unsubscribed',
    });
    setDb(b.db);
    const facts = await badgeFacts();
    const onB = (await b.db.contacts.toArray())[0]!;
    expect(
      contactBadges(
        {
          ...onB,
          suppression: facts.suppressions.get(onB.emailKey),
          enrollments: facts.enrollments.get(onB.id) ?? [],
        },
        DUE,
      ).map((badge) => badge.label),
    ).toEqual(['Unsubscribed']);

    // Device 1, which launched her, pulls it too: her enrollment stops as unsubscribed at once
    // (no longer Scheduled until day 3), and on day 3 the follow-up does not go.
    setDb(a.db);
    await a.sync.syncNow();
    expect(await a.db.suppressions.get('ana@globex.example')).toMatchObject({ reason: 'unsubscribed' });
    expect((await a.db.enrollments.toArray())[0]).toMatchObject({ status: 'unsubscribed', hold: null });
    expect((await a.db.feed.toArray()).map((row) => row.text)).toContain(
      'Ana unsubscribed with the link in an email: ana@globex.example will not be emailed again; stopped Spring',
    );
    await a.runtime.handlers['test/set-clock']({ now: DAY3 });
    await engine.idle();
    expect(mail.received).toHaveLength(1);
  }, 60_000);

  it('without a team server: the mailto alone, no List-Unsubscribe-Post, the mailto in the footer; an email task written by hand carries none', async () => {
    const mail = await smtp();
    const a = device('solo');
    await launchedForAna(a, mail.port, [
      STEPS[0]!,
      {
        id: 's2',
        day: 3,
        type: 'email',
        subject: 'Quick call?',
        body: '<p>By hand</p>',
        send: { timing: 'task', followUp: false },
      },
    ]);
    const engine = await started(a);
    await a.runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => mail.received.length === 1);
    await engine.idle();
    const header = mail.received[0]!.headers.get('list-unsubscribe')!;
    expect(header).toMatch(
      /^<mailto:rep@example\.com\?subject=unsubscribe%20[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}>$/,
    );
    expect(mail.received[0]!.headers.has('list-unsubscribe-post')).toBe(false);
    expect(mail.received[0]!.body).toContain(`Not for you? ${header.slice(1, -1)}`);

    // Day 3: the email task falls due at 09:00; the salesperson sends it from the compose window.
    await a.runtime.handlers['test/set-clock']({ now: Date.parse('2026-03-11T13:00:00Z') });
    await until(async () => (await a.db.tasks.count()) === 1);
    const task = (await a.db.tasks.toArray())[0]!;
    const at = Date.parse('2026-03-11T14:00:00Z');
    await a.runtime.handlers['test/set-clock']({ now: at });
    await sendTaskEmail(task.id, { subject: 'Quick call?', html: '<p>Hi Ana</p>', text: 'Hi Ana' }, at);
    await until(() => mail.received.length === 2);
    expect(mail.received[1]!.headers.has('list-unsubscribe')).toBe(false);
  }, 60_000);

  it('an unsubscribe that arrives after the batch was read (a pull landing mid-batch) still stops the send: checked again just before it', async () => {
    const mail = await smtp();
    const a = device('late');
    await launchedForAna(a, mail.port);
    // The moment the engine's batch has read the suppression list (and found nothing), a
    // sync pull writes Ana's row in its own transaction: IndexedDB runs it before any
    // later read-write transaction over the table, so before the engine's claim.
    let armed = true;
    a.db.close();
    a.db.use({
      stack: 'dbcore',
      name: 'pull-lands-mid-batch',
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          if (name !== 'suppressions') return table;
          return {
            ...table,
            getMany: async (request) => {
              const rows = await table.getMany(request);
              if (armed && (request.trans as unknown as IDBTransaction).mode === 'readonly') {
                armed = false;
                void Dexie.ignoreTransaction(() =>
                  a.db.suppressions.put({
                    id: 'ana@globex.example',
                    address: 'ana@globex.example',
                    reason: 'unsubscribed',
                    at: DUE,
                  }),
                );
              }
              return rows;
            },
          };
        },
      }),
    });
    await a.db.open();
    const engine = await started(a);
    await a.runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await a.db.enrollments.toArray())[0]!.hold === 'needs-attention');
    await engine.idle();
    expect(armed).toBe(false);
    expect(mail.received).toHaveLength(0);
    const held = (await a.db.stepRuns.toArray()).find((run) => run.stepId === 's1');
    expect(held?.reason).toMatch(/^not sent to Ana: Ana@Globex\.example has unsubscribed/);
  }, 60_000);
});
