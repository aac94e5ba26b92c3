import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HostCallName } from '../../../core/host/contract';
import { createHost, dispatch } from '../../../electron/host/services';
import { startServer, type RunningServer } from '../../../server/index';
import { onPulled, setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact, deleteContacts, updateContact, type ContactInput } from '../db/repos/contacts';
import { applyInboxBatch } from '../db/repos/inbox';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox } from '../db/repos/mailboxes';
import { linksFor, unsubscribeSettings } from '../db/unsubscribe';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostClient } from '../host/client';
import { SyncClient } from './client';
import { resolveConflict } from './conflicts';
import { discardProblem, readProblems, retryProblem } from './problems';
import { inChange } from '../db/change';
import { skipPendingSend } from '../db/repos/sends';
import { PullResponse, type PullRow } from '../../../core/sync/protocol';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The sync client against the real sync server (in-memory PGlite) and the real host
 * services, with each "device" its own IndexedDB (fake-indexeddb in Node). The browser
 * tests (e2e/sync.spec.ts) do the same through the screens.
 */

let server: RunningServer;
let token: string;
beforeAll(async () => {
  server = await startServer({ dataDir: 'memory://', port: 0 });
  token = await server.createToken('rep', 'acme');
}, 60_000);
afterAll(async () => server?.close());

let n = 0;
beforeEach(() => setClock(Date.now));

/** One device: its own database, its own host (token in its secret store), its own sync client. */
async function device(name: string) {
  const db = new CampaignDeskDb(`sync-${name}-${++n}`);
  await db.open();
  const host = createHost({ host: 'web', version: 'test' });
  const client: HostClient = {
    call: (call, input) => dispatch(host.handlers, call, input) as never,
    on: () => () => undefined,
    onReconnect: () => () => undefined,
    tryCall: async (call: HostCallName, input: unknown) => ({
      data: (await dispatch(host.handlers, call, input)) as never,
    }),
  } as HostClient;
  const sync = new SyncClient(client, db);
  /** Runs `work` with this device's database as the app's. */
  const on = async <T>(work: () => Promise<T>): Promise<T> => {
    setDb(db);
    return work();
  };
  return { db, sync, on, client, close: () => host.close() };
}

const person = (email: string, firstName: string): ContactInput => ({
  email,
  firstName,
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: 'Europe/Berlin',
  notes: '',
  custom: {},
});

/** A campaign of two emails, synced to the server from `a` and pulled by `b`. */
async function sharedCampaign(a: Awaited<ReturnType<typeof device>>, b: Awaited<ReturnType<typeof device>>) {
  const campaign = await a.on(async () => {
    const created = await createCampaign('Q2 outreach');
    return saveCampaign(
      created.id,
      {
        steps: [
          {
            id: 's1',
            day: 1,
            type: 'email',
            subject: 'Hi',
            body: '<p>First draft</p>',
            send: { timing: 'at_time', time: '09:00', followUp: false },
          },
          {
            id: 's2',
            day: 3,
            type: 'email',
            body: '<p>Bump</p>',
            send: { timing: 'same_as_previous', followUp: true },
          },
        ],
      },
      1,
    );
  });
  await a.sync.configure(server.url, token);
  await b.sync.configure(server.url, token);
  expect((await b.db.campaigns.get(campaign.id))!.steps).toHaveLength(2);
  return campaign;
}

