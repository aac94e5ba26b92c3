import { defineConfig } from '@playwright/test';

/**
 * The Electron smoke test: the packaged-shape app (out/ from `npm run build`) in a real
 * Electron window. Separate from the browser tests (../../playwright.config.ts), which
 * need a web host and Chromium; this one needs neither, only an Electron binary, and
 * skips (saying why) where there is none. Run: `npm run test:electron`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.electron.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
});
