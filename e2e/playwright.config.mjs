// Playwright Test's settings for labmate's end-to-end tests: Debian's
// Chromium (never a downloaded browser), headless; each test gets its own
// labsim from fixtures.mjs, so tests may run side by side.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  testMatch: '*.spec.mjs',
  // A test that waits on the pipeline (refresh lag, expiry) sets its own.
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // Every failure stands: no retries (a flaky test is a bug to fix).
  retries: 0,
  forbidOnly: true,
  // Two workers, each with its own Chromium; tests of one file spread over
  // both (each test has its own labsim, so none shares state). About half
  // of a run is waiting (expiry, refresh lag, pollers), which two workers
  // overlap: on the 2-core machine, loaded by other builds, 2 workers took
  // 43 s where 1 took 52 s. `--workers 1` to debug.
  workers: 2,
  fullyParallel: true,
  reporter: [['list']],
  outputDir: 'test-results',
  // Every suite against labsim; the pipeline's suites (the chapter's
  // guide, the flows, the API, the faults) again in the in-page sandbox,
  // with nothing served but static files (fixtures.mjs, `backend`).
  projects: [
    { name: 'labsim' },
    {
      name: 'sandbox',
      testMatch: ['guide.spec.mjs', 'flows.spec.mjs', 'pipeline.spec.mjs', 'faults.spec.mjs'],
      use: { backend: 'sandbox' },
    },
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic',
      ],
    },
    permissions: ['clipboard-read', 'clipboard-write'],
  },
});
