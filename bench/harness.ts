import { existsSync, readdirSync, readFileSync } from 'node:fs';
/** Prints one figure as the line `BENCH <name> <value> <unit>`. */
export function report(name: string, value: number, unit: string): void {
  console.log(`BENCH ${name} ${value} ${unit}`);
}

/**
 * Runs `work` `runs` times and returns the first and the median wall time in ms.
 * The result of `work` is kept so the engine cannot drop it.
 */
export function timeIt(work: () => unknown, runs: number): { firstMs: number; medianMs: number } {
  const times: number[] = [];
  let sink: unknown;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    sink = work();
    times.push(performance.now() - start);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  const sorted = [...times].sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: sorted[Math.floor(sorted.length / 2)]! };
}

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * CPU time (user + system, ms) used so far by every process this one started (the browser and its
 * renderer, GPU and utility processes), read from Linux's /proc; NaN elsewhere. Clock ticks are
 * 10 ms, so it suits spans of several hundred ms.
 */
export function childrenCpuMs(): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  const procs = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, … utime (14th), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while being read
    }
  }
  let ticks = 0;
  for (const proc of procs.values()) {
    for (let up = proc.parent, depth = 0; up > 1 && depth < 16; up = procs.get(up)?.parent ?? 0, depth++) {
      if (up === process.pid) {
        ticks += proc.ticks;
        break;
      }
    }
  }
  return ticks * 10;
}

/** CPU time (user + system, ms) of this process and of every process it started: see {@link childrenCpuMs}. */
export function ownAndChildrenCpuMs(): { own: number; children: number } {
  const { user, system } = process.cpuUsage();
  return { own: (user + system) / 1000, children: childrenCpuMs() };
}
