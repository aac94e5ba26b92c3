import 'fake-indexeddb/auto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../../../../electron/host/services';
import { inProcessHost } from '../../../../electron/host/testing/in-process';
import { coalescedLiveQuery } from '../../composables/live';
import { setClock } from '../../db/change';
import { CampaignDeskDb, setDb } from '../../db/database';
import { createCampaign, saveCampaign } from '../../db/repos/campaigns';
import { createContact } from '../../db/repos/contacts';
import { launch, previewLaunch } from '../../db/repos/launch';
import { saveMailbox } from '../../db/repos/mailboxes';
import { Engine } from '../../engine/engine';
import type { HostClient } from '../../host/client';
import { PAGE, readSentPage } from './kit';

/**
 * Issue 13: the Sent folder's query, live (and coalesced) while the real engine sends a burst
 * through the host's Mailer to a real SMTP server on 127.0.0.1, ends on the final state: the
 * newest {@link PAGE} emails in order and every one counted. The folder renders exactly this
 * value (SentFolder.vue).
 */
const T0 = Date.parse('2026-03-09T12:00:00Z');
const DUE = Date.parse('2026-03-09T13:30:00Z'); // 09:30 in New York
const PEOPLE = 250;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${String(check)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Sent folder during a send burst', () => {
  it(`shows the newest ${PAGE} of ${PEOPLE} emails and counts all ${PEOPLE} once the burst ends`, async () => {
    setClock(() => T0);
    let received = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          received += 1;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const db = new CampaignDeskDb(`sent-burst-${crypto.randomUUID()}`);
    setDb(db);
    await db.open();
    cleanups.push(() => db.close());
    await saveMailbox(
      {
        name: 'Rep One',
        email: 'rep@example.com',
        timeZone: 'America/New_York',
        smtp: { host: '127.0.0.1', port: (server.server.address() as AddressInfo).port, security: 'none', user: '' },
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
    for (let i = 0; i < PEOPLE; i++) {
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

    // The folder's query, live from before the burst.
    const shown: Awaited<ReturnType<typeof readSentPage>>[] = [];
    cleanups.push(
      coalescedLiveQuery(
        () => readSentPage(db, PAGE),
        (value) => shown.push(value),
      ),
    );
    await until(() => shown.length > 0);
    expect(shown[0]!.total).toBe(0);

    const runtime = createHost({ host: 'web', version: 'test', testMode: true });
    cleanups.push(() => runtime.close());
    const engine = new Engine(inProcessHost<HostClient>(runtime).client);
    cleanups.push(async () => {
      engine.stop();
      await engine.idle();
      await engine.sentCopies.idle();
    });
    await runtime.handlers['test/set-clock']({ now: T0 });
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === PEOPLE);
    await engine.idle();
    expect(received).toBe(PEOPLE);

    // What the folder shows last is the database's final state, however its re-runs were coalesced.
    const final = await readSentPage(db, PAGE);
    expect(final.total).toBe(PEOPLE);
    await until(() => shown.at(-1)!.total === PEOPLE);
    const last = shown.at(-1)!;
    expect(last.sent.map((r) => r.id)).toEqual(final.sent.map((r) => r.id));
    expect(last.sent.map((r) => r.subject)).toEqual(final.sent.map((r) => r.subject));
    expect(last.sent.every((r) => r.state === 'sent')).toBe(true);
  }, 120_000);
});
