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
