/**
 * Seeds a launched campaign with known outcomes straight into the app's IndexedDB (the
 * results screen's tests, its screenshots and `npm run bench -- results`). Written around the
 * app's Dexie, so the campaign has no kept counters yet: the screen counts them from the rows
 * on first open, then keeps them (renderer/src/db/results.ts).
 *
 * Two shapes:
 * - `exact`: one email step; `people` people, the first `sent` were sent the email (even ones
 *   Tuesday 3 Mar 2026 10:00 New York time, odd ones Wednesday 14:00); of those the first
 *   `replied` replied, the next one bounced, the next was out of office, the next unsubscribed;
 *   the rest wait for the email on the days after `now`.
 * - `many`: `steps` steps (every third a call), each person reaching a number of them fixed by
 *   their index, with replies, bounces and out-of-office replies spread the same way.
 */
export interface ResultsSeed {
  campaignId: string;
  name: string;
  shape: 'exact' | 'many';
  people: number;
  steps?: number;
  sent?: number;
  replied?: number;
  /** The app's clock (UTC ms): waiting people fall due on the days after it. */
  now: number;
  dailyLimit?: number;
}

/** A page script (plain JavaScript: the tests' TypeScript has no DOM types) that writes `seed`. */
export function seedResultsScript(seed: ResultsSeed): string {
  return `(${SEED})(${JSON.stringify(seed)})`;
}

const SEED = `async (seed) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const names = ['mailboxes', 'contacts', 'campaigns', 'enrollments', 'stepRuns', 'tasks'];
  const tx = db.transaction(names, 'readwrite');
  const store = (n) => tx.objectStore(n);
  const DAY = 86400000;
  const zone = 'America/New_York';
  store('mailboxes').put({ id: 'm-results', name: 'Rep', email: 'rep@example.com', timeZone: zone,
    smtp: { host: '127.0.0.1', port: 2525, security: 'none', user: '' }, hasPassword: false,
    dailyLimit: seed.dailyLimit ?? 30, minGapMs: 0, createdAt: 0, updatedAt: 0, version: 1 });
  const stepCount = seed.shape === 'exact' ? 1 : seed.steps;
  const steps = [];
  for (let k = 0; k < stepCount; k++) {
    const call = seed.shape === 'many' && k % 3 === 2;
    steps.push(call
      ? { id: 's' + k, type: 'call', day: 1 + k * 2, title: 'Call {{ first_name }}', notes: '' }
      : { id: 's' + k, type: 'email', day: 1 + k * 2, subject: k === 0 ? 'Quick question' : '', body: 'Hello',
          send: k === 0 ? { timing: 'at_time', time: '10:00' } : { timing: 'same_as_previous' } });
  }
  store('campaigns').put({ id: seed.campaignId, name: seed.name, status: 'active', version: 1, archived: 0,
    mailboxId: 'm-results', timeZoneMode: 'recipient', skipWeekends: false, taskTime: '09:00', steps,
    createdAt: 0, updatedAt: 0 });
  const tue10 = Date.parse('2026-03-03T15:00:00Z');
  const wed14 = Date.parse('2026-03-04T19:00:00Z');
  for (let i = 0; i < seed.people; i++) {
    const pid = seed.campaignId + '-p' + i;
    const eid = seed.campaignId + '-e' + i;
    const num = String(i).padStart(5, '0');
    store('contacts').put({ id: pid, email: 'person' + num + '@' + seed.campaignId + '.example.org',
      emailKey: 'person' + num + '@' + seed.campaignId + '.example.org', firstName: 'Person', lastName: num,
      company: '', title: '', phone: '', timeZone: zone, notes: '', custom: {}, unsubscribed: false, bounced: false,
      createdAt: 0, updatedAt: 0, version: 1 });
    let status = 'active';
    let ooo = null;
    let next = 0;
    let nextDueAt = seed.now + (1 + (i % 13)) * DAY;
    const runs = [];
    const tasks = [];
    if (seed.shape === 'exact') {
      if (i < seed.sent) {
        runs.push({ stepId: 's0', sentAt: i % 2 === 0 ? tue10 : wed14 });
        next = 1;
        status = 'finished';
        const r = seed.replied;
        if (i < r) status = 'replied';
        else if (i === r) status = 'bounced';
        else if (i === r + 1) ooo = seed.now + DAY;
        else if (i === r + 2) status = 'unsubscribed';
      }
    } else {
      const h = (i * 2654435761) >>> 0;
      const reached = 1 + (h % stepCount);
      for (let k = 0; k < reached; k++) {
        const step = steps[k];
        const at = tue10 + k * 2 * DAY + ((h >>> 8) % 9) * 3600000 - 7 * DAY * Math.floor(stepCount / 3);
        if (step.type === 'email') runs.push({ stepId: step.id, sentAt: at });
        else {
          const kind = (h >>> (k % 16)) % 4;
          tasks.push({ stepId: step.id, status: kind === 0 ? 'open' : kind === 1 ? 'skipped' : 'done', dueAt: at, at });
        }
      }
      next = reached;
      const o = (h >>> 4) % 20;
      if (o === 0 || o === 1) status = 'replied';
      else if (o === 2) status = 'bounced';
      else if (o === 3) ooo = seed.now + DAY;
      else if (o === 4 && i % 3 === 0) status = 'unsubscribed';
      else if (reached === stepCount) status = 'finished';
    }
    for (const run of runs)
      store('stepRuns').put({ id: eid + ':' + run.stepId, enrollmentId: eid, stepId: run.stepId, mailboxId: 'm-results',
        state: 'sent', dueAt: run.sentAt, messageId: '<' + eid + '.' + run.stepId + '@example.com>', references: [],
        subject: 'Quick question', html: '<p>Hello</p>', text: 'Hello', sentAt: run.sentAt, manual: false,
        smtpReply: '250 ok', updatedAt: run.sentAt });
    for (const t of tasks)
      store('tasks').put({ id: eid + ':' + t.stepId, enrollmentId: eid, campaignId: seed.campaignId, contactId: pid,
        stepId: t.stepId, kind: 'call', title: 'Call Person ' + num, notes: '', dueAt: t.dueAt,
        status: t.status, completedAt: t.status === 'open' ? null : t.at });
    const open = tasks.find((t) => t.status === 'open');
    store('enrollments').put({ id: eid, campaignId: seed.campaignId, contactId: pid, mailboxId: 'm-results', zone,
      status, launchedAt: tue10 - DAY, firstSendAt: tue10, deviceId: 'another-computer', nextStepIndex: next,
      nextDueAt: open ? open.dueAt : nextDueAt, nextAction: steps[next] && steps[next].type !== 'email' ? 'create_task' : 'send_email',
      shiftDays: 0, hold: open ? 'task' : null, outOfOfficeUntil: ooo, createdAt: 0, updatedAt: 0 });
  }
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  db.close();
}`;
