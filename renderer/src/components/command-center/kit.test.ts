import { describe, expect, it } from 'vitest';
import type { Step } from '../../../../core/model';
import type { CampaignRecord, ContactRecord, EnrollmentRecord, MailboxRecord } from '../../db/records';
import { nextStepLabel, type Refs } from './kit';

/** The Command Center's words for the step a person waits on (R10: one `Re:`, as the email will go). */
describe('the next step as the Command Center shows it', () => {
  const contact = (topic: string): ContactRecord => ({
    id: 'ana',
    email: 'ana@example.com',
    emailKey: 'ana@example.com',
    firstName: 'Ana',
    lastName: '',
    company: 'Acme',
    title: '',
    phone: '',
    timeZone: '',
    notes: '',
    custom: { Topic: topic },
    unsubscribed: false,
    bounced: false,
    createdAt: 0,
    updatedAt: 0,
    version: 1,
  });
  const mailbox: MailboxRecord = {
    id: 'mb',
    name: 'Rep One',
    email: 'rep@example.com',
    timeZone: 'Europe/Berlin',
    smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'rep' },
    hasPassword: true,
    dailyLimit: 400,
    minGapMs: 0,
    createdAt: 0,
    updatedAt: 0,
    version: 1,
  };
  const email = (id: string, subject: string, followUp: boolean): Step => ({
    id,
    day: 1,
    type: 'email',
    subject,
    body: 'x',
    send: { timing: 'at_time', time: '09:00', followUp },
  });
  const campaign: CampaignRecord = {
    id: 'c',
    name: 'Outreach',
    status: 'active',
    version: 1,
    archived: 0,
    mailboxId: 'mb',
    timeZoneMode: 'sender',
    skipWeekends: false,
    taskTime: '09:00',
    steps: [email('s1', '{{ custom.Topic }}, {{ first_name }}', false), email('s2', '', true)],
    createdAt: 0,
    updatedAt: 0,
  };
  const waitingOn = (index: number): EnrollmentRecord => ({
    id: 'e',
    campaignId: 'c',
    contactId: 'ana',
    mailboxId: 'mb',
    zone: 'Europe/Berlin',
    status: 'active',
    launchedAt: 0,
    firstSendAt: null,
    deviceId: 'd',
    nextStepIndex: index,
    nextDueAt: 0,
    nextAction: 'send_email',
    shiftDays: 0,
    createdAt: 0,
    updatedAt: 0,
  });
  const refs = (topic: string): Refs => ({
    contacts: new Map([['ana', contact(topic)]]),
    campaigns: new Map([['c', campaign]]),
    mailboxes: new Map([['mb', mailbox]]),
  });

  it.each([
    ['Pricing', 0, 'Email: Pricing, Ana'],
    ['Pricing', 1, 'Email: Re: Pricing, Ana'],
    ['Re: Pricing', 1, 'Email: Re: Pricing, Ana'],
    ['RE: Pricing', 1, 'Email: Re: Pricing, Ana'],
  ])('Topic %j, step %i: %j (never "Re: Re:")', (topic, index, label) => {
    expect(nextStepLabel(refs(topic), waitingOn(index))).toBe(label);
  });
});
