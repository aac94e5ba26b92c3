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

/** `people` contacts launched into a one-email campaign (09:30 in the mailbox's zone) on `port`. */
async function launched(people: number, port: number): Promise<CampaignDeskDb> {
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
  await saveCampaign(
    campaign.id,
    {
      steps: [
        {
          id: 's1',
          day: 1,
          type: 'email',
          subject: 'Hi {{ first_name }}',
          body: '<p>Hello</p>',
          send: { timing: 'at_time', time: '09:30', followUp: false },
        },
      ],
    },
    1,
  );
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
});
