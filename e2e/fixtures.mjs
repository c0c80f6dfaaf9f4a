// The fixtures every end-to-end test builds on: a fresh labsim per test
// (serving the built app, on ports of its own), `sim` helpers for its
// control endpoints, and pages whose browser console must stay clean.
//
//   import { test, expect } from '../fixtures.mjs';
//   test('…', async ({ app, sim }) => {
//     await expect(app.getByTestId('identity-account')).toHaveText('123456789012');
//   });
//
// Why a labsim per test rather than one per worker and /_labsim/reset: it
// starts in about 5 ms, and a reset keeps the clock's lead and the
// timeline's sequence, which a test reading either would have to allow for.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import { serveStatic } from './static-site.mjs';
import { SANDBOX_ADDRESS, sandboxDoor, sandboxControl } from './sandbox-door.mjs';

export { expect };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where labsim serves the app on its static server. */
export const APP_PREFIX = '/course/labmate';

/** Lines of labsim's banner that carry a secret, kept out of any message. */
const SECRET_LINE = /^export AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)=.*$/gm;

/**
 * Starts labsim on free ports (it picks them: `--sts-port 0`) with the
 * built app in `dist/`; resolves once it prints `labsim ready`.
 */
export async function startLabsim(extraArgs = []) {
  const bin = process.env.LABSIM_BIN || path.join(root, 'target/release/labsim');
  const child = spawn(bin, [
    '--static-dir', path.join(root, 'dist'),
    '--static-port', '0',
    // Under a path prefix, as an S3 folder or a CloudFront path serves it;
    // the same-origin routes (/aoss, /api) stay at the root, as there.
    '--static-prefix', APP_PREFIX,
    '--sts-port', '0',
    '--seed', '7',
    ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const shown = () => out.replace(SECRET_LINE, (line) => `${line.split('=')[0]}=(hidden)`);
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = once(child, 'exit');
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`labsim not ready after 20 s:\n${shown()}`)), 20000);
    const check = () => {
      if (out.includes('labsim ready\n')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', check);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`labsim did not start (${bin}): ${e.message}`)); });
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`labsim exited (${code}):\n${shown()}`)); });
  });
  const url = out.match(/^# labsim: control (http:\/\/\S+)\/_labsim\/config$/m)?.[1];
  const app = out.match(/^# labsim: static files (http:\/\/\S+) from /m)?.[1];
  if (!url || !app) throw new Error(`labsim's banner lacks the control or static URL:\n${shown()}`);
  return {
    url,
    app: `${app}/`,
    output: shown,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * The built app (`dist/`) as plain static files under `prefix`, as a
 * bucket serves it: `{ url, requested, stop }` (static-site.mjs).
 */
export function startStaticSite(prefix = APP_PREFIX) {
  return serveStatic(path.join(root, 'dist'), prefix);
}

/** labsim's control call over HTTP: `{ status, text }`. */
function overHttp(url) {
  return async (method, route, body) => {
    const r = await fetch(`${url}/_labsim/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, text: await r.text() };
  };
}

/**
 * An AWS SDK v3 `requestHandler` that hands the SDK's signed requests to
 * the sandbox's door instead of the network: AWS's own client, answered
 * by the simulator in the page.
 */
function sdkHandlerFor(door) {
  return {
    async handle(request) {
      const query = new URLSearchParams(request.query || {}).toString();
      const port = request.port ? `:${request.port}` : '';
      const body = request.body === undefined ? '' : typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      const answer = await door({
        method: request.method,
        url: `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ''}`,
        headers: Object.entries(request.headers),
        body,
      });
      const headers = Object.fromEntries(answer.headers.map(([n, v]) => [n.toLowerCase(), v]));
      return { response: { statusCode: answer.status, headers, body: Readable.from([Buffer.from(answer.body)]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

/** The `sim` fixture: helpers for the simulator's `/_labsim/` control endpoints, reached by `send`. */
function simHelpers(labsim, send, door) {
  const { url } = labsim;
  /** A control call; its JSON answer, or an error naming the call and the simulator's message. */
  async function call(method, route, body) {
    const { status, text } = await send(method, route, body);
    if (status < 200 || status > 299) throw new Error(`${method} /_labsim/${route}: ${status} ${text}`);
    return JSON.parse(text);
  }
  function eventsPage({ after = 0, limit } = {}) {
    const query = new URLSearchParams({ after: String(after), ...(limit ? { limit: String(limit) } : {}) });
    return call('GET', `events?${query}`);
  }
  async function events({ after = 0 } = {}) {
    const all = [];
    for (let cursor = after; ;) {
      const page = await eventsPage({ after: cursor });
      all.push(...page.events);
      cursor = page.next;
      if (!page.more) return all;
    }
  }
  return {
    /** The control (and STS) base URL, e.g. http://127.0.0.1:40123. */
    url,
    /** Any control call: `control('POST', 'setup', { handler: 'fixed' })`. */
    control: call,
    /** The app's URL, served by this labsim. */
    appUrl: labsim.app,
    /**
     * The app's fragment that connects it to this labsim with the demo
     * credentials; in the sandbox, the app opened with nothing, where
     * `openApp` chooses the sandbox.
     */
    simLink: labsim.sandbox ? '#' : `#sim=${encodeURIComponent(url)}`,
    /** The app's fragment that points STS only at this labsim (no credentials yet). */
    stsLink: labsim.sandbox ? undefined : `#sts=${encodeURIComponent(url)}`,
    /** Whether this simulator is the in-page sandbox. */
    sandbox: Boolean(labsim.sandbox),
    /** What an AWS SDK v3 client is given to reach this simulator: `new DynamoDBClient({ ...sim.sdkOptions(), … })`. */
    sdkOptions: () => (door ? { requestHandler: sdkHandlerFor(door) } : {}),
    /** labsim's output so far (secrets hidden). */
    output: labsim.output,
    /** `GET /_labsim/config`: endpoints, routes, region, demo credentials. */
    config: () => call('GET', 'config'),
    /** Back to the start-up state (the clock keeps its lead, the timeline goes on). */
    reset: () => call('POST', 'reset'),
    /**
     * A new credential set for the demo principal lasting `ttlSeconds`
     * (negative: already expired), with `policy` as its identity policy if given.
     */
    mint: (ttlSeconds, { policy } = {}) => call('POST', 'credentials', { ttl_seconds: ttlSeconds, ...(policy ? { policy } : {}) }),
    /** The lab's setup (`GET`), or changed by a patch (`POST`), e.g. `{ handler: 'fixed' }`. */
    setup: (patch) => (patch === undefined ? call('GET', 'setup') : call('POST', 'setup', patch)),
    faults: {
      /** Adds one fault rule or an array of them, e.g. `{ service: 'logs', times: 1, throttle: true }`. */
      add: (rules) => call('POST', 'faults', rules),
      list: async () => (await call('GET', 'faults')).faults,
      clear: () => call('DELETE', 'faults'),
    },
    /** How long search lags a write (`GET`), or shortened (`POST`, e.g. `1000` or `'200..800'`). */
    refreshLag: (ms) => (ms === undefined ? call('GET', 'refresh-lag') : call('POST', 'refresh-lag', { refresh_lag_ms: ms })),
    clock: {
      /** `{ now_ms, offset_ms }`: the simulator's time and its lead. */
      get: () => call('GET', 'clock'),
      /** Moves the simulator's clock `ms` ahead (never back). */
      advance: (ms) => call('POST', 'clock', { advance_ms: ms }),
    },
    /** AWS's limits labsim applies (`GET`), or loosened by a patch (`POST`; `null` lifts one). */
    limits: (patch) => (patch === undefined ? call('GET', 'limits') : call('POST', 'limits', patch)),
    /** Closes the stream's open shard and opens its child. */
    rollOverStream: () => call('POST', 'stream/roll-over'),
    /** One page of the ground-truth timeline: `{ events, next, more }`. */
    eventsPage,
    /** Every timeline event after `after` (all pages), in order. */
    events,
    /**
     * Waits (auto-retrying) until the timeline holds an event `match`
     * accepts, e.g. `(e) => e.kind === 'log_line'`; returns the first one.
     */
    async waitForEvent(match, { timeout = 15000, message = 'a matching timeline event' } = {}) {
      let found;
      await expect.poll(async () => {
        found = (await events()).find(match);
        return found !== undefined;
      }, { timeout, message }).toBe(true);
      return found;
    },
  };
}

/**
 * Fails the test if any page of the context logged a warning or an error,
 * or threw, unless the text matches an allowed pattern.
 */
export function watchConsole(context) {
  const messages = [];
  const errors = [];
  context.on('console', (msg) => {
    if (!['warning', 'error'].includes(msg.type())) return;
    // Chromium's "Failed to load resource" names no URL in its text: add it.
    const url = msg.location()?.url;
    const where = url && msg.text().startsWith('Failed to load resource') ? ` (${url})` : '';
    messages.push({ type: msg.type(), text: msg.text(), shown: `${msg.text()}${where}` });
  });
  context.on('weberror', (e) => errors.push(`pageerror: ${e.error().message}`));
  /** What the test did not expect; an uncaught error is never expected. */
  return (allowed) => [
    ...messages.filter((m) => !allowed.some((re) => re.test(m.text))).map((m) => `${m.type}: ${m.shown}`),
    ...errors,
  ];
}

/**
 * labsim's command-line options as the sandbox takes them: control calls
 * made once it started (`[route, body]`). An option the sandbox cannot
 * take fails the test, naming it.
 */
function sandboxSettings(args) {
  const calls = [];
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (name === '--refresh-lag-ms') calls.push(['refresh-lag', { refresh_lag_ms: value }]);
    else if (name === '--lambda') calls.push(['setup', { handler: value }]);
    // The sandbox's requests never leave the page: no CORS to turn on.
    else if (name === '--api-cors' && value === 'on') continue;
    else throw new Error(`labsim's ${name} ${value} has no sandbox equivalent: run this test against labsim only`);
  }
  return calls;
}

export const test = base.extend({
  /** Extra labsim options for the file or describe block: `test.use({ labsimArgs: ['--api-cors', 'on'] })`. */
  labsimArgs: [[], { option: true }],
  /** Console messages expected for every test of a file or block: `test.use({ allowConsole: [/…/] })`. */
  allowConsole: [[], { option: true }],
  /**
   * Where `app` opens: `'sim'` connected with the demo credentials
   * (`#sim=`), `'sts'` with STS pointed at labsim and no credentials yet
   * (`#sts=`), `'none'` with nothing (`#`). `test.use({ appLink: 'sts' })`.
   */
  appLink: ['sim', { option: true }],

  /**
   * What plays the lab's backend: `'labsim'` (its native server, serving
   * the app too) or `'sandbox'` (the app as static files only, the
   * simulator in the page's worker; the playwright.config project
   * "sandbox" runs the pipeline's suites this way).
   */
  backend: ['labsim', { option: true }],

  /** labsim's process for this test, or the static site in the sandbox (most tests want `sim` instead). */
  labsim: async ({ labsimArgs, backend }, use) => {
    if (backend === 'sandbox') {
      sandboxSettings(labsimArgs);
      const site = await startStaticSite();
      try {
        await use({ sandbox: true, app: site.url, url: SANDBOX_ADDRESS, output: () => '', requested: site.requested });
      } finally {
        await site.stop();
      }
      return;
    }
    const labsim = await startLabsim(labsimArgs);
    try {
      await use(labsim);
    } finally {
      await labsim.stop();
    }
  },

  sim: async ({ labsim, page }, use) => {
    if (labsim.sandbox) {
      const door = sandboxDoor(page);
      await use(simHelpers(labsim, sandboxControl(door), door));
    } else {
      await use(simHelpers(labsim, overHttp(labsim.url)));
    }
  },

  /**
   * `browserConsole.allow(/…/, …)` adds patterns this test expects in the
   * console (a 4xx Chromium reports, a CORS refusal). Checked when the
   * test ends, so a pattern added mid-test covers messages from before.
   */
  browserConsole: async ({}, use) => {
    const allowed = [];
    await use({ allowed, allow: (...patterns) => allowed.push(...patterns) });
  },

  // Every page of the test's context (second tabs included) is watched.
  // It depends on `labsim` so that labsim is started before the context
  // and stopped after it is closed: a page still polling never sees it gone.
  context: async ({ labsim, context, allowConsole, browserConsole }, use) => {
    browserConsole.allow(...allowConsole);
    const unexpected = watchConsole(context);
    await use(context);
    const problems = unexpected(browserConsole.allowed);
    if (problems.length) throw new Error(`browser console was not clean:\n${problems.join('\n')}`);
  },

  /**
   * `openApp(fragment = sim.simLink, { clock, allowConsole, page })` loads
   * the app served by this test's labsim (in the test's page unless
   * `page` is given) and waits until it is ready (the paste box shown).
   * `clock` installs Playwright's fake clock at that time first.
   */
  openApp: async ({ page, sim, browserConsole, labsimArgs }, use) => {
    await use(async (fragment = sim.simLink, { clock, allowConsole = [], page: target = page } = {}) => {
      browserConsole.allow(...allowConsole);
      if (clock !== undefined) await target.clock.install({ time: clock });
      await target.goto(`${sim.appUrl}${fragment}`);
      await expect(target.getByTestId('paste-box')).toBeVisible();
      if (sim.sandbox && fragment === sim.simLink) {
        if (target !== page) throw new Error('a second tab has a sandbox of its own: tab tests run against labsim only');
        // Once, under the full suite's load, a click on the offer was
        // taken by the button (it had focus) but the sandbox did not start
        // (1 test in 150; not seen in the same test run alone 10 times).
        // The cause is open on the issue; until then the click is made
        // again if the offer is still there 5 s later.
        const start = target.getByTestId('sandbox-start');
        await expect(async () => {
          if (await start.isVisible()) await start.click();
          await expect(target.getByTestId('sandbox-offer')).toHaveCount(0, { timeout: 5_000 });
        }).toPass({ timeout: 20_000 });
        for (const [route, body] of sandboxSettings(labsimArgs)) await sim.control('POST', route, body);
      }
      return target;
    });
  },

  /** The app served by this test's labsim, opened as `appLink` says (connected by default). */
  app: async ({ openApp, sim, appLink }, use) => {
    const fragments = { sim: sim.simLink, sts: sim.stsLink, none: '#' };
    if (!(appLink in fragments)) throw new Error(`appLink is 'sim', 'sts' or 'none', not ${JSON.stringify(appLink)}`);
    await use(await openApp(fragments[appLink]));
  },

  /**
   * `secondTab(fragment = sim.simLink)`: another tab of the same browser
   * context, at the app: it shares storage, Web Locks and BroadcastChannel
   * with `app`, as two tabs of one browser do.
   */
  secondTab: async ({ context, openApp, sim }, use) => {
    await use(async (fragment = sim.simLink, options = {}) => {
      const tab = await context.newPage();
      return openApp(fragment, { ...options, page: tab });
    });
  },
});

/** Sets a lab configuration field, opening "Other endpoints" if it is there. */
export async function setConfigField(page, id, value) {
  const field = page.getByTestId(id);
  if (!(await field.isVisible())) {
    await page.getByTestId('config-panel').locator('details > summary').click();
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

/** Chromium logs every 4xx answer a page receives; expected where AWS refuses. */
export const HTTP_4XX = (...statuses) =>
  new RegExp(`Failed to load resource: the server responded with a status of (${statuses.join('|')})`);

/** What Chromium logs when CORS blocks a request. */
export const CORS_BLOCKED = [/blocked by CORS policy/, /Failed to load resource: net::ERR_FAILED/];

/** The app connected to labsim (its identity shown) and watching the pipeline. */
export async function watching(page) {
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await expect(page.getByTestId('watch-toggle')).toBeChecked();
  return page;
}

/** The board's counts line: its data attributes count flows by outcome. */
export const counts = (page) => page.getByTestId('flow-counts');

/** One step of the guide, by its key (`function`, `stream-policy`, ...). */
export const guideStep = (page, key) => page.locator(`[data-testid=guide-step][data-step=${key}]`);

/** Counts, per tab of `context`, the DynamoDB Streams calls it sends. */
export function streamCallsPerTab(context) {
  const calls = new Map();
  context.on('request', (r) => {
    const target = r.headers()['x-amz-target'] ?? '';
    if (target.startsWith('DynamoDBStreams_20120810.')) {
      calls.set(r.frame().page(), (calls.get(r.frame().page()) ?? 0) + 1);
    }
  });
  return calls;
}

/**
 * A change `send(second, name)` makes in the second tab completes on both
 * boards, with the stream read by `first` alone (`calls` from
 * `streamCallsPerTab`).
 */
export async function readByOneTabOnly(first, second, calls, send) {
  const before = calls.get(second) ?? 0;
  await send(second, 'Two tabs');
  await expect(counts(second)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  await expect(counts(first)).toHaveAttribute('data-complete', '1');
  expect(calls.get(second) ?? 0).toBe(before);
  expect(calls.get(first)).toBeGreaterThan(0);
}
