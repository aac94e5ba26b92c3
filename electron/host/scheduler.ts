/**
 * The host's timer scheduler (ARCHITECTURE.md, "Fire"): pending jobs in a min-heap
 * ordered by due instant, one timer armed for the earliest. Chromium throttles
 * timers in hidden windows, so the host, not the renderer, owns them.
 *
 * A timer is never armed for more than 2^31−1 ms (the most `setTimeout` takes);
 * a far job re-arms on the way. Due jobs are handed over in one batch, earliest
 * first. `check()` re-runs everything at once: the host calls it on resume,
 * unlock and every 60 s, which also catches a wall-clock jump.
 */

import type { Job } from '../../core/host/contract';

/** A job: an id the renderer chose (an enrollment id) and when it falls due, UTC ms (the contract's). */
export type { Job };

/** What the scheduler needs of the outside world; tests pass a fake. */
export interface Clock {
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The longest delay `setTimeout` honours (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class Scheduler {
  /** Binary min-heap on (dueAt, id). */
  private heap: Job[] = [];
  /** id → current due instant; a heap entry whose dueAt differs is stale and skipped. */
  private readonly live = new Map<string, number>();
  private timer: unknown;
  private armedFor = Number.NaN;

  constructor(
    private readonly onDue: (jobs: Job[]) => void,
    private readonly clock: Clock = realClock,
  ) {}

  /** How many jobs are pending. */
  get size(): number {
    return this.live.size;
  }

  /** Adds or moves jobs (same id: the new due instant wins), then fires what is due and re-arms. */
  set(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (!Number.isFinite(job.dueAt))
        throw new Error(`job ${JSON.stringify(job.id)}: dueAt ${job.dueAt} is not an instant`);
      this.live.set(job.id, job.dueAt);
      this.push({ id: job.id, dueAt: job.dueAt });
    }
    if (this.heap.length > 4 * this.live.size + 1024) this.compact();
    this.handOver(false);
  }

  /** Replaces every pending job with `jobs` (the renderer's full list at start-up). */
  replaceAll(jobs: readonly Job[]): void {
    this.heap = [];
    this.live.clear();
    this.set(jobs);
  }

  /** Forgets jobs (a send cancelled, a person removed). */
  remove(ids: readonly string[]): void {
    for (const id of ids) this.live.delete(id);
    this.handOver(false);
  }

  /**
   * Hands over every job due by now, earliest first, and arms the timer afresh for the next
   * one. Called after the clock may have jumped (resume, unlock, every 60 s, a test clock
   * moved): a timer armed before the jump counts real milliseconds from the old reading, so
   * it is always replaced here, never kept because its target is the same.
   */
  check(): void {
    this.handOver(true);
  }

  private handOver(clockMayHaveJumped: boolean): void {
    const now = this.clock.now();
    const due: Job[] = [];
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.live.get(top.id) !== top.dueAt) {
        this.pop();
        continue;
      }
      if (top.dueAt > now) break;
      this.pop();
      this.live.delete(top.id);
      due.push(top);
    }
    if (clockMayHaveJumped) this.stop();
    this.arm(now);
    if (due.length > 0) this.onDue(due);
  }

  /** Stops the timer (the host is quitting); jobs are kept. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.NaN;
  }

  private arm(now: number): void {
    const next = this.peekLive();
    const target = next === undefined ? Number.NaN : next.dueAt;
    if (target === this.armedFor && this.timer !== undefined) return;
    this.stop();
    if (next === undefined) return;
    this.armedFor = target;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.armedFor = Number.NaN;
        this.handOver(false);
      },
      Math.min(Math.max(target - now, 0), MAX_TIMER_MS),
    );
  }

  private peekLive(): Job | undefined {
    while (this.heap.length > 0 && this.live.get(this.heap[0]!.id) !== this.heap[0]!.dueAt) this.pop();
    return this.heap[0];
  }

  private compact(): void {
    // A sorted array is a valid min-heap.
    this.heap = [...this.live]
      .map(([id, dueAt]) => ({ id, dueAt }))
      .sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private push(job: Job): void {
    const heap = this.heap;
    heap.push(job);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Job | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Job, b: Job): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
}
