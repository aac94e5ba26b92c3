import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CampaignDeskDb } from '../db/database';
import type { EnrollmentRecord, TaskRecord } from '../db/records';
import { readStatus } from './desktop';

let db: CampaignDeskDb;
let n = 0;
beforeEach(async () => {
  db = new CampaignDeskDb(`desktop-status-${++n}`);
  await db.open();
});

const enrollment = (id: string, patch: Partial<EnrollmentRecord>): EnrollmentRecord =>
  ({
    id,
    campaignId: 'c1',
    contactId: `p-${id}`,
    mailboxId: 'm1',
    zone: 'UTC',
    status: 'active',
    launchedAt: 0,
    firstSendAt: null,
    deviceId: 'd1',
    nextStepIndex: 0,
    nextDueAt: 1_000,
    nextAction: 'send_email',
    shiftDays: 0,
    hold: null,
    createdAt: 0,
    updatedAt: 0,
    ...patch,
  }) as EnrollmentRecord;

const task = (id: string, status: TaskRecord['status']): TaskRecord => ({
  id,
  enrollmentId: 'e',
  campaignId: 'c1',
  contactId: 'p',
  stepId: 's',
  kind: 'call',
  title: 'Call',
  notes: '',
  dueAt: 5,
  status,
  completedAt: null,
});

describe('desktop status', () => {
  it('is empty for an empty database', async () => {
    expect(await readStatus(db)).toEqual({ nextSendAt: null, openTasks: 0 });
  });

  it('takes the earliest active email not held for a person, and counts open tasks', async () => {
    await db.enrollments.bulkPut([
      enrollment('held', { nextDueAt: 100, hold: 'overdue' }),
      enrollment('task', { nextDueAt: 200, nextAction: 'create_task' }),
      enrollment('paused', { nextDueAt: 300, status: 'paused' }),
      enrollment('next', { nextDueAt: 400 }),
      enrollment('later', { nextDueAt: 500 }),
    ]);
    await db.tasks.bulkPut([task('t1', 'open'), task('t2', 'open'), task('t3', 'done'), task('t4', 'skipped')]);
    expect(await readStatus(db)).toEqual({ nextSendAt: 400, openTasks: 2 });
  });
});
