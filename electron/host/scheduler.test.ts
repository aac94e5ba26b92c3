import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, Scheduler, type Clock, type Job } from './scheduler';

/** A clock that only moves when told: timers fire in order as it passes them. */
class FakeClock implements Clock {
  private timers = new Map<number, { at: number; fire: () => void }>();
  private next = 1;
  /** Every delay ever armed, in ms. */
  readonly delays: number[] = [];
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  setTimeout(fire: () => void, ms: number): number {
    this.delays.push(ms);
    const handle = this.next++;
    this.timers.set(handle, { at: this.time + ms, fire });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward to `to`, firing timers on the way (as a running process would). */
  advanceTo(to: number): void {
    for (;;) {
      const soonest = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0];
      if (!soonest || soonest[1].at > to) break;
      this.timers.delete(soonest[0]);
      this.time = soonest[1].at;
      soonest[1].fire();
    }
    this.time = to;
  }
  /**
   * The wall clock jumps (sleep, a manual change): no timer fires by itself, and an armed
   * timer still counts its real milliseconds from where it was armed, so it moves with the jump.
   */
  jumpTo(to: number): void {
    for (const timer of this.timers.values()) timer.at += to - this.time;
    this.time = to;
  }
}

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

function setup() {
  const clock = new FakeClock(T0);
  const fired: { at: number; jobs: Job[] }[] = [];
  const scheduler = new Scheduler((jobs) => fired.push({ at: clock.now(), jobs }), clock);
  return { clock, fired, scheduler };
}

describe('Scheduler', () => {
  it('fires a job 30 days out once, at its instant, never arming more than 2^31−1 ms', () => {
    const { clock, fired, scheduler } = setup();
    const dueAt = T0 + 30 * DAY;
    scheduler.set([{ id: 'far', dueAt }]);
    clock.advanceTo(dueAt - 1);
    expect(fired).toEqual([]);
    clock.advanceTo(dueAt + DAY);
    expect(fired).toEqual([{ at: dueAt, jobs: [{ id: 'far', dueAt }] }]);
    expect(Math.max(...clock.delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(scheduler.size).toBe(0);
  });

  it('a forward jump that leaves a job just ahead re-arms its timer for what is left, not the old delay', () => {
    const { clock, fired, scheduler } = setup();
    const dueAt = T0 + 60_045;
    scheduler.set([{ id: 'retry', dueAt }]);
    clock.jumpTo(T0 + 60_000);
    scheduler.check();
    clock.advanceTo(dueAt);
    expect(fired).toEqual([{ at: dueAt, jobs: [{ id: 'retry', dueAt }] }]);
  });

  it('fires what is due when the wall clock jumps forward and the host checks', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.set([
      { id: 'a', dueAt: T0 + 1000 },
      { id: 'b', dueAt: T0 + 2 * DAY },
      { id: 'c', dueAt: T0 + 5 * DAY },
    ]);
    clock.jumpTo(T0 + 3 * DAY);
    scheduler.check();
    expect(fired).toEqual([
      {
        at: T0 + 3 * DAY,
        jobs: [
          { id: 'a', dueAt: T0 + 1000 },
          { id: 'b', dueAt: T0 + 2 * DAY },
        ],
      },
    ]);
    clock.advanceTo(T0 + 6 * DAY);
    expect(fired.map((f) => f.jobs.map((j) => j.id))).toEqual([['a', 'b'], ['c']]);
  });

  // The property (every job once, in due order, at its own instant, from a shuffled arming) holds
  // for any count; 5,000 keeps it fast on a busy machine. Arming 100,000 is measured by the bench
  // (`npm run bench -- scheduler`: scheduler-arm-100k), where speed belongs.
  it('fires 5,000 shuffled jobs each once, in due order, each at its own instant', () => {
    const { clock, fired, scheduler } = setup();
    const count = 5_000;
    // 7919 is prime and does not divide 5,000, so this visits every minute 0..4999 once, shuffled.
    const jobs = Array.from({ length: count }, (_, i) => ({
      id: `j${i}`,
      dueAt: T0 + ((i * 7919) % count) * 60_000,
    }));
    scheduler.set(jobs);
    clock.advanceTo(T0 + (count + 1) * 60_000);
    const order = fired.flatMap((f) => f.jobs);
    expect(order).toHaveLength(count);
    expect(new Set(order.map((j) => j.id)).size).toBe(count);
    expect(order.filter((job, i) => i > 0 && job.dueAt < order[i - 1]!.dueAt)).toEqual([]);
    expect(fired.flatMap((batch) => batch.jobs.filter((job) => job.dueAt !== batch.at))).toEqual([]);
  });

  it('moves and removes jobs: a moved job fires at its new instant only, a removed one never', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.set([
      { id: 'moved', dueAt: T0 + 1000 },
      { id: 'gone', dueAt: T0 + 2000 },
    ]);
    scheduler.set([{ id: 'moved', dueAt: T0 + 5000 }]);
    scheduler.remove(['gone']);
    clock.advanceTo(T0 + 10_000);
    expect(fired).toEqual([{ at: T0 + 5000, jobs: [{ id: 'moved', dueAt: T0 + 5000 }] }]);
  });

  it('stays right after many moves (stale heap entries are compacted away)', () => {
    const { clock, fired, scheduler } = setup();
    for (let round = 0; round < 3000; round++) {
      scheduler.set([
        { id: 'a', dueAt: T0 + 10_000 + round },
        { id: 'b', dueAt: T0 + 20_000 - round },
      ]);
    }
    clock.advanceTo(T0 + 60_000);
    expect(fired.flatMap((f) => f.jobs)).toEqual([
      { id: 'a', dueAt: T0 + 12_999 },
      { id: 'b', dueAt: T0 + 17_001 },
    ]);
  });

  it('hands over a job already overdue at once', () => {
    const { fired, scheduler } = setup();
    scheduler.set([{ id: 'late', dueAt: T0 - 60_000 }]);
    expect(fired).toEqual([{ at: T0, jobs: [{ id: 'late', dueAt: T0 - 60_000 }] }]);
  });

  it('refuses a due instant that is not a number', () => {
    const { scheduler } = setup();
    expect(() => scheduler.set([{ id: 'x', dueAt: Number.NaN }])).toThrow('job "x": dueAt NaN is not an instant');
  });
});
