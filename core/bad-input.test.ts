import { describe, expect, it } from 'vitest';
import { InputError } from './errors';
import { plan } from './plan';
import { atTime, call, email, scenario, type ScenarioInput } from './test-helpers';

const base: ScenarioInput = { launchAt: '2026-03-06T14:00:00Z', steps: [atTime('s1', 1, '09:30')] };

/** The one-line refusal `<path>: <reason>` that plan gives for a scenario. */
function refusal(input: Record<string, unknown>): string {
  try {
    plan(input);
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

type Scenario = Record<string, unknown> & { mailbox?: Record<string, unknown> };

function withPatch(patch: (s: Scenario) => void, input: ScenarioInput = base): Record<string, unknown> {
  const s = scenario(input) as Scenario;
  patch(s);
  return s;
}

describe('bad input is refused with the field path and the value (SPEC §8)', () => {
  it('a misspelt zone, offering the IANA name', () => {
    expect(refusal(withPatch((s) => (s.mailbox!.timeZone = 'America/New_Yrok')))).toBe(
      'mailbox.timeZone: "America/New_Yrok" is not an IANA time-zone name; did you mean "America/New_York"?',
    );
  });

  it('a bare offset zone, offering the Etc name with the POSIX sign', () => {
    const s = scenario({ ...base, contacts: [{ id: 'c1', email: 'a@example.org', timeZone: 'GMT-5' }] });
    expect(refusal(s)).toBe('contacts[0].timeZone: "GMT-5" is not an IANA time-zone name; did you mean "Etc/GMT+5"?');
  });

  it('an abbreviation zone, offering a city zone', () => {
    expect(refusal(withPatch((s) => (s.mailbox!.timeZone = 'EST')))).toBe(
      'mailbox.timeZone: "EST" is not an IANA time-zone name; did you mean "America/New_York"?',
    );
  });

  it.each(['24:00', '25:00', '9:30', '09:60', 'noon'])('the time %s', (time) => {
    expect(refusal(scenario({ ...base, steps: [atTime('s1', 1, time)] }))).toBe(
      `campaign.steps[0].send.time: "${time}" is not a time of day (use 24-hour HH:mm, 00:00–23:59)`,
    );
  });

  it('a taskTime of 24:00', () => {
    expect(refusal(scenario({ ...base, taskTime: '24:00' }))).toBe(
      'campaign.taskTime: "24:00" is not a time of day (use 24-hour HH:mm, 00:00–23:59)',
    );
  });

  it('at_time without a time', () => {
    expect(refusal(scenario({ ...base, steps: [email('s1', 1, { timing: 'at_time' })] }))).toBe(
      'campaign.steps[0].send.time: is required when timing is "at_time" (24-hour HH:mm)',
    );
  });

  it('a first step on day 2', () => {
    expect(refusal(scenario({ ...base, steps: [atTime('s1', 2, '09:00')] }))).toBe(
      'campaign.steps[0].day: the first step must be on day 1, not day 2',
    );
  });

  it('days that go backwards', () => {
    expect(
      refusal(scenario({ ...base, steps: [atTime('s1', 1, '09:00'), atTime('s2', 3, '09:00'), call('s3', 2)] })),
    ).toBe('campaign.steps[2].day: day 2 comes after day 3; days never decrease along the campaign');
  });

  it('a campaign with no steps', () => {
    expect(refusal(scenario({ ...base, steps: [] }))).toMatch(
      /^campaign\.steps: a campaign with no steps cannot be launched/,
    );
  });

  it('same_as_previous on day 3 with no email on an earlier day', () => {
    expect(refusal(scenario({ ...base, steps: [call('s1', 1), email('s2', 3, { timing: 'same_as_previous' })] }))).toBe(
      'campaign.steps[1].send.timing: "same_as_previous" needs an email on a day before day 3, and there is none; pick "at_time" or add an earlier email',
    );
  });

  it('followUp after a call step', () => {
    expect(
      refusal(
        scenario({ ...base, steps: [atTime('s1', 1, '09:00'), call('s2', 2), email('s3', 3, { followUp: true })] }),
      ),
    ).toBe(
      'campaign.steps[2].send.followUp: the step before (call step "s2") is not an email, so there is nothing to thread onto',
    );
  });

  it('choose_at_launch on a later step', () => {
    expect(
      refusal(scenario({ ...base, steps: [atTime('s1', 1, '09:00'), email('s2', 2, { timing: 'choose_at_launch' })] })),
    ).toBe(
      'campaign.steps[1].send.timing: "choose_at_launch" is not offered after the first step (choose same_as_previous, at_time, task)',
    );
  });

  it('same_as_previous on the first step', () => {
    expect(refusal(scenario({ ...base, steps: [email('s1', 1, { timing: 'same_as_previous' })] }))).toBe(
      'campaign.steps[0].send.timing: "same_as_previous" is not offered for the first step (choose choose_at_launch, at_time, task)',
    );
  });

  it('a first send time missing for choose_at_launch', () => {
    expect(refusal(scenario({ ...base, steps: [email('s1', 1, { timing: 'choose_at_launch' })] }))).toBe(
      'launch.firstSendAt: is required: the first step "s1" is "choose_at_launch", so a send time must be picked at launch',
    );
  });

  it('a first send time before the launch instant', () => {
    expect(
      refusal(
        scenario({
          ...base,
          firstSendAt: '2026-03-06T13:59:00Z',
          steps: [email('s1', 1, { timing: 'choose_at_launch' })],
        }),
      ),
    ).toBe(
      'launch.firstSendAt: "2026-03-06T13:59:00.000Z" is before the launch instant "2026-03-06T14:00:00.000Z"; pick a send time that has not passed',
    );
  });

  it('an address without @', () => {
    const s = scenario({ ...base, contacts: [{ id: 'c1', email: 'ana.example.org' }] });
    expect(refusal(s)).toBe('contacts[0].email: "ana.example.org" is not an email address (it has no "@")');
  });

  it('an unknown merge field pasted from another tool', () => {
    const steps = [email('s1', 1, { timing: 'at_time', time: '09:00' }, 'Hi {{ contact.firstname }}')];
    expect(refusal(scenario({ ...base, steps }))).toBe(
      'campaign.steps[0].subject: unknown merge field "contact.firstname"; did you mean "first_name"?',
    );
  });

  it('a subject carrying a line break into the headers', () => {
    const steps = [email('s1', 1, { timing: 'at_time', time: '09:00' }, 'Hi\r\nBcc: everyone@example.com')];
    expect(refusal(scenario({ ...base, steps }))).toBe(
      'campaign.steps[0].subject: "Hi\\r\\nBcc: everyone@example.com" contains a line break, which a mail header cannot carry',
    );
  });

  it('a launch instant without a zone designator', () => {
    expect(refusal(scenario({ ...base, launchAt: '2026-03-06T14:00:00' }))).toBe(
      'launch.at: "2026-03-06T14:00:00" is not an ISO 8601 instant with a zone designator (e.g. "2026-03-06T14:00:00Z")',
    );
  });

  it('an unknown step type', () => {
    const steps = [atTime('s1', 1, '09:00'), { id: 's2', day: 2, type: 'sms' }];
    expect(refusal(scenario({ ...base, steps }))).toBe(
      'campaign.steps[1].type: "sms" is not a step type (use email, call, linkedin or custom)',
    );
  });

  it('a missing section', () => {
    expect(refusal(withPatch((s) => delete s.mailbox))).toBe('mailbox: is required (object)');
  });

  it('an event for a step that does not exist', () => {
    const s = scenario({
      ...base,
      events: [{ contactId: 'c1', stepId: 's9', type: 'sent', at: '2026-03-06T14:30:00Z' }],
    });
    expect(refusal(s)).toBe('events[0].stepId: "s9" is not the id of any step');
  });

  it('an event that skips an earlier step', () => {
    const s = scenario({
      ...base,
      steps: [atTime('s1', 1, '09:30'), call('s2', 2)],
      events: [{ contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-07T14:30:00Z' }],
    });
    expect(refusal(s)).toMatch(/^events: contact "c1" has an event for step "s2" but none for the earlier step "s1"/);
  });
});
