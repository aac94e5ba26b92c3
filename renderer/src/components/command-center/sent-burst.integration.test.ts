import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { engineRig, until as waitUntil } from '../../../../electron/host/testing/engine-rig';
import { coalescedLiveQuery } from '../../composables/live';
import { setClock } from '../../db/change';
import { CampaignDeskDb, setDb } from '../../db/database';
import { createCampaign, saveCampaign } from '../../db/repos/campaigns';
import { createContact } from '../../db/repos/contacts';
import { launch, previewLaunch } from '../../db/repos/launch';
import { saveMailbox } from '../../db/repos/mailboxes';
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

const rig = engineRig((cleanup) => cleanups.push(cleanup));
const until = (check: () => boolean | Promise<boolean>) => waitUntil(check, 60_000);

describe('the Sent folder during a send burst', () => {
  it(`shows the newest ${PAGE} of ${PEOPLE} emails and counts all ${PEOPLE} once the burst ends`, async () => {
    setClock(() => T0);
    let received = 0;
    const server = await rig.smtp(() => {
      received += 1;
    });
    const db = new CampaignDeskDb(`sent-burst-${crypto.randomUUID()}`);
    setDb(db);
    await db.open();
    cleanups.push(() => db.close());
    await saveMailbox(
      {
        name: 'Rep One',
        email: 'rep@example.com',
        timeZone: 'America/New_York',
        smtp: { host: '127.0.0.1', port: server.port, security: 'none', user: '' },
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

    const { runtime, client } = rig.host();
    const engine = rig.engine(client);
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
