import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  enrollmentCounters,
  runChangeAlone,
  sameEnrollmentCounters,
  type EnrollmentFacts,
  type RunFacts,
} from './results';

/** `plus − minus` as counts per name (zeros dropped), to compare two ways of reaching a change. */
function net(minus: readonly string[], plus: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of minus) out[key] = (out[key] ?? 0) - 1;
  for (const key of plus) out[key] = (out[key] ?? 0) + 1;
  for (const key of Object.keys(out)) if (out[key] === 0) delete out[key];
  return out;
}

const SENT_AT = Date.parse('2026-03-10T14:00:00Z');
const run = (stepId: string, state: string, extra: Partial<RunFacts> = {}): RunFacts => ({
  stepId,
  state,
  sentAt: state === 'sent' ? SENT_AT : null,
  ...extra,
});
const active: EnrollmentFacts = { status: 'active', zone: 'America/New_York' };

describe('runChangeAlone: a step run counted by itself (the results middleware skips reading its enrollment’s runs)', () => {
  it.each([
    [
      'the engine’s claim: scheduled → sending',
      run('s1', 'scheduled'),
      run('s1', 'sending'),
      { minus: ['step:s1:reached'], plus: ['step:s1:reached'] },
    ],
    [
      'a launch’s first run: none → scheduled',
      undefined,
      run('s1', 'scheduled'),
      { minus: [], plus: ['step:s1:reached'] },
    ],
    [
      'a run marked sent outside the app is not reached by itself',
      undefined,
      run('s2', 'skipped', { outside: true }),
      { minus: [], plus: [] },
    ],
    ['a run deleted', run('s3', 'skipped'), undefined, { minus: ['step:s3:reached'], plus: [] }],
  ])('%s', (_name, was, now, expected) => {
    expect(runChangeAlone(was, now)).toEqual(expected);
  });

  it.each([
    ['sending → sent', run('s1', 'sending'), run('s1', 'sent')],
    ['sent → unknown (a person undoes it)', run('s1', 'sent'), run('s1', 'unknown')],
    ['a pulled sent run', undefined, run('s1', 'sent')],
  ])('%s needs every run of the enrollment (undefined)', (_name, was, now) => {
    expect(runChangeAlone(was, now)).toBeUndefined();
  });

  const facts = fc.record({
    stepId: fc.constantFrom('s1', 's2', 's3'),
    state: fc.constantFrom('scheduled', 'sending', 'sent', 'skipped', 'unknown', 'failed'),
    sentAt: fc.option(fc.integer({ min: SENT_AT - 5 * 86_400_000, max: SENT_AT + 5 * 86_400_000 }), { nil: null }),
    outside: fc.boolean(),
  });
  const enrollment = fc.record({
    status: fc.constantFrom('active', 'finished', 'replied', 'bounced', 'unsubscribed', 'paused'),
    zone: fc.constantFrom('America/New_York', 'Asia/Kolkata'),
    outOfOfficeUntil: fc.option(fc.integer({ min: 0 }), { nil: null }),
  });

  it('whenever it answers, it equals counting the enrollment again from all its runs (random runs)', () => {
    fc.assert(
      fc.property(
        enrollment,
        fc.array(facts, { maxLength: 4 }),
        fc.option(facts, { nil: undefined }),
        fc.option(facts, { nil: undefined }),
        (e, others, was, now) => {
          const change = runChangeAlone(was, now);
          if (!change) return;
          const whole = net(enrollmentCounters(e, [...others, was]), enrollmentCounters(e, [...others, now]));
          expect(net(change.minus, change.plus)).toEqual(whole);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('sameEnrollmentCounters: an enrollment write that counts nothing new', () => {
  it.each([
    ['moved to its next step (same status, zone, no out-of-office)', active, { ...active }, true],
    ['finished', active, { ...active, status: 'finished' }, false],
    ['replied', active, { ...active, status: 'replied' }, false],
    ['its zone changed (the local hour of each send moves)', active, { ...active, zone: 'Asia/Kolkata' }, false],
    ['out of office from now', active, { ...active, outOfOfficeUntil: SENT_AT }, false],
    [
      'out of office until a later date (still away)',
      { ...active, outOfOfficeUntil: 1 },
      { ...active, outOfOfficeUntil: 2 },
      true,
    ],
  ])('%s: %s', (_name, was, now, same) => {
    expect(sameEnrollmentCounters(was, now)).toBe(same);
  });

  it('when it says so, the counters are equal whatever the runs (random runs)', () => {
    const e = fc.record({
      status: fc.constantFrom('active', 'finished', 'replied'),
      zone: fc.constantFrom('America/New_York', 'Asia/Kolkata'),
      outOfOfficeUntil: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    });
    const r = fc.record({
      stepId: fc.constantFrom('s1', 's2'),
      state: fc.constantFrom('scheduled', 'sent'),
      sentAt: fc.option(fc.integer({ min: SENT_AT - 86_400_000, max: SENT_AT }), { nil: null }),
    });
    fc.assert(
      fc.property(e, e, fc.array(r, { maxLength: 4 }), (was, now, runs) => {
        if (!sameEnrollmentCounters(was, now)) return;
        expect(net(enrollmentCounters(was, runs), enrollmentCounters(now, runs))).toEqual({});
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('enrollmentCounters', () => {
  it('does not depend on the order of the runs: two sends at the same instant are told apart by step id', () => {
    const replied: EnrollmentFacts = { status: 'replied', zone: 'America/New_York' };
    const runs = [run('s1', 'sent'), run('s2', 'sent')];
    const counted = (list: RunFacts[]) => [...enrollmentCounters(replied, list)].sort();
    expect(counted(runs)).toEqual(counted([...runs].reverse()));
    expect(enrollmentCounters(replied, runs)).toContain('step:s2:replied');
  });
});
