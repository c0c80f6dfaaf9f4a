// The fixtures themselves (fixtures.mjs), as later tests rely on them:
// each test has a labsim of its own, the `sim` helpers reach its control
// endpoints, a console warning fails a test, and two tabs of one context
// share Web Locks and BroadcastChannel as a browser's tabs do.
import { test, expect, watchConsole } from '../fixtures.mjs';

/** A stored item, sent to the workshop's API (no CORS needed from Node). */
async function sendItem(sim, body) {
  const api = (await sim.config()).endpoints.api;
  const r = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(r.status).toBe(200);
}

test('each test has a labsim of its own: a fresh timeline and clock', async ({ sim }) => {
  expect(await sim.events()).toEqual([]);
  expect((await sim.clock.get()).offset_ms).toBe(0);
  await sendItem(sim, '{"name":"Ada","type":"t"}');
  // The item travels to the function, which logs it.
  const line = await sim.waitForEvent((e) => e.kind === 'log_line');
  expect(line.log_group).toBe('/aws/lambda/sync-data-with-dynamodb-stream');
  // A page and the pages after its cursor: every event once, in order.
  const all = await sim.events();
  const first = await sim.eventsPage({ limit: 1 });
  expect(first.events).toEqual(all.slice(0, 1));
  expect(first.more).toBe(true);
  const seqs = [...first.events, ...(await sim.events({ after: first.next }))].map((e) => e.seq);
  expect(seqs.length).toBeGreaterThanOrEqual(all.length);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
});

test('the sim helpers change labsim as asked and report its answer', async ({ sim }) => {
  const setup = await sim.setup({ handler: 'fixed', trigger_enabled: false });
  expect(setup).toMatchObject({ handler: 'fixed', trigger_enabled: false });
  expect(await sim.setup()).toEqual(setup);

  await sim.faults.add([{ service: 'logs', times: 2, throttle: true }, { service: 'sts', status: 500 }]);
  expect(await sim.faults.list()).toHaveLength(2);
  await sim.faults.clear();
  expect(await sim.faults.list()).toEqual([]);

  const moved = await sim.clock.advance(15 * 60 * 1000);
  expect(moved.offset_ms).toBe(15 * 60 * 1000);

  const limits = await sim.limits({ logs: { filter_log_events_per_second: null } });
  expect(limits.logs.filter_log_events_per_second).toBeNull();

  const rolled = await sim.rollOverStream();
  expect(rolled.shard_id).not.toBe(rolled.parent_shard_id);

  const creds = await sim.mint(900);
  expect(creds.AccessKeyId).toMatch(/^ASIA/);
  // A refused control call names itself and labsim's reason.
  await expect(sim.mint(10 ** 9)).rejects.toThrow(/POST \/_labsim\/credentials: 400 .*ttl_seconds must be between/);

  // A reset puts the start-up setup back; the clock keeps its lead.
  await sim.reset();
  expect((await sim.setup()).handler).toBe('workshop');
  expect((await sim.clock.get()).offset_ms).toBe(15 * 60 * 1000);
});

test('console warnings and errors of every tab are caught, unless allowed', async ({ browser }) => {
  const context = await browser.newContext();
  const unexpected = watchConsole(context);
  const [one, two] = [await context.newPage(), await context.newPage()];
  await one.evaluate(() => console.warn('one warns'));
  await two.evaluate(() => console.error('two errs'));
  await two.evaluate(() => console.log('two only logs'));
  await one.evaluate(() => setTimeout(() => { throw new Error('one throws'); }));
  await expect.poll(() => unexpected([]).length).toBe(3);
  expect(unexpected([])).toEqual(['warning: one warns', 'error: two errs', 'pageerror: one throws']);
  // An allowed pattern drops a message; an uncaught error is never allowed.
  expect(unexpected([/warns/, /throws/])).toEqual(['error: two errs', 'pageerror: one throws']);
  await context.close();
});

test('an expected console message is allowed', async ({ app, browserConsole }) => {
  await app.evaluate(() => console.error('expected: refused by the test'));
  browserConsole.allow(/^expected: refused by the test$/);
});

test('a second tab shares Web Locks and BroadcastChannel with the first', async ({ app, secondTab }) => {
  const tab = await secondTab();
  await expect(tab.getByTestId('identity-account')).toHaveText('123456789012');
  // The first tab holds a lock until released; the second sees it held.
  await app.evaluate(() => {
    navigator.locks.request('probe', () => new Promise((release) => { window.releaseProbe = release; }));
  });
  await expect.poll(() => tab.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name)))
    .toContain('probe');
  const received = tab.evaluate(() => new Promise((resolve) => {
    new BroadcastChannel('probe').onmessage = (e) => resolve(e.data);
    window.listening = true;
  }));
  await expect.poll(() => tab.evaluate(() => window.listening === true)).toBe(true);
  await app.evaluate(() => new BroadcastChannel('probe').postMessage('hello from the first tab'));
  expect(await received).toBe('hello from the first tab');
  await app.evaluate(() => window.releaseProbe());
});