describe('sync client against the sync server', () => {
  it('a pull that writes rows tells the window which tables it wrote, after its transaction (the engine re-tells R11 from it); a pull with nothing new tells nothing', async () => {
    const a = await device('a');
    const b = await device('b');
    const heard: string[][] = [];
    const stop = onPulled((tables) => heard.push([...tables]));
    try {
      const campaign = await sharedCampaign(a, b);
      // b's first pull wrote the campaign, and said so.
      expect(heard.some((tables) => tables.includes('campaigns'))).toBe(true);
      expect((await b.db.campaigns.get(campaign.id))!.name).toBe('Q2 outreach');
      const before = heard.length;
      await b.sync.syncNow();
      expect(heard).toHaveLength(before);
    } finally {
      stop();
    }
  });

  it('a one-click unsubscribe recorded by the team server stops the launching device’s enrollment at its next pull, and the other device sees it stopped (SPEC §12)', async () => {
    // A workspace of its own: Rosa's rows must not reach the other tests' devices.
    const own = await server.createToken('rep', 'oneclick');
    const a = await device('a');
    const b = await device('b');
    await a.sync.configure(server.url, own);
    const { rosa, campaignId } = await a.on(async () => {
      await saveMailbox(
        {
          name: 'Rep',
          email: 'rep@northwind.example',
          timeZone: 'Europe/Berlin',
          smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
          dailyLimit: 400,
          minGapMs: 20_000,
        },
        false,
      );
      const rosa = await createContact(person('rosa@brooklyn.example', 'Rosa'));
      const campaign = await createCampaign('Spring');
      const steps = ['s1', 's2'].map((id, i) => ({
        id,
        day: i + 1,
        type: 'email' as const,
        subject: 'Hi',
        body: '<p>Hi</p>',
        send: { timing: 'at_time' as const, time: '23:59', followUp: false },
      }));
      await saveCampaign(campaign.id, { steps }, 1);
      await launch(await previewLaunch(campaign.id, [rosa.id], Date.now(), null));
      return { rosa, campaignId: campaign.id };
    });
    await a.sync.syncNow();
    await b.sync.configure(server.url, own);
    expect((await b.db.enrollments.toArray()).map((e) => e.status)).toEqual(['active']);

    // The link in Rosa's email, made by device A with the workspace's key: she clicks it.
    const links = await a.on(async () =>
      linksFor(await unsubscribeSettings(), 'rep@northwind.example', 'rosa@brooklyn.example'),
    );
    const path = `/u/${encodeURIComponent(links.token)}`;
    const answer = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(answer.status).toBe(200);

    await a.sync.syncNow();
    const [enrollment] = await a.db.enrollments.toArray();
    expect(enrollment).toMatchObject({ status: 'unsubscribed', campaignId });
    expect((await a.db.contacts.get(rosa.id))!.unsubscribed).toBe(true);
    expect((await a.db.feed.toArray()).map((row) => row.text)).toContain(
      'Rosa unsubscribed with the link in an email: rosa@brooklyn.example will not be emailed again; stopped Spring',
    );
    // Pulled again (another page, a restart): nothing more changes.
    await a.sync.syncNow();
    expect((await a.db.feed.toArray()).filter((row) => row.kind === 'inbox.unsubscribed')).toHaveLength(1);

    await b.sync.syncNow();
    expect((await b.db.enrollments.toArray()).map((e) => e.status)).toEqual(['unsubscribed']);
    expect((await b.db.contacts.get(rosa.id))!.unsubscribed).toBe(true);
    a.close();
    b.close();
  });

  it('sending hours changed on another device date this device’s scheduled email again at its pull (SPEC R12: a window change applies to sends not yet claimed)', async () => {
    const own = await server.createToken('rep', 'hours');
    // Mon 9 Mar 2026, 02:00 in New York: Ana's email is planned for 09:30 EDT (13:30Z).
    setClock(() => Date.parse('2026-03-09T06:00:00Z'));
    const a = await device('a');
    const b = await device('b');
    await a.sync.configure(server.url, own);
    const mailboxInput = {
      name: 'Rep',
      email: 'rep@northwind.example',
      timeZone: 'America/New_York',
      smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls' as const, user: 'rep' },
      dailyLimit: 400,
      minGapMs: 20_000,
    };
    const enrollmentId = await a.on(async () => {
      await saveMailbox(mailboxInput, false);
      const ana = await createContact({ ...person('ana@brooklyn.example', 'Ana'), timeZone: 'America/New_York' });
      const campaign = await createCampaign('Hours');
      const steps = [
        {
          id: 's1',
          day: 1,
          type: 'email' as const,
          subject: 'Hi',
          body: '<p>Hi</p>',
          send: { timing: 'at_time' as const, time: '09:30', followUp: false },
        },
      ];
      await saveCampaign(campaign.id, { steps }, 1);
      await launch(await previewLaunch(campaign.id, [ana.id], Date.parse('2026-03-09T06:00:00Z'), null));
      return (await a.db.enrollments.toArray())[0]!.id;
    });
    expect(new Date((await a.db.enrollments.get(enrollmentId))!.nextDueAt).toISOString()).toBe(
      '2026-03-09T13:30:00.000Z',
    );
    await a.sync.syncNow();

    // On the rep's other computer, the mailbox's hours become weekdays 10:00–18:00.
    await b.sync.configure(server.url, own);
    const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [['10:00', '18:00']]]));
    await b.on(async () => {
      const [mailbox] = await b.db.mailboxes.toArray();
      await saveMailbox({ ...mailboxInput, id: mailbox!.id, sendingWindow: weekdays }, false);
    });
    await b.sync.syncNow();
    // B launched nothing: it moved nothing of A's.
    expect(new Date((await b.db.enrollments.get(enrollmentId))!.nextDueAt).toISOString()).toBe(
      '2026-03-09T13:30:00.000Z',
    );

    await a.on(() => a.sync.syncNow()); // device A is the app: its database is the one its repositories use
    expect(new Date((await a.db.enrollments.get(enrollmentId))!.nextDueAt).toISOString()).toBe(
      '2026-03-09T14:00:00.000Z',
    );
    expect((await a.db.feed.toArray()).map((row) => row.text)).toContain(
      'Sending hours changed on another device (rep@northwind.example): 1 scheduled email moved for the new hours or days off',
    );
    // Pulled again: nothing more moves, nothing more is said.
    await a.on(() => a.sync.syncNow());
    expect((await a.db.feed.toArray()).filter((row) => row.text.startsWith('Sending hours changed'))).toHaveLength(1);
    a.close();
    b.close();
  });

  it('a pulled unsubscribe whose stop was lost (a crash after its page was applied) is stopped at the next start', async () => {
    const own = await server.createToken('rep', 'oneclick-crash');
    const a = await device('a');
    await a.sync.configure(server.url, own);
    const rosa = await a.on(async () => {
      await saveMailbox(
        {
          name: 'Rep',
          email: 'rep@northwind.example',
          timeZone: 'Europe/Berlin',
          smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
          dailyLimit: 400,
          minGapMs: 20_000,
        },
        false,
      );
      const rosa = await createContact(person('rosa@brooklyn.example', 'Rosa'));
      const campaign = await createCampaign('Spring');
      await saveCampaign(
        campaign.id,
        {
          steps: [
            {
              id: 's1',
              day: 1,
              type: 'email',
              subject: 'Hi',
              body: '<p>Hi</p>',
              send: { timing: 'at_time', time: '23:59', followUp: false },
            },
          ],
        },
        1,
      );
      await launch(await previewLaunch(campaign.id, [rosa.id], Date.now(), null));
      return rosa;
    });
    // The row is here, its stop never ran: the app stopped between the two transactions.
    await a.db.suppressions.put({ id: rosa.emailKey, address: rosa.emailKey, reason: 'unsubscribed', at: Date.now() });
    expect((await a.db.enrollments.toArray()).map((e) => e.status)).toEqual(['active']);
    // The app starts again: a new sync client, its first pull.
    setDb(a.db);
    const restarted = new SyncClient(a.client, a.db);
    await restarted.configure(server.url, own);
    expect((await a.db.enrollments.toArray()).map((e) => e.status)).toEqual(['unsubscribed']);
    a.close();
  });

  it('an unsubscribe read on one device suppresses the address on the other, and deleting the contact keeps it (SPEC §12)', async () => {
    const a = await device('a');
    const b = await device('b');
    const { mailboxId, rosa } = await a.on(async () => ({
      mailboxId: (
        await saveMailbox(
          {
            name: 'Rep',
            email: 'rep@northwind.example',
            timeZone: 'Europe/Berlin',
            smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
            dailyLimit: 400,
            minGapMs: 20_000,
          },
          false,
        )
      ).id,
      rosa: await createContact(person('rosa@brooklyn.example', 'Rosa')),
    }));
    await a.on(async () => {
      const campaign = await createCampaign('Spring');
      await saveCampaign(
        campaign.id,
        {
          steps: [
            {
              id: 's1',
              day: 1,
              type: 'email',
              subject: 'Hi',
              body: '<p>Hi</p>',
              send: { timing: 'at_time', time: '23:59', followUp: false },
            },
          ],
        },
        1,
      );
      await launch(await previewLaunch(campaign.id, [rosa.id], Date.now(), null));
    });
    // Written after the launch (a message older than the enrollment is old mail, not about it).
    const raw = readFileSync(
      join(import.meta.dirname, '../../../core/inbox/fixtures/unsubscribe-mailto.eml'),
      'utf8',
    ).replace(/^Date: .*$/m, `Date: ${new Date(Date.now() + 60_000).toUTCString()}`);
    await a.on(() => applyInboxBatch({ mailboxId, uidValidity: 1, lastUid: 1, messages: [{ uid: 1, raw }] }));
    await a.sync.configure(server.url, token);
    await b.sync.configure(server.url, token);
    expect(await b.db.suppressions.get('rosa@brooklyn.example')).toMatchObject({ reason: 'unsubscribed' });
    expect((await b.db.contacts.get(rosa.id))!.unsubscribed).toBe(true);
    expect((await b.db.enrollments.toArray()).map((e) => e.status)).toEqual(['unsubscribed']);
    await b.on(() => deleteContacts([rosa.id]));
    await b.sync.syncNow();
    await a.sync.syncNow();
    expect(await a.db.contacts.get(rosa.id)).toBeUndefined();
    expect(await a.db.suppressions.get('rosa@brooklyn.example')).toMatchObject({ reason: 'unsubscribed' });
    a.close();
    b.close();
  });

  it('what one device writes arrives on the other, and the outbox empties', async () => {
    const a = await device('a');
    const b = await device('b');
    const ana = await a.on(() => createContact(person('ana@example.org', 'Ana')));
    await a.sync.configure(server.url, token);
    expect(a.sync.status).toMatchObject({ phase: 'synced', lastError: null });
    expect(await a.db.outbox.count()).toBe(0);
    await b.sync.configure(server.url, token);
    expect(await b.db.contacts.get(ana.id)).toMatchObject({ email: 'ana@example.org', firstName: 'Ana' });
    // B's copy came from the server: B has nothing of its own to push.
    expect(await b.db.outbox.count()).toBe(0);
    a.close();
    b.close();
  });

  it('edits made apart on different steps of one campaign both survive, in either order, with no conflict', async () => {
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const devices = { a: await device('a'), b: await device('b') };
      const { a, b } = devices;
      const campaign = await sharedCampaign(a, b);
      // Apart: A rewrites step 1's body, B moves step 2 to day 4.
      await a.on(async () => {
        const current = (await a.db.campaigns.get(campaign.id))!;
        const steps = current.steps.map((s) => (s.id === 's1' ? { ...s, body: '<p>Written on A</p>' } : s));
        await saveCampaign(campaign.id, { steps }, current.version);
      });
      await b.on(async () => {
        const current = (await b.db.campaigns.get(campaign.id))!;
        const steps = current.steps.map((s) => (s.id === 's2' ? { ...s, day: 4 } : s));
        await saveCampaign(campaign.id, { steps }, current.version);
      });
      await devices[order[0]].sync.syncNow();
      await devices[order[1]].sync.syncNow();
      await devices[order[0]].sync.syncNow();
      for (const d of [a, b]) {
        const steps = (await d.db.campaigns.get(campaign.id))!.steps;
        expect(steps.map((s) => [s.id, s.day, s.type === 'email' ? s.body : ''])).toEqual([
          ['s1', 1, '<p>Written on A</p>'],
          ['s2', 4, '<p>Bump</p>'],
        ]);
        expect(await d.db.conflicts.count()).toBe(0);
      }
      a.close();
      b.close();
    }
  });

  it('the same body written differently on two devices: the later one becomes a conflict copy, and "keep mine" wins everywhere', async () => {
    const a = await device('a');
    const b = await device('b');
    const campaign = await sharedCampaign(a, b);
    for (const [d, text] of [
      [a, '<p>A says hello</p>'],
      [b, '<p>B says hello</p>'],
    ] as const) {
      await d.on(async () => {
        const current = (await d.db.campaigns.get(campaign.id))!;
        const steps = current.steps.map((s) => (s.id === 's1' ? { ...s, body: text } : s));
        await saveCampaign(campaign.id, { steps }, current.version);
      });
    }
    await a.sync.syncNow();
    await b.sync.syncNow();
    await a.sync.syncNow();
    // The server kept A's (it came first); B's text is not lost: it is the conflict copy, on both devices.
    for (const d of [a, b]) {
      const body = (await d.db.campaigns.get(campaign.id))!.steps[0]!;
      expect(body.type === 'email' && body.body).toBe('<p>A says hello</p>');
      const [conflict] = await d.db.conflicts.toArray();
      expect(conflict).toMatchObject({ table: 'campaigns', rowId: campaign.id, kind: 'edit', resolved: false });
      expect(conflict!.fields).toContain('steps[id=s1].body');
      expect((conflict!.mine as unknown as { steps: { body: string }[] }).steps[0]!.body).toBe('<p>B says hello</p>');
    }
    // On B, the person keeps their own version.
    const [conflict] = await b.db.conflicts.toArray();
    await b.on(() => resolveConflict(conflict!.id, 'mine'));
    await b.sync.syncNow();
    await a.sync.syncNow();
    for (const d of [a, b]) {
      const step = (await d.db.campaigns.get(campaign.id))!.steps[0]!;
      expect(step.type === 'email' && step.body).toBe('<p>B says hello</p>');
      expect((await d.db.conflicts.get(conflict!.id))!.resolved).toBe(true);
    }
    a.close();
    b.close();
  });

  it('a week offline (5,000 changes) arrives whole and in order once the server answers', async () => {
    const a = await device('a');
    const b = await device('b');
    await a.sync.configure(server.url, token);
    const ana = await a.on(() => createContact(person('week@example.org', 'Edit 0')));
    for (let i = 1; i < 5_000; i++) await a.on(() => updateContact(ana.id, person('week@example.org', `Edit ${i}`)));
    expect(await a.db.outbox.count()).toBe(5_000);
    await a.sync.syncNow();
    expect(a.sync.status.phase).toBe('synced');
    expect(await a.db.outbox.count()).toBe(0);
    await b.sync.configure(server.url, token);
    // In order: the last edit is the one that stands.
    expect((await b.db.contacts.get(ana.id))!.firstName).toBe('Edit 4999');
    a.close();
    b.close();
  }, 120_000);

  it('a database found empty is never pushed as deletions: it pulls everything back', async () => {
    const a = await device('a');
    const ana = await a.on(() => createContact(person('kept@example.org', 'Kept')));
    await a.sync.configure(server.url, token);
    // The same device, its database wiped (a new profile, a reinstall).
    const fresh = await device('a-wiped');
    await fresh.sync.configure(server.url, token);
    expect(await fresh.db.outbox.count()).toBe(0);
    expect((await fresh.db.contacts.get(ana.id))!.firstName).toBe('Kept');
    a.close();
    fresh.close();
  });

  it('a pull rebases what is still to push: the server’s other fields are taken, the local edit stays; a claimed step run never goes back', async () => {
    const a = await device('a');
    const ana = await a.on(() => createContact(person('rebase@example.org', 'Ana')));
    await a.sync.configure(server.url, token);
    await a.on(() => updateContact(ana.id, person('rebase@example.org', 'Anna')));
    const apply = (a.sync as unknown as { apply(rows: unknown[], cookie: number): Promise<void> }).apply.bind(a.sync);
    const serverRow = { ...(await a.db.contacts.get(ana.id))!, firstName: 'Ana', company: 'Globex', updatedAt: 1 };
    await a.db.stepRuns.put({
      id: 'e1:s1',
      enrollmentId: 'e1',
      stepId: 's1',
      state: 'sending',
      dueAt: 0,
      messageId: '<m@x.example>',
      references: [],
      subject: 'Hi',
      html: '',
      text: '',
      sentAt: null,
      manual: false,
      smtpReply: null,
      updatedAt: 0,
    });
    await apply(
      [
        { table: 'contacts', id: ana.id, deleted: false, value: serverRow },
        {
          table: 'stepRuns',
          id: 'e1:s1',
          deleted: false,
          value: { ...(await a.db.stepRuns.get('e1:s1'))!, state: 'scheduled' },
        },
      ],
      999_999,
    );
    expect(await a.db.contacts.get(ana.id)).toMatchObject({ firstName: 'Anna', company: 'Globex' });
    expect((await a.db.stepRuns.get('e1:s1'))!.state).toBe('sending');
    a.close();
  });

  it('a change the server refuses for good (a NUL in a name) is set aside as a sync problem; the changes after it go on', async () => {
    const a = await device('a');
    const b = await device('b');
    await a.sync.configure(server.url, token);
    const ana = await a.on(() => createContact(person('ana.refused@example.org', 'Ana')));
    // A value written before the app refused such text (an older version, another path): straight into the table.
    await a.on(() =>
      inChange([a.db.contacts], async () => {
        await a.db.contacts.update(ana.id, { firstName: 'An\u0000a' });
        return { result: undefined, change: { name: 'contact/update', args: { id: ana.id } } };
      }),
    );
    const ben = await a.on(() => createContact(person('ben.refused@example.org', 'Ben')));
    await a.on(() => updateContact(ben.id, { ...person('ben.refused@example.org', 'Ben'), company: 'Initech' }));
    await a.sync.syncNow();

    expect(a.sync.status).toMatchObject({ phase: 'synced', lastError: null });
    expect(await a.db.outbox.count()).toBe(0);
    const problems = await readProblems(a.db);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      status: 400,
      change: { name: 'contact/update' },
      reason: expect.stringMatching(/^writes\[0\]\.value\.firstName: holds a NUL character/),
    });
    // Ben (created and edited after the refused change) reached the team.
    await b.sync.configure(server.url, token);
    expect(await b.db.contacts.get(ben.id)).toMatchObject({ firstName: 'Ben', company: 'Initech' });
    expect(await b.db.contacts.get(ana.id)).toMatchObject({ firstName: 'Ana' });

    // Fixed on the device, then *Try again*: it goes as a new change, after the ones the server has.
    await a.db.contacts.update(ana.id, { firstName: 'Anna' }); // not a change: the row the retry carries is fixed below
    const fixed = { ...problems[0]!, change: { ...problems[0]!.change } };
    fixed.change.writes = fixed.change.writes!.map((write) => ({
      ...write,
      value: { ...write.value!, firstName: 'Anna' },
    }));
    await a.db.meta.put({ key: 'sync.problems', value: [fixed] });
    await retryProblem(a.db, fixed.id);
    expect(await readProblems(a.db)).toEqual([]);
    await a.sync.syncNow();
    expect(await a.db.outbox.count()).toBe(0);
    await b.sync.syncNow();
    expect(await b.db.contacts.get(ana.id)).toMatchObject({ firstName: 'Anna' });

    // Try again with the same bad value: refused again, set aside again; Discard forgets it.
    await a.on(() =>
      inChange([a.db.contacts], async () => {
        await a.db.contacts.update(ana.id, { lastName: '\ud800' });
        return { result: undefined, change: { name: 'contact/update', args: { id: ana.id } } };
      }),
    );
    await a.sync.syncNow();
    const [again] = await readProblems(a.db);
    expect(again!.reason).toMatch(/^writes\[0\]\.value\.lastName: holds a lone surrogate/);
    await discardProblem(a.db, again!.id);
    expect(await readProblems(a.db)).toEqual([]);
    a.sync.stop();
    b.sync.stop();
    a.close();
    b.close();
  });

  it("offline is the host's word (the engine's too): a host without network makes no request and the client says Offline at once; when it is back, what waited goes", async () => {
    const db = new CampaignDeskDb(`sync-host-offline-${++n}`);
    await db.open();
    const host = createHost({ host: 'web', version: 'test', testMode: true });
    const listeners = new Map<string, (payload: unknown) => void>();
    host.emit = (event, payload) => listeners.get(event)?.(payload);
    const requests: string[] = [];
    const client = {
      call: (call: HostCallName, input: unknown) => {
        if (call === 'sync/request') requests.push((input as { path: string }).path);
        return dispatch(host.handlers, call, input);
      },
      on: (event: string, listener: (payload: unknown) => void) => {
        listeners.set(event, listener);
        return () => listeners.delete(event);
      },
      onReconnect: () => () => undefined,
      tryCall: async (call: HostCallName, input: unknown) => ({ data: await dispatch(host.handlers, call, input) }),
    } as unknown as HostClient;
    const sync = new SyncClient(client, db);
    await sync.start();
    await sync.configure(server.url, token);
    expect(sync.status.phase).toBe('synced');

    await dispatch(host.handlers, 'test/set-offline', { offline: true });
    expect(sync.status.phase).toBe('offline');
    setDb(db);
    await createContact(person('offline@example.org', 'Olive'));
    requests.length = 0;
    await sync.syncNow();
    expect(requests).toEqual([]);
    expect(sync.status.phase).toBe('offline');
    expect(await db.outbox.count()).toBe(1);

    await dispatch(host.handlers, 'test/set-offline', { offline: false });
    await expect.poll(() => db.outbox.count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => sync.status.phase, { timeout: 20_000 }).toBe('synced');
    expect(requests[0]).toBe('/health');
    sync.stop();
    host.close();
  });

  it('a wrong token or an unreachable server says so in words, and nothing leaves the outbox', async () => {
    const a = await device('a');
    await a.on(() => createContact(person('x@example.org', 'X')));
    await a.sync.configure(server.url, 'not-a-token');
    expect(a.sync.status).toMatchObject({
      phase: 'error',
      lastError:
        'the server refused the token (revoked, expired or mistyped): paste the token again (or ask for a new one)',
    });
    expect(await a.db.outbox.count()).toBe(1);
    await a.sync.configure('http://127.0.0.1:9', token);
    expect(a.sync.status).toMatchObject({ phase: 'offline' });
    expect(await a.db.outbox.count()).toBe(1);
    await expect(a.sync.configure('http://sync.example.com', token)).rejects.toThrow(
      'url: "http://sync.example.com" would send your token unencrypted; use https:// (http:// is only for a server on this computer)',
    );
    await expect(a.sync.configure('ftp://example.com', token)).rejects.toThrow(
      'url: "ftp://example.com" is not an http(s) address',
    );
    a.sync.stop();
    a.close();
  });
});

