import { InputError, show } from '../../../../core/errors';
import { plan, type PlannedStep } from '../../../../core/plan';
import { useDb } from '../database';
import { inChange, now } from '../change';
import { displayName } from './contacts';
import { toCoreCampaign } from './campaigns';
import type { CampaignRecord, ContactRecord, EnrollmentRecord, MailboxRecord } from '../records';

/** One person's resolved schedule in the launch dialog, with what the salesperson should know first (SPEC §6). */
export interface LaunchPreviewPerson {
  contact: ContactRecord;
  zone: string;
  steps: PlannedStep[];
  warnings: string[];
  /** Launching would send them something wrong or nothing at all: they are left out unless fixed. */
  excluded: boolean;
}

export interface LaunchPreview {
  campaign: CampaignRecord;
  mailbox: MailboxRecord;
  launchAt: number;
  firstSendAt: number | null;
  people: LaunchPreviewPerson[];
}

/**
 * Resolves every chosen person's schedule with core's `plan` (SPEC §4, never re-implemented
 * here) and lists the warnings SPEC §6 names: late day-1 sends, missing merge fields, no zone
 * in recipient mode, already active in another campaign, unsubscribed or bounced.
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
  const active = await db.enrollments
    .where('[contactId+status]')
    .anyOf(contacts.map((c) => [c.id, 'active']))
    .toArray();
  const campaignNames = new Map(
    (await db.campaigns.bulkGet([...new Set(active.map((e) => e.campaignId))])).map((c) => [c?.id, c?.name]),
  );

  const output = plan({
    mailbox: { email: mailbox.email, name: mailbox.name, timeZone: mailbox.timeZone },
    campaign: toCoreCampaign(campaign),
    contacts: contacts.map((c) => ({
      id: c.id,
      email: c.email,
      firstName: c.firstName || undefined,
      lastName: c.lastName || undefined,
      company: c.company || undefined,
      title: c.title || undefined,
      phone: c.phone || undefined,
      timeZone: c.timeZone || undefined,
      custom: c.custom,
    })),
    launch: {
      at: new Date(launchAt).toISOString(),
      firstSendAt: firstSendAt === null ? null : new Date(firstSendAt).toISOString(),
    },
  });

  const people = output.enrollments.map((enrollment, index): LaunchPreviewPerson => {
    const contact = contacts[index]!;
    const warnings: string[] = [];
    let excluded = false;
    if (contact.unsubscribed) {
      warnings.push(`${contact.email} has unsubscribed`);
      excluded = true;
    }
    if (contact.bounced) {
      warnings.push(`${contact.email} bounced before`);
      excluded = true;
    }
    for (const e of active.filter((a) => a.contactId === contact.id)) {
      if (e.campaignId === campaignId) {
        warnings.push('already in this campaign');
        excluded = true;
      } else warnings.push(`already active in ${campaignNames.get(e.campaignId) ?? 'another campaign'}`);
    }
    if (campaign.timeZoneMode === 'recipient' && !contact.timeZone)
      warnings.push(`no time zone: planned in the mailbox's zone (${mailbox.timeZone})`);
    for (const step of enrollment.steps) {
      if (step.blocked) {
        warnings.push(`step ${campaign.steps.findIndex((s) => s.id === step.stepId) + 1}: ${step.blocked}`);
        excluded = true;
      }
    }
    const first = enrollment.steps[0];
    if (first?.late) warnings.push('the day-1 send time has passed: the first email goes at launch');
    return { contact, zone: enrollment.zone, steps: enrollment.steps, warnings, excluded };
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
  const device = ((await db.meta.get('deviceId'))?.value as string | undefined) ?? crypto.randomUUID();
  const people = preview.people.filter((person) => !person.excluded);
  if (people.length === 0)
    throw new InputError([
      { path: 'people', message: 'nobody to launch: every chosen person has a problem to fix first' },
    ]);
  // One id per launch; each enrollment is `<launch id>.<n>`, so the outbox row names the launch once.
  const launchId = crypto.randomUUID();
  const enrollments = people.map((person, n): EnrollmentRecord => {
    const first = person.steps[0]!;
    return {
      id: `${launchId}.${n}`,
      campaignId: preview.campaign.id,
      contactId: person.contact.id,
      mailboxId: preview.mailbox.id,
      zone: person.zone,
      status: 'active',
      launchedAt: preview.launchAt,
      firstSendAt: preview.firstSendAt,
      deviceId: device,
      nextStepIndex: 0,
      nextDueAt: Date.parse(first.dueAt),
      nextAction: first.action,
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
      await db.meta.put({ key: 'deviceId', value: device });
      await db.enrollments.bulkAdd(enrollments);
      await db.campaigns.put({ ...campaign, status: 'active', updatedAt: at, version: campaign.version + 1 });
      const who = people.length === 1 ? displayName(people[0]!.contact) : `${people.length} people`;
      return {
        result: enrollments,
        change: {
          name: 'campaign/launch',
          // Compact: what every enrollment shares is said once; the server re-derives zones and
          // due instants with core's resolver, as it re-runs every mutation (ARCHITECTURE.md, Sync).
          args: {
            campaignId: campaign.id,
            campaignVersion: campaign.version,
            mailboxId: preview.mailbox.id,
            deviceId: device,
            launchedAt: preview.launchAt,
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
