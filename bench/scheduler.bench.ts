import { Scheduler, type Clock, type Job } from '../electron/host/scheduler';
import { report } from './harness';

/**
 * `scheduler` group: arming 100,000 jobs (time, heap), firing all 100,000 through a stepped clock
 * (each once, in due order: the unit test checks the same on 5,000), and how late a due job is handed over with real timers. */
export async function benchScheduler(): Promise<void> {
  const base = Date.now() + 3_600_000;
  const jobs: Job[] = Array.from({ length: 100_000 }, (_, i) => ({
    id: `step-run-${i}`,
    dueAt: base + ((i * 7919) % 100_000) * 1000,
  }));
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const scheduler = new Scheduler(() => undefined);
  scheduler.set(jobs);
  const armMs = performance.now() - start;
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  scheduler.stop();
  report('scheduler-arm-100k', Number(armMs.toFixed(1)), 'ms');
  report('scheduler-heap-100k', Number(((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)), 'MB');

  // Fire 100,000: a clock that jumps straight to each armed timer, so only the heap's work is timed.
  let time = base;
  let armed: (() => void) | undefined;
  let armedAt = 0;
  const stepped: Clock = {
    now: () => time,
    setTimeout: (fire, ms) => ((armed = fire), (armedAt = time + ms), 1),
    clearTimeout: () => (armed = undefined),
  };
  const order: Job[] = [];
  const firing = new Scheduler((due) => order.push(...due), stepped);
  firing.set(jobs);
  const fireStart = performance.now();
  while (armed) {
    const fire = armed;
    armed = undefined;
    time = armedAt;
    fire();
  }
  const fireMs = performance.now() - fireStart;
  const wrong = order.filter((job, i) => i > 0 && job.dueAt < order[i - 1]!.dueAt).length;
  if (order.length !== jobs.length || new Set(order.map((j) => j.id)).size !== jobs.length || wrong > 0)
    throw new Error(`scheduler-fire-100k: fired ${order.length} jobs, ${wrong} out of order`);
  report('scheduler-fire-100k', Number(fireMs.toFixed(1)), 'ms');

  // Fire latency: 1,000 jobs 3 ms apart, each handed over by the real timer; lateness = handover − due.
  const lateness: number[] = [];
  await new Promise<void>((resolve) => {
    const first = Date.now() + 200;
    const live = new Scheduler((due) => {
      const now = Date.now();
      for (const job of due) lateness.push(now - job.dueAt);
      if (lateness.length === 1000) resolve();
    });
    live.set(Array.from({ length: 1000 }, (_, i) => ({ id: `j${i}`, dueAt: first + i * 3 })));
  });
  lateness.sort((a, b) => a - b);
  report('scheduler-fire-latency-median', lateness[500]!, 'ms');
  report('scheduler-fire-latency-p99', lateness[990]!, 'ms');
}
