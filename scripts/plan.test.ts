import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
// A copy of ../shared/examples/scenario-spec-examples.json, so a lone clone runs it too.
const example = join(root, 'docs', 'examples', 'scenario.json');

/** Runs the command exactly as a person would: `npm run --silent plan -- FILE`. */
function planCommand(file: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', ['run', '--silent', 'plan', '--', file], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'plan-')), 'scenario.json');
  writeFileSync(file, text);
  return file;
}

describe('the plan command (SPEC §10), run as a process', () => {
  it('plans the shared example scenario', () => {
    const { code, stdout, stderr } = planCommand(example);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.enrollments.map((e: { contactId: string }) => e.contactId)).toEqual(['c1', 'c2']);
    const ana = out.enrollments[0];
    expect(ana.zone).toBe('America/New_York');
    expect(ana.steps).toEqual([
      {
        stepId: 's1',
        action: 'send_email',
        dueAt: '2026-03-06T14:30:00.000Z',
        local: '2026-03-06T09:30:00.000-05:00',
        late: false,
        subject: 'Quick question, Ana',
      },
      {
        stepId: 's2',
        action: 'send_email',
        dueAt: '2026-03-08T13:30:00.000Z',
        local: '2026-03-08T09:30:00.000-04:00',
        late: false,
        subject: 'Re: Quick question, Ana',
      },
      {
        stepId: 's3',
        action: 'create_task',
        dueAt: '2026-03-09T13:00:00.000Z',
        local: '2026-03-09T09:00:00.000-04:00',
        late: false,
        title: 'Call Ana at Globex',
      },
      {
        stepId: 's4',
        action: 'create_task',
        dueAt: '2026-03-11T13:00:00.000Z',
        local: '2026-03-11T09:00:00.000-04:00',
        late: false,
        subject: 'Last note',
      },
    ]);
  });

  it('blocks a body whose merge field is empty for the person (issue 10 item 6)', () => {
    const scenario = JSON.parse(readFileSync(example, 'utf8'));
    scenario.campaign.steps = [
      {
        id: 's1',
        day: 1,
        type: 'email',
        subject: 'Hello {{ first_name }}',
        body: '<p>As {{ title }} you lead {{ company }}.</p>',
        send: { timing: 'at_time', time: '09:30' },
      },
    ];
    scenario.contacts[0].title = 'Head of Sales';
    const { code, stdout, stderr } = planCommand(tempFile(JSON.stringify(scenario)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [ana, kenji] = JSON.parse(stdout).enrollments;
    expect(ana.steps[0]).toMatchObject({ stepId: 's1', action: 'send_email', subject: 'Hello Ana' });
    expect(ana.steps[0].blocked).toBeUndefined();
    expect(kenji.steps[0]).toMatchObject({
      stepId: 's1',
      action: 'send_email',
      blocked: 'body: missing title (empty, and no default given)',
    });
  });

  it('takes the mailbox sendingWindow (R12) and marks a moved step; the same scenario without one is unchanged', () => {
    const scenario = JSON.parse(readFileSync(example, 'utf8'));
    const before = JSON.parse(planCommand(example).stdout);
    const workday = [['08:00', '18:00']];
    // Weekdays only: Ana's Sunday (day 3) follow-up moves to Monday 08:00.
    scenario.mailbox.sendingWindow = { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday };
    const { code, stdout, stderr } = planCommand(tempFile(JSON.stringify(scenario)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const ana = JSON.parse(stdout).enrollments[0];
    expect(ana.steps[0]).toEqual(before.enrollments[0].steps[0]);
    expect(ana.steps[1]).toEqual({
      stepId: 's2',
      action: 'send_email',
      dueAt: '2026-03-09T12:00:00.000Z',
      local: '2026-03-09T08:00:00.000-04:00',
      late: false,
      moved: 'window',
      subject: 'Re: Quick question, Ana',
    });
    expect(JSON.stringify(before)).not.toContain('moved');
  });

  it('refuses broken JSON with one error line and exit 2, no stack trace', () => {
    const { code, stdout, stderr } = planCommand(tempFile('{ "mailbox": '));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: \(file\): not valid JSON at line 1, column \d+: .+\n$/);
    expect(stderr.split('\n')).toHaveLength(2);
  });

  it('refuses a bad scenario with `error: <path>: <reason>` and exit 2', () => {
    const scenario = JSON.parse(
      '{"mailbox":{"email":"rep@example.com","timeZone":"America/New_York"},"campaign":{"steps":[{"id":"s1","day":1,"type":"email","subject":"Hi","send":{"timing":"at_time","time":"24:00"}}]},"contacts":[],"launch":{"at":"2026-03-06T14:00:00Z"}}',
    );
    const { code, stdout, stderr } = planCommand(tempFile(JSON.stringify(scenario)));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: campaign.steps[0].send.time: "24:00" is not a time of day (use 24-hour HH:mm, 00:00–23:59)\n',
    );
  });

  it('refuses a file that does not exist', () => {
    const { code, stderr } = planCommand('/nonexistent/scenario.json');
    expect(code).toBe(2);
    expect(stderr).toBe('error: (file): "/nonexistent/scenario.json" was not found\n');
  });
});
