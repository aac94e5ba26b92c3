import { InputError, show } from '../../../../core/errors';
import { plan, type PlannedStep } from '../../../../core/plan';
import { useDb } from '../database';
import { ZoneClock, isIanaZone, wallDay } from '../../../../core/zones';
import { formatWhen } from '../../format';
import { inChange, now } from '../change';
import { deviceIdOrCreate, readDeviceId } from '../device';
import { displayName } from './contacts';
import { toCoreCampaign } from './campaigns';
import { toCoreContact } from './contacts';
import type { CampaignRecord, ContactRecord, EnrollmentRecord, MailboxRecord, SuppressionRecord } from '../records';
import { doNotMailReason } from '../../../../core/inbox/suppression';
import { contactBadges, type ContactBadge } from '../../../../core/inbox/badges';

/** Statuses in which a person is still in a campaign (a paused one can be resumed). */
const ONGOING = ['active', 'paused'] as const;

/** Enrollments of these contacts that are still going on (active or paused), in any campaign. */
async function ongoingEnrollments(contactIds: readonly string[]): Promise<EnrollmentRecord[]> {
  return useDb()
    .enrollments.where('[contactId+status]')
    .anyOf(contactIds.flatMap((id) => ONGOING.map((status) => [id, status])))
    .toArray();
}

/** One person's resolved schedule in the launch dialog, with what the salesperson should know first (SPEC §6). */
export interface LaunchPreviewPerson {
  contact: ContactRecord;
  zone: string;
  steps: PlannedStep[];
  warnings: string[];
  /** Launching would send them something wrong or nothing at all: they are left out unless fixed. */
  excluded: boolean;
  /** What the inbox learned about them (replied, bounced, unsubscribed, out of office until …). */
  badges: ContactBadge[];
}

export interface LaunchPreview {
  campaign: CampaignRecord;
  mailbox: MailboxRecord;
  launchAt: number;
  firstSendAt: number | null;
  people: LaunchPreviewPerson[];
}

/** Whether `at` (UTC ms) is at night (21:00–07:00) or on a Saturday or Sunday in `zone` (IANA). */
function oddHour(at: number, zone: string): boolean {
  const wall = ZoneClock.for(zone).toWall(at);
  const hour = new Date(wall).getUTCHours();
  const weekday = new Date(wall).getUTCDay();
  return hour < 7 || hour >= 21 || weekday === 0 || weekday === 6;
}

/**
 * Resolves every chosen person's schedule with core's `plan` (SPEC §4, never re-implemented
 * here) and lists the warnings SPEC §6 names: late day-1 sends, missing merge fields, no zone
 * in recipient mode, already active in another campaign, unsubscribed or bounced; and, planned
 * in the mailbox's zone, an email landing at night (21:00–07:00) or on a weekend in the
 * person's own zone.
 * @throws InputError with the campaign's first problem (it blocks launch), a send time missing
 *   or before `launchAt`, or a campaign without a mailbox.
 */
