import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'electron/**/*.test.ts',
      'renderer/**/*.test.ts',
      'scripts/**/*.test.ts',
      'server/**/*.test.ts',
    ],
    environment: 'node',
    // CI and laptops run with both cores busy: vitest's 5 s / 10 s defaults made a test's pass
    // depend on the machine's speed. A test that needs longer still says so itself; heavy
    // measurements belong in the bench (npm run bench), never in a test.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
