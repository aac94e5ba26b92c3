import { describe, expect, it } from 'vitest';
import { InputError } from './errors';
import { plan } from './plan';
import { renderTemplate, templateProblems } from './templating';
import { atTime, call, email, planSteps, scenario, type ScenarioInput } from './test-helpers';
import { isIanaZone, suggestZone, zoneProblem } from './zones';

function refusal(input: ScenarioInput): string {
  try {
    plan(scenario(input));
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

const launchAt = '2026-03-09T12:00:00Z';

describe('templates are untrusted (SPEC §8)', () => {
  it('refuses tags that read files or render other templates', () => {
    expect(templateProblems("{% include 'tsconfig.json' %}")).toContain(
      'the tag "{% include %}" is not allowed in an email template',
    );
    expect(templateProblems("{% render 'x' %}{% layout 'y' %}")).toEqual([
      'the tag "{% render %}" is not allowed in an email template',
      'the tag "{% layout %}" is not allowed in an email template',
    ]);
    expect(
      refusal({
        launchAt,
        steps: [email('s1', 1, { timing: 'at_time', time: '09:00' }, "{% include 'package.json' %}")],
      }),
    ).toBe('campaign.steps[0].subject: the tag "{% include %}" is not allowed in an email template');
  });

  it('never reads a file even when asked at render time', () => {
    const out = renderTemplate("{% include 'package.json' %}", { custom: {} });
    expect(out.ok).toBe(false);
  });

  it('cuts a runaway loop short and blocks the email instead of hanging', () => {
    const out = renderTemplate('{% for i in (1..30000000) %}{{ first_name }}{% endfor %}', {
      first_name: 'Ana',
      custom: {},
    });
    expect(out).toEqual({ ok: false, blocked: expect.stringMatching(/^the template cannot be rendered: /) });
  });

  it('names only the empty fields without a default, and reads bracketed custom columns', () => {
    expect(renderTemplate('Hi {{ first_name }} {{ company | default: "x" }}', { custom: {} })).toEqual({
      ok: false,
      blocked: 'missing first_name (empty, and no default given)',
    });
    expect(renderTemplate('{{ custom["my col"] }} {{ custom.other }}', { custom: { 'my col': 'A' } })).toEqual({
      ok: false,
      blocked: 'missing custom.other (empty, and no default given)',
    });
  });

  it('folds a line break merged into a subject into a space', () => {
    const s = scenario({
      launchAt,
      contacts: [{ id: 'c1', email: 'a@example.org', firstName: 'Ana', company: 'Acme\r\nBcc: all@example.com' }],
      steps: [email('s1', 1, { timing: 'at_time', time: '09:00' }, 'About {{ company }}')],
    });
    expect(plan(s).enrollments[0]!.steps[0]!.subject).toBe('About Acme Bcc: all@example.com');
  });
});

describe('R6 and R8 details', () => {
  it('R6: an email task done by hand lends its real time to the next same_as_previous email', () => {
    const steps = planSteps({
      launchAt,
      steps: [email('s1', 1, { timing: 'task' }), email('s2', 3, { timing: 'same_as_previous' })],
      events: [{ contactId: 'c1', stepId: 's1', type: 'completed', at: '2026-03-09T19:47:31Z' }],
    });
    expect(steps[1]!.local).toBe('2026-03-11T15:47:00.000-04:00');
  });

  it('R6 on day 1 with no earlier email: due at launch, so late when the step ahead goes later', () => {
    const steps = planSteps({
      launchAt: '2026-03-06T13:00:00Z',
      steps: [atTime('s1', 1, '08:30'), email('s2', 1, { timing: 'same_as_previous' })],
    });
    expect(steps[1]).toMatchObject({ dueAt: '2026-03-06T13:30:00.000Z', late: true });
  });

  it('R8: a step done early never pulls later steps in', () => {
    const steps = planSteps({
      launchAt,
      steps: [atTime('s1', 1, '09:00'), call('s2', 3), atTime('s3', 4, '10:00')],
      events: [
        { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T13:00:00Z' },
        { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-09T15:00:00Z' },
      ],
    });
    expect(steps[2]!.local).toBe('2026-03-12T10:00:00.000-04:00');
  });

  it('R1: recipient mode falls back to the mailbox zone for a person without one', () => {
    const out = plan(
      scenario({
        launchAt,
        timeZoneMode: 'recipient',
        zone: 'Asia/Tokyo',
        contacts: [
          { id: 'c1', email: 'a@example.org', firstName: 'A', timeZone: 'Europe/Berlin' },
          { id: 'c2', email: 'b@example.org', firstName: 'B' },
        ],
        steps: [atTime('s1', 1, '23:00')],
      }),
    );
    expect(out.enrollments.map((e) => [e.zone, e.steps[0]!.local])).toEqual([
      ['Europe/Berlin', '2026-03-09T23:00:00.000+01:00'],
      ['Asia/Tokyo', '2026-03-09T23:00:00.000+09:00'],
    ]);
  });
});

describe('more refusals', () => {
  it('a day past ten years', () => {
    expect(refusal({ launchAt, steps: [atTime('s1', 1, '09:00'), atTime('s2', 200000000, '09:00')] })).toBe(
      'campaign.steps[1].day: day 200000000 is past the longest campaign (3650 days)',
    );
  });

  it('duplicate step ids', () => {
    expect(refusal({ launchAt, steps: [atTime('s1', 1, '09:00'), call('s1', 2)] })).toBe(
      'campaign.steps[1].id: "s1" is used by an earlier step; step ids must be unique',
    );
  });

  it('a first send time for a first step that takes none', () => {
    expect(refusal({ launchAt, firstSendAt: '2026-03-10T12:00:00Z', steps: [call('s1', 1)] })).toBe(
      'launch.firstSendAt: "2026-03-10T12:00:00.000Z" was given, but the first step "s1" is a task, which takes no send time',
    );
  });

  it('events: sent on a call, before launch, out of order, manual on a completed task', () => {
    const steps = [atTime('s1', 1, '09:00'), call('s2', 2)];
    expect(
      refusal({
        launchAt,
        steps,
        events: [
          { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T13:00:00Z' },
          { contactId: 'c1', stepId: 's2', type: 'sent', at: '2026-03-10T13:00:00Z' },
        ],
      }),
    ).toBe('events[1].type: "sent" fits email steps only; "s2" is a call step (use "completed" or "skipped")');
    expect(
      refusal({
        launchAt,
        steps,
        events: [{ contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-08T13:00:00Z' }],
      }),
    ).toBe('events[0].at: "2026-03-08T13:00:00Z" is before the launch instant');
    expect(
      refusal({
        launchAt,
        steps,
        events: [
          { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-10T13:00:00Z' },
          { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-09T13:00:00Z' },
        ],
      }),
    ).toBe('events: contact "c1": step "s2" is done before the step ahead of it');
    expect(
      refusal({
        launchAt,
        steps,
        events: [
          { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T13:00:00Z' },
          { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-10T13:00:00Z', manual: true },
        ],
      }),
    ).toBe('events[1].manual: applies to a "sent" event only, not "completed"');
  });
});

describe('zone names, exactly as IANA spells them', () => {
  it('refuses a wrongly cased name and offers the right one', () => {
    expect(isIanaZone('america/new_york')).toBe(false);
    expect(zoneProblem('america/new_york')).toBe(
      '"america/new_york" is not an IANA time-zone name; did you mean "America/New_York"?',
    );
    expect(zoneProblem('utc')).toBe('"utc" is not an IANA time-zone name; did you mean "UTC"?');
    expect(suggestZone('Europe/Berln')).toBe('Europe/Berlin');
  });

  it('offers UTC for GMT, and reads only real offsets as offsets', () => {
    expect(suggestZone('GMT')).toBe('UTC');
    expect(suggestZone('UTC12')).not.toBe('Etc/GMT+2');
    expect(suggestZone('x5')).toBeUndefined();
    expect(suggestZone('UTC−3')).toBe('Etc/GMT+3');
  });
});