export async function previewLaunch(
  campaignId: string,
  contactIds: readonly string[],
  launchAt: number,
  firstSendAt: number | null,
): Promise<LaunchPreview> {
  const db = useDb();
  const campaign = await db.campaigns.get(campaignId);
  if (!campaign) throw new InputError([{ path: 'campaignId', message: `${show(campaignId)} is not a campaign` }]);
  const mailbox = campaign.mailboxId ? await db.mailboxes.get(campaign.mailboxId) : undefined;
  if (!mailbox)
    throw new InputError([
      {
        path: 'campaign.mailbox',
        message: 'the campaign has no mailbox to send from; add one in Settings → Mailboxes',
      },
    ]);
  const contacts = (await db.contacts.bulkGet([...contactIds])).filter((c): c is ContactRecord => !!c);
  const active = await ongoingEnrollments(contacts.map((c) => c.id));
  const replied = await db.enrollments
    .where('[contactId+status]')
    .anyOf(contacts.map((c) => [c.id, 'replied']))
    .toArray();
  const suppressions = new Map(
    (await db.suppressions.bulkGet(contacts.map((c) => c.emailKey)))
      .filter((s): s is SuppressionRecord => !!s)
      .map((s) => [s.id, s]),
  );
  const campaignNames = new Map(
    (await db.campaigns.bulkGet([...new Set(active.map((e) => e.campaignId))])).map((c) => [c?.id, c?.name]),
  );

  const output = plan(
    {
      mailbox: {
        email: mailbox.email,
        name: mailbox.name,
        timeZone: mailbox.timeZone,
        // R12/R13: the launch preview plans with the mailbox's window and holidays, as the engine
        // sends (the campaign's own window, carried by toCoreCampaign, wins over the mailbox's).
        ...(mailbox.sendingWindow ? { sendingWindow: mailbox.sendingWindow } : {}),
        ...(mailbox.holidays ? { holidays: mailbox.holidays } : {}),
      },
      campaign: toCoreCampaign(campaign),
      contacts: contacts.map(toCoreContact),
      launch: {
        at: new Date(launchAt).toISOString(),
        firstSendAt: firstSendAt === null ? null : new Date(firstSendAt).toISOString(),
      },
    },
    { reasons: true },
  );

  const people = output.enrollments.map((enrollment, index): LaunchPreviewPerson => {
    const contact = contacts[index]!;
    const warnings: string[] = [];
    let excluded = false;
    // SPEC §6, §12: the suppression list (kept when a contact is deleted) and the contact's own marks.
    const stop = doNotMailReason(contact, suppressions.get(contact.emailKey));
    if (stop) {
      warnings.push(`${stop}; never emailed again`);
      excluded = true;
    }
    for (const e of active.filter((a) => a.contactId === contact.id)) {
      if (e.campaignId === campaignId) {
        warnings.push(e.status === 'paused' ? 'already in this campaign (paused)' : 'already in this campaign');
        excluded = true;
      } else warnings.push(`already ${e.status} in ${campaignNames.get(e.campaignId) ?? 'another campaign'}`);
    }
    if (campaign.timeZoneMode === 'recipient' && !contact.timeZone)
      warnings.push(`no time zone: planned in the mailbox's zone (${mailbox.timeZone})`);
    // SPEC §2: a blocked email does not stop the launch; it waits in Needs attention until fixed.
    for (const step of enrollment.steps) {
      if (step.blocked) {
        const number = campaign.steps.findIndex((s) => s.id === step.stepId) + 1;
        warnings.push(`step ${number} cannot be sent as written (${step.blocked}): it will wait in Needs attention`);
      }
    }
    // Planned in the mailbox's zone (sender mode), an email can land at night or on a weekend
    // where the person is: said for the first such email, with the way to send at their times
    // (not for someone left out of the launch).
    const theirs = campaign.timeZoneMode === 'sender' ? contact.timeZone : '';
    if (!excluded && theirs && theirs !== enrollment.zone && isIanaZone(theirs)) {
      const odd = enrollment.steps.find(
        (step) => step.action === 'send_email' && !step.blocked && oddHour(Date.parse(step.dueAt), theirs),
      );
      if (odd) {
        const number = campaign.steps.findIndex((s) => s.id === odd.stepId) + 1;
        warnings.push(
          `step ${number} lands at ${formatWhen(Date.parse(odd.dueAt), theirs)} in their time (${theirs}): "Each person's time zone" sends at their local times`,
        );
      }
    }
    const first = enrollment.steps[0];
    if (first?.late) {
      warnings.push(
        first.action === 'send_email'
          ? 'the day-1 send time has passed: the first email goes at launch'
          : 'the day-1 task time has passed: the first task appears at launch',
      );
    }
    const badges = contactBadges(
      {
        ...contact,
        suppression: suppressions.get(contact.emailKey),
        enrollments: [...active, ...replied].filter((e) => e.contactId === contact.id),
      },
      launchAt,
    );
    return { contact, zone: enrollment.zone, steps: enrollment.steps, warnings, excluded, badges };
  });
  return { campaign, mailbox, launchAt, firstSendAt, people };
}

/**
 * Launches the campaign for the people of `preview` who are not excluded: one transaction
 * writes one enrollment each (only the first step is materialised; SPEC R8 releases the
 * rest), marks the campaign active, and records the Live Feed row and the outbox row.
 * All or nothing (SPEC §6).
 * @throws InputError when the campaign changed since the preview, or nobody is left to launch.
 */
