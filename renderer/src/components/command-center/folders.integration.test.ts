import 'fake-indexeddb/auto';
import type { DBCore, DBCoreCursor } from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CampaignDeskDb, setDb } from '../../db/database';
import type { EnrollmentRecord, StepRunRecord } from '../../db/records';
import { PAGE, readScheduledPage, readSentPage } from './kit';

/**
 * Issue 13: a Command Center folder reads its page by index, never every row of its table,
 * so a send burst (which re-runs the open folder's query) costs a page, not the table.
 * A DBCore middleware counts the rows each table hands over (cursor steps, query results,
 * gets); counts of an index range read no rows.
 */
const T0 = Date.parse('2026-03-09T12:00:00Z');
const PEOPLE = 1_000;
let db: CampaignDeskDb;
let rowsRead: Record<string, number>;

const enrollment = (i: number, hold: EnrollmentRecord['hold'] = null): EnrollmentRecord => ({
  id: `e${i}`,
  campaignId: 'c1',
  contactId: `p${i}`,
  mailboxId: 'mb1',
  zone: 'America/New_York',
  status: 'active',
  launchedAt: T0,
  firstSendAt: T0,
  deviceId: 'device-1',
  nextStepIndex: 1,
  nextDueAt: T0 + i * 60_000,
  nextAction: 'send_email',
  shiftDays: 0,
  hold,
  attempts: 0,
  createdAt: T0,
  updatedAt: T0,
});
const sentRun = (i: number): StepRunRecord => ({
  id: `e${i}:s1`,
  enrollmentId: `e${i}`,
  stepId: 's1',
  mailboxId: 'mb1',
  state: 'sent',
  dueAt: T0,
  messageId: `<m${i}@example.com>`,
  references: [],
  subject: `Hello ${i}`,
  html: '<p>Hi</p>',
  text: 'Hi',
  sentAt: T0 + i,
  manual: false,
  smtpReply: '250 OK',
  updatedAt: T0 + i,
});

beforeEach(async () => {
  db = new CampaignDeskDb(`folders-${crypto.randomUUID()}`);
  rowsRead = {};
  const read = (table: string, n = 1): void => void (rowsRead[table] = (rowsRead[table] ?? 0) + n);
  db.use({
    stack: 'dbcore',
    name: 'count-rows-read',
    create: (down: DBCore): DBCore => ({
      ...down,
      table(name) {
        const table = down.table(name);
        return {
          ...table,
          get: (req) => table.get(req).then((row: unknown) => (read(name), row)),
          getMany: (req) => table.getMany(req).then((rows: unknown[]) => (read(name, rows.length), rows)),
          query: (req) => table.query(req).then((res) => (read(name, res.result.length), res)),
          openCursor: (req) =>
            table.openCursor(req).then(
              (cursor) =>
                cursor &&
                (Object.create(cursor, {
                  start: { value: (onNext: () => void) => cursor.start(() => (read(name), onNext())) },
                }) as DBCoreCursor),
            ),
        };
      },
    }),
  });
  setDb(db);
  await db.open();
  // 1,000 people scheduled, 3 more active but held (a task open, a send held), 1,000 emails sent.
  await db.enrollments.bulkAdd([
    ...Array.from({ length: PEOPLE }, (_, i) => enrollment(i)),
    enrollment(PEOPLE, 'task'),
    enrollment(PEOPLE + 1, 'needs-attention'),
    enrollment(PEOPLE + 2, 'overdue'),
  ]);
  await db.stepRuns.bulkAdd(Array.from({ length: PEOPLE }, (_, i) => sentRun(i)));
  rowsRead = {};
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('the Command Center folders read their page by index', () => {
  it('Scheduled shows the soonest 100 of 1,000 and counts all 1,000, reading about a page of enrollments', async () => {
    const { page, total } = await readScheduledPage(db, PAGE);
    expect(total).toBe(PEOPLE);
    expect(page.map((e) => e.id)).toEqual(Array.from({ length: PAGE }, (_, i) => `e${i}`));
    // The page (100) and the three held people counted out; not the 1,000 active rows.
    expect(rowsRead.enrollments).toBeLessThanOrEqual(PAGE + 3);
  });

  it('Sent shows the newest 100 of 1,000 emails and counts all 1,000, reading only that page', async () => {
    const { sent, total, enrollments } = await readSentPage(db, PAGE);
    expect(total).toBe(PEOPLE);
    expect(sent.map((r) => r.subject)).toEqual(Array.from({ length: PAGE }, (_, i) => `Hello ${PEOPLE - 1 - i}`));
    expect(enrollments.get('e999')?.contactId).toBe('p999');
    expect(rowsRead.stepRuns).toBe(PAGE);
    expect(rowsRead.enrollments).toBe(PAGE);
  });
});
