// Starts labsim (serving the built app) and Debian's Chromium for one test
// file; every test gets a fresh browser context.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

export async function startLabsim(extraArgs = []) {
  const staticPort = await freePort();
  const stsPort = await freePort();
  const bin = process.env.LABSIM_BIN || path.join(root, 'target/release/labsim');
  const child = spawn(bin, [
    '--static-dir', path.join(root, 'dist'),
    '--static-port', String(staticPort),
    '--sts-port', String(stsPort),
    '--seed', '7',
    ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 20000;
  while (!out.includes('labsim ready')) {
    if (child.exitCode !== null) throw new Error(`labsim exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`labsim not ready: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const sim = `http://127.0.0.1:${stsPort}`;
  return {
    app: `http://127.0.0.1:${staticPort}/`,
    sim,
    output: () => out,
    async config() {
      return (await fetch(`${sim}/_labsim/config`)).json();
    },
    /** Mints a credential set for the demo principal with this lifetime. */
    async mint(ttlSeconds) {
      const r = await fetch(`${sim}/_labsim/credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ttl_seconds: ttlSeconds }),
      });
      if (!r.ok) throw new Error(`mint: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/** A page that fails the test on any console warning or error. */
export async function newPage(browser, { allowConsole = [] } = {}) {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (['warning', 'error'].includes(msg.type())) {
      const text = msg.text();
      if (!allowConsole.some((re) => re.test(text))) problems.push(`${msg.type()}: ${text}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { page, context, problems };
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Sets a lab configuration field, opening "Other endpoints" if it is there. */
export async function setConfigField(page, id, value) {
  const field = byTestId(page, id);
  if (!(await field.isVisible())) {
    await byTestId(page, 'config-panel').locator('details > summary').click();
  }
  await field.fill(value);
  await field.press('Tab');
}

/** Every piece of text the page holds: markup plus form values. */
export async function pageText(page) {
  return page.evaluate(() => {
    const values = [...document.querySelectorAll('textarea, input')].map((e) => e.value);
    return document.documentElement.outerHTML + '\n' + values.join('\n');
  });
}

/**
 * One labsim and one browser for a test file. `open(t, hash, opts)` gives a
 * fresh page at the app with that fragment; the test fails if the page
 * logged a warning or error (bar `opts.allowConsole`).
 */
export function useSuite({ before, after }, labsimArgs = []) {
  const suite = {};
  before(async () => {
    suite.sim = await startLabsim(labsimArgs);
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.sim?.stop();
  });
  suite.open = async (t, hash, opts = {}) => {
    const { page, context, problems } = await newPage(suite.browser, opts);
    t.after(async () => {
      await context.close();
      if (problems.length) throw new Error(`browser console was not clean:\n${problems.join('\n')}`);
    });
    if (opts.clock) await page.clock.install({ time: opts.clock });
    await page.goto(`${suite.sim.app}${hash}`);
    await byTestId(page, 'paste-box').waitFor();
    return page;
  };
  return suite;
}
