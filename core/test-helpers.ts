import { plan, type PlanOutput } from './plan';

/** A scenario for tests: SPEC §10's shape with New York sender defaults, overridable in part. */
export interface ScenarioInput {
  zone?: string;
  timeZoneMode?: 'sender' | 'recipient';
  skipWeekends?: boolean;
  taskTime?: string;
  steps: unknown[];
  contacts?: unknown[];
  launchAt: string;
  firstSendAt?: string | null;
  events?: unknown[];
  /** SPEC R12: the mailbox's sending window (§10 shape). */
  sendingWindow?: unknown;
  /** SPEC R12: the campaign's own window, or `"any"`. */
  campaignWindow?: unknown;
  /** SPEC R13: the mailbox's holiday calendar (§10 shape). */
  holidays?: unknown;
}

export function scenario(input: ScenarioInput): Record<string, unknown> {
  return {
    mailbox: {
      email: 'rep@example.com',
      name: 'Rep One',
      timeZone: input.zone ?? 'America/New_York',
      ...(input.sendingWindow === undefined ? {} : { sendingWindow: input.sendingWindow }),
      ...(input.holidays === undefined ? {} : { holidays: input.holidays }),
    },
    campaign: {
      timeZoneMode: input.timeZoneMode ?? 'sender',
      skipWeekends: input.skipWeekends ?? false,
      taskTime: input.taskTime ?? '09:00',
      ...(input.campaignWindow === undefined ? {} : { sendingWindow: input.campaignWindow }),
      steps: input.steps,
    },
    contacts: input.contacts ?? [{ id: 'c1', email: 'ana@example.org', firstName: 'Ana' }],
    launch: { at: input.launchAt, firstSendAt: input.firstSendAt ?? null },
    events: input.events ?? [],
  };
}

/** Plans a test scenario and returns the first person's steps. */
export function planSteps(input: ScenarioInput): PlanOutput['enrollments'][number]['steps'] {
  return plan(scenario(input)).enrollments[0]!.steps;
}

export const email = (id: string, day: number, send: Record<string, unknown>, subject = `Subject ${id}`) => ({
  id,
  day,
  type: 'email',
  subject,
  body: '<p>Hello {{ first_name }}</p>',
  send,
});
export const atTime = (id: string, day: number, time: string) => email(id, day, { timing: 'at_time', time });
export const call = (id: string, day: number) => ({ id, day, type: 'call', title: `Call {{ first_name }}` });