/** Every row the server holds for `token`'s workspace, pulled from the beginning by an observer (not a device). */
async function serverRows(token: string): Promise<{ cookie: number; rows: PullRow[] }> {
  const rows: PullRow[] = [];
  let cookie: number | null = null;
  for (;;) {
    const answer = await fetch(`${server.url}/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'observer', cookie }),
    });
    const page = PullResponse.parse(await answer.json());
    rows.push(...page.rows);
    cookie = page.cookie;
    if (!page.hasMore) return { cookie, rows };
  }
}

/**
 * A TCP peer in front of the sync server that passes everything through except the
 * answer to a push: it closes the connection once the server has answered one, so the
 * push is applied on the server and the device never learns it.
 */
async function answerLostOnPush(): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(server.url);
  const sockets = new Set<Socket>();
  const proxy = createNetServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let pushing = false;
    client.on('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('POST /push')) pushing = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (pushing) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describe('launch on a device working alone, then a sync server set (db/snapshot.ts)', () => {
  /** A mailbox, `count` people and a two-email campaign launched for them all, on `d`. */
  async function launched(d: Awaited<ReturnType<typeof device>>, count: number) {
    return d.on(async () => {
      await saveMailbox(
        {
          name: 'Rep',
          email: 'rep@northwind.example',
          timeZone: 'Europe/Berlin',
          smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
          dailyLimit: 400,
          minGapMs: 20_000,
        },
        false,
      );
      const people = [];
      for (let i = 0; i < count; i++) people.push(await createContact(person(`p${i}@launchrow.example`, `P${i}`)));
      const campaign = await createCampaign('Alone');
      const steps = ['s1', 's2'].map((id, i) => ({
        id,
        day: i + 1,
        type: 'email' as const,
        subject: 'Hi',
        body: '<p>Hi</p>',
        send: { timing: 'at_time' as const, time: '23:59', followUp: false },
      }));
      await saveCampaign(campaign.id, { steps }, 1);
      const enrollments = await launch(
        await previewLaunch(
          campaign.id,
          people.map((p) => p.id),
          Date.now(),
          null,
        ),
      );
      return { campaign, people, enrollments };
    });
  }

  /** Rows of `table` on the server, counted by id (each must be there once). */
  const byTable = (rows: PullRow[], table: string) => rows.filter((row) => row.table === table && !row.deleted);

  it('launching 50 people alone writes the small outbox row; setting a server then brings the team all 50 enrollments and their step runs, each once', async () => {
    const own = await server.createToken('rep', 'launchrow');
    const a = await device('a');
    const { campaign, people, enrollments } = await launched(a, 50);
    // The step 1 email of ten of them skipped, still alone: ten step runs.
    await a.on(() => skipPendingSend(enrollments.slice(0, 10).map((e) => e.id)));

    const launchRow = (await a.db.outbox.toArray()).find((row) => row.name === 'campaign/launch')!;
    // The intent only: the launch once and who, no enrollment rows.
    expect(Object.keys(launchRow).sort()).toEqual(['alone', 'args', 'at', 'clientId', 'mutationId', 'name']);
    expect(launchRow.alone).toBe(true);
    expect(launchRow.args).toMatchObject({ campaignId: campaign.id, contactIds: people.map((p) => p.id) });
    expect(JSON.stringify(launchRow).length).toBeLessThan(4_096);
    expect(JSON.stringify(launchRow)).not.toContain(`"${enrollments[0]!.id}"`);

    await a.sync.configure(server.url, own);
    expect(a.sync.status).toMatchObject({ phase: 'synced', lastError: null });
    expect(await a.db.outbox.count()).toBe(0);

    const { cookie, rows } = await serverRows(own);
    const onServer = byTable(rows, 'enrollments');
    expect(onServer.map((row) => row.id).sort()).toEqual(enrollments.map((e) => e.id).sort());
    expect(onServer.find((row) => row.id === enrollments[0]!.id)!.value).toMatchObject({
      campaignId: campaign.id,
      contactId: people[0]!.id,
      deviceId: enrollments[0]!.deviceId,
      status: 'active',
    });
    const runs = byTable(rows, 'stepRuns');
    expect(runs.map((row) => row.id).sort()).toEqual(
      enrollments
        .slice(0, 10)
        .map((e) => `${e.id}:s1`)
        .sort(),
    );
    expect(runs.every((row) => (row.value as { state?: string }).state === 'skipped')).toBe(true);
    expect(byTable(rows, 'contacts')).toHaveLength(50);
    expect(byTable(rows, 'campaigns').map((row) => row.value)).toEqual([await a.db.campaigns.get(campaign.id)]);
    // Each row written once: the server's sequence counted no second write of any of them.
    expect(cookie).toBe(rows.length);
    expect(byTable(rows, 'conflicts')).toHaveLength(0);

    // A second device of the team gets them as the first has them.
    const b = await device('b');
    await b.sync.configure(server.url, own);
    expect(await b.db.enrollments.count()).toBe(50);
    expect(await b.db.stepRuns.count()).toBe(10);
    expect(await b.db.outbox.count()).toBe(0);
    a.sync.stop();
    b.sync.stop();
    a.close();
    b.close();
  });

  it('a device that had a server all along records the launch’s rows with it, as before, and takes no snapshot', async () => {
    const own = await server.createToken('rep', 'launchrow-along');
    const a = await device('a');
    await a.sync.configure(server.url, own);
    const { campaign, enrollments } = await launched(a, 3);
    const rows = await a.db.outbox.toArray();
    expect(rows.map((row) => row.name)).not.toContain('sync/snapshot');
    expect(rows.every((row) => row.alone === undefined && Array.isArray(row.writes))).toBe(true);
    const launchRow = rows.find((row) => row.name === 'campaign/launch')!;
    expect(launchRow.writes!.map((w) => `${w.table}/${w.id}`).sort()).toEqual(
      [`campaigns/${campaign.id}`, ...enrollments.map((e) => `enrollments/${e.id}`)].sort(),
    );
    // Cleared and set again: still recording rows, still no snapshot.
    await a.sync.configure(null);
    await a.on(() => skipPendingSend([enrollments[0]!.id]));
    expect((await a.db.outbox.toArray()).at(-1)!.writes!.map((w) => w.table)).toContain('stepRuns');
    await a.sync.configure(server.url, own);
    expect(await a.db.outbox.count()).toBe(0);
    const { cookie, rows: onServer } = await serverRows(own);
    expect(byTable(onServer, 'enrollments')).toHaveLength(3);
    expect(byTable(onServer, 'stepRuns').map((row) => row.id)).toEqual([`${enrollments[0]!.id}:s1`]);
    expect(byTable(onServer, 'conflicts')).toHaveLength(0);
    expect(cookie).toBeGreaterThanOrEqual(onServer.length);
    a.sync.stop();
    a.close();
  });

  it('a row the server cannot store travels in a snapshot row of its own: it alone is set aside, the launch reaches the team', async () => {
    const own = await server.createToken('rep', 'launchrow-refused');
    const a = await device('a');
    const { enrollments } = await launched(a, 5);
    // Text an older version could have left behind, straight into the table.
    const olga = await a.on(() => createContact(person('olga@launchrow.example', 'Olga')));
    await a.db.contacts.update(olga.id, { company: 'Acme\u0000 Ltd' });
    await a.sync.configure(server.url, own);
    expect(a.sync.status).toMatchObject({ phase: 'synced', lastError: null });
    const problems = await readProblems(a.db);
    expect(
      problems.map((problem) => [problem.change.name, problem.change.writes!.map((w) => w.id), problem.reason]),
    ).toEqual([
      ['sync/snapshot', [olga.id], expect.stringMatching(/^writes\[0\]\.value\.company: holds a NUL character/)],
    ]);
    const { rows } = await serverRows(own);
    expect(byTable(rows, 'enrollments')).toHaveLength(5);
    expect(
      byTable(rows, 'enrollments')
        .map((row) => row.id)
        .sort(),
    ).toEqual(enrollments.map((e) => e.id).sort());
    expect(byTable(rows, 'contacts').map((row) => row.id)).not.toContain(olga.id);
    a.sync.stop();
    a.close();
  });

  it('a snapshot whose push was applied but whose answer was lost is not applied twice, nor one pushed again under new ids', async () => {
    const own = await server.createToken('rep', 'launchrow-lost');
    const a = await device('a');
    const { enrollments } = await launched(a, 50);
    const lossy = await answerLostOnPush();
    try {
      await a.sync.configure(lossy.url, own);
      // The device never heard back: its snapshot waits in the outbox …
      expect(a.sync.status.phase).toBe('offline');
      const snapshot = await a.db.outbox.toArray();
      expect(snapshot.map((row) => row.name)).toEqual(['sync/snapshot']);
      expect(snapshot[0]!.writes!.filter((w) => w.table === 'enrollments')).toHaveLength(50);
      // … though the server applied it.
      const first = await serverRows(own);
      expect(byTable(first.rows, 'enrollments')).toHaveLength(50);

      // The device reaches the server itself: the same mutation ids are skipped.
      await a.sync.configure(server.url, own);
      expect(a.sync.status).toMatchObject({ phase: 'synced', lastError: null });
      expect(await a.db.outbox.count()).toBe(0);
      expect((await serverRows(own)).cookie).toBe(first.cookie);

      // The same snapshot again under new ids (say, restored from a copy taken before it was
      // pushed): every row is already there, equal, so nothing is written and no conflict made.
      await a.db.outbox.bulkAdd(snapshot.map(({ mutationId: _, ...row }) => row));
      await a.sync.syncNow();
      expect(await a.db.outbox.count()).toBe(0);
      const again = await serverRows(own);
      expect(again.cookie).toBe(first.cookie);
      expect(
        byTable(again.rows, 'enrollments')
          .map((row) => row.id)
          .sort(),
      ).toEqual(enrollments.map((e) => e.id).sort());
      expect(byTable(again.rows, 'conflicts')).toHaveLength(0);
      expect(await a.db.conflicts.count()).toBe(0);
    } finally {
      await lossy.close();
      a.sync.stop();
      a.close();
    }
  });
});