export async function launch(preview: LaunchPreview): Promise<EnrollmentRecord[]> {
  const db = useDb();
  const at = now();
  // The preview stands only while it still describes this launch: the same calendar day in
  // every zone it planned in, and a picked send time not yet passed. Otherwise resolve again
  // at the real launch instant (day 1 is today's date; R4/R5 are checked against now).
  const sameDay = [...new Set(preview.people.map((person) => person.zone))].every((zone) => {
    const clock = ZoneClock.for(zone);
    return wallDay(clock.toWall(preview.launchAt)) === wallDay(clock.toWall(at));
  });
  const stillAhead = preview.firstSendAt === null || preview.firstSendAt >= at;
  const fresh =
    sameDay && stillAhead && at - preview.launchAt < 10 * 60_000
      ? preview
      : await previewLaunch(
          preview.campaign.id,
          preview.people.map((person) => person.contact.id),
          at,
          preview.firstSendAt,
        );
  if (fresh.campaign.version !== preview.campaign.version || fresh.mailbox.id !== preview.mailbox.id) {
    throw new InputError([
      {
        path: 'campaign',
        message: 'the campaign was edited after this preview; review the preview again before launching',
      },
    ]);
  }
  const device = (await readDeviceId(db)) ?? crypto.randomUUID();
  const people = fresh.people.filter((person) => !person.excluded);
  if (people.length === 0)
    throw new InputError([
      { path: 'people', message: 'nobody to launch: every chosen person has a problem to fix first' },
    ]);
  // One id per launch; each enrollment is `<launch id>.<n>`, so the outbox row names the launch once.
  const launchId = crypto.randomUUID();
  const enrollments = people.map((person, n): EnrollmentRecord => {
    const first = person.steps[0]!;
    const dueAt = Math.max(Date.parse(first.dueAt), at);
    return {
      id: `${launchId}.${n}`,
      campaignId: preview.campaign.id,
      contactId: person.contact.id,
      mailboxId: preview.mailbox.id,
      zone: person.zone,
      status: 'active',
      launchedAt: at,
      firstSendAt: preview.firstSendAt,
      deviceId: device,
      nextStepIndex: 0,
      // A first step whose instant passed since the preview goes at launch (R5's late rule).
      nextDueAt: dueAt,
      nextAction: first.action,
      // R12/R13: why the first step goes later than its own time, for the Scheduled folder.
      nextMoved: first.moved
        ? { kind: first.moved, dueAt, ...(first.holiday ? { holiday: first.holiday } : {}) }
        : null,
      shiftDays: 0,
      createdAt: at,
      updatedAt: at,
    };
  });
  return inChange(
    [db.campaigns, db.enrollments],
    async () => {
      const campaign = await db.campaigns.get(preview.campaign.id);
      if (!campaign || campaign.version !== preview.campaign.version) {
        throw new InputError([
          {
            path: 'campaign',
            message: 'the campaign was edited after this preview; review the preview again before launching',
          },
        ]);
      }
      // Read by campaign, not by person: a new campaign has none to read, where 10,000 people
      // were 20,000 index lookups inside the launch's transaction.
      const launching = new Set(people.map((person) => person.contact.id));
      const twice = await db.enrollments
        .where('[campaignId+status]')
        .anyOf(ONGOING.map((status) => [campaign.id, status]))
        .filter((e) => launching.has(e.contactId))
        .first();
      if (twice) {
        const who = people.find((person) => person.contact.id === twice.contactId)!.contact;
        throw new InputError([
          { path: 'people', message: `${displayName(who)} is already in this campaign; nobody was launched` },
        ]);
      }
      // This database's device id, read again inside the transaction and never replaced: the
      // engine sends only enrollments carrying it (SPEC §7).
      const id = await deviceIdOrCreate(db, () => device);
      if (id !== device) for (const e of enrollments) e.deviceId = id;
      await db.enrollments.bulkAdd(enrollments);
      // Status is not content: the content version stays, so an edit in flight is not refused.
      await db.campaigns.put({ ...campaign, status: 'active', updatedAt: at });
      const who = people.length === 1 ? displayName(people[0]!.contact) : `${people.length} people`;
      return {
        result: enrollments,
        change: {
          name: 'campaign/launch',
          // Compact: what every enrollment shares is said once. The server applies rows only: a
          // device with a sync server set sends the enrollments written with it; one working
          // alone keeps just this, and its snapshot brings them when a server is set (db/snapshot.ts).
          args: {
            campaignId: campaign.id,
            campaignVersion: campaign.version,
            mailboxId: preview.mailbox.id,
            deviceId: device,
            launchedAt: at,
            firstSendAt: preview.firstSendAt,
            launchId,
            contactIds: enrollments.map((e) => e.contactId),
          },
          feed: { kind: 'campaign.launched', text: `Launched ${campaign.name} for ${who}`, campaignId: campaign.id },
        },
      };
    },
    at,
  );
}
