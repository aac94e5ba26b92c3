import 'fake-indexeddb/auto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostCallName, HostEventName } from '../../../core/host/contract';
import { createHost, dispatch } from '../../../electron/host/services';
import { setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact } from '../db/repos/contacts';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox } from '../db/repos/mailboxes';
import type { HostClient } from '../host/client';
import { CLAIM_CHUNK, Engine } from './engine';
import { sendTaskEmail } from '../db/repos/tasks';
import type { Step } from '../../../core/model';

/**
 * The send engine with real parts around it: the host's services in test mode (scheduler,
 * mailer, movable clock, forced offline), a real SMTP server on 127.0.0.1, and the app's
 * database (fake-indexeddb in Node). The browser tests drive the same through the screens.
 */

const T0 = Date.parse('2026-03-09T12:00:00Z');
const DUE = Date.parse('2026-03-09T13:30:00Z'); // 09:30 in New York

let cleanups: (() => Promise<void> | void)[] = [];
let n = 0;
beforeEach(() => {
  setClock(() => T0);
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A real SMTP server: every message's Message-ID, in arrival order. */
async function smtp(): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => (head += chunk.toString()));
      stream.on('end', () => {
        received.push(/^Message-ID: (<[^>]+>)/im.exec(head)?.[1] ?? '?');
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

/** The host in test mode, and a client on it that counts the calls made of it. */
function host() {
  const runtime = createHost({ host: 'web', version: 'test', testMode: true });
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  runtime.emit = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  const calls = new Map<string, number>();
  const call = async (name: HostCallName, input: unknown) => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return dispatch(runtime.handlers, name, input);
  };
  const client = {
    call,
    on: (event: HostEventName, listener: (payload: unknown) => void) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    onReconnect: () => () => undefined,
    tryCall: async (name: HostCallName, input: unknown) => {
      try {
        return { data: await call(name, input) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    },
  } as unknown as HostClient;
  cleanups.push(() => runtime.close());
  return { runtime, client, calls };
}

const ONE_EMAIL: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Hi {{ first_name }}',
    body: '<p>Hello</p>',
    send: { timing: 'at_time', time: '09:30', followUp: false },
  },
];

/** `people` contacts launched into a campaign of `steps` (default: one email at 09:30 in the mailbox's zone) on `port`. */
async function launched(people: number, port: number, steps: Step[] = ONE_EMAIL): Promise<CampaignDeskDb> {
  const db = new CampaignDeskDb(`engine-${++n}`);
  setDb(db);
  await db.open();
  cleanups.push(() => db.close());
  await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp: { host: '127.0.0.1', port, security: 'none', user: '' },
      dailyLimit: 10_000,
      minGapMs: 0,
    },
    false,
  );
  const campaign = await createCampaign('Burst');
  await saveCampaign(campaign.id, { steps }, 1);
  const ids: string[] = [];
  for (let i = 0; i < people; i++) {
    const contact = await createContact({
      email: `p${i}@example.org`,
      firstName: `P${i}`,
      lastName: '',
      company: '',
      title: '',
      phone: '',
      timeZone: 'America/New_York',
      notes: '',
      custom: {},
    });
    ids.push(contact.id);
  }
  await launch(await previewLaunch(campaign.id, ids, T0, null));
  return db;
}

const until = async (check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('the send engine, with the host and a real SMTP server', () => {
  it(`a burst larger than one claim chunk (${CLAIM_CHUNK}) goes out once each, and every step run is recorded sent`, async () => {
    const server = await smtp();
    const people = CLAIM_CHUNK * 2 + 50;
    const db = await launched(people, server.port);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = new Engine(client);
    cleanups.push(() => engine.stop());
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === people);
    await engine.idle();
    expect(server.received).toHaveLength(people);
    expect(new Set(server.received).size).toBe(people);
    expect(await db.stepRuns.where('state').anyOf('sending', 'scheduled', 'unknown').count()).toBe(0);
    expect((await db.enrollments.toArray()).every((e) => e.status === 'finished')).toBe(true);
  }, 60_000);

  it('offline across the due time: nothing is sent, the host is not re-armed over and over, and it goes once when back', async () => {
    const server = await smtp();
    const db = await launched(1, server.port);
    const { runtime, client, calls } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    await runtime.handlers['test/set-offline']({ offline: true });
    const engine = new Engine(client);
    cleanups.push(() => engine.stop());
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(server.received).toHaveLength(0);
    // Armed at start-up and perhaps once after the batch: not in a loop.
    expect(calls.get('scheduler/set') ?? 0).toBeLessThanOrEqual(2);
    await runtime.handlers['test/set-offline']({ offline: false });
    await until(() => server.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.received).toHaveLength(1);
    expect((await db.stepRuns.toArray())[0]!.state).toBe('sent');
  }, 30_000);

  it('R6: an email task sent by hand from the compose window makes the follow-up due at the time it really went', async () => {
    const server = await smtp();
    const db = await launched(1, server.port, [
      {
        id: 's1',
        day: 1,
        type: 'email',
        subject: 'Intro',
        body: '<p>Hello</p>',
        send: { timing: 'task', followUp: false },
      },
      { id: 's2', day: 3, type: 'email', body: '<p>Bump</p>', send: { timing: 'same_as_previous', followUp: true } },
    ]);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = new Engine(client);
    cleanups.push(() => engine.stop());
    await engine.start();
    // The task falls due at 09:00 in New York; the salesperson writes it at 15:17 and sends it.
    await runtime.handlers['test/set-clock']({ now: Date.parse('2026-03-09T13:00:00Z') });
    await until(async () => (await db.tasks.count()) === 1);
    const sentAt = Date.parse('2026-03-09T19:17:00Z'); // 15:17 EDT
    await runtime.handlers['test/set-clock']({ now: sentAt });
    const task = (await db.tasks.toArray())[0]!;
    await sendTaskEmail(task.id, { subject: 'Intro, by hand', html: '<p>Hi</p>', text: 'Hi' }, sentAt);
    await until(() => server.received.length === 1);
    await until(async () => (await db.enrollments.toArray())[0]!.nextStepIndex === 1);
    // Day 3 at 15:17 in New York, not the task's 09:00.
    expect(new Date((await db.enrollments.toArray())[0]!.nextDueAt).toISOString()).toBe('2026-03-11T19:17:00.000Z');
  }, 30_000);
});
