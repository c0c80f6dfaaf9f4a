// The in-page sandbox with nothing served but static files: no labsim
// process at all. Opened with no credentials, labmate offers the sandbox;
// its module is fetched only when chosen; then the chapter runs in the
// page, labelled simulated: an item sent, followed hop by hop, modified and
// deleted, and the guide's steps checked (the shipped Lambda's MODIFY and
// REMOVE failing as they do in the real lab). The sandbox keeps its state
// across a reload (in IndexedDB, without its credentials' secrets), and
// leaving it or starting over gives a fresh one.
import { readFile } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import { startStaticSite, watchConsole, guideStep, counts } from '../fixtures.mjs';
import { sandboxDoor, SANDBOX_ADDRESS } from '../sandbox-door.mjs';

const test = base.extend({
  site: async ({}, use) => {
    const site = await startStaticSite();
    try {
      await use(site);
    } finally {
      await site.stop();
    }
  },
  // The console must stay clean, as in every other spec.
  context: async ({ site, context }, use) => {
    const unexpected = watchConsole(context);
    await use(context);
    const problems = unexpected([]);
    if (problems.length) throw new Error(`browser console was not clean:\n${problems.join('\n')}`);
  },
});

// Labsim's default refresh lag (10 s) runs in the sandbox as it does there.
test.setTimeout(120_000);

const rows = (page) => page.getByTestId('flow-row');

async function sendItem(page, name) {
  await page.getByTestId('item-body').fill(JSON.stringify({ name, type: 'sandbox' }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
}

async function openFlow(page, kind, name) {
  await rows(page).filter({ hasText: name }).and(page.locator(`[data-kind=${kind}]`)).first().click();
  return page.getByTestId('flow-detail');
}

const sandboxFiles = (site) => site.requested.filter((p) => /\/sandbox-[0-9a-f]+\//.test(p));

test('the chapter rehearsed in the sandbox: offered with no credentials, loaded when chosen, labelled simulated, an item followed hop by hop, modified and deleted, the guide checked', async ({ page, site }) => {
  await page.goto(`${site.url}#`);
  await expect(page.getByTestId('paste-box')).toBeVisible();
  const offer = page.getByTestId('sandbox-offer');
  await expect(offer).toBeVisible();
  await expect(page.getByTestId('sandbox-banner')).toHaveCount(0);
  // Nothing of the sandbox is fetched before it is chosen.
  expect(sandboxFiles(site)).toEqual([]);

  await page.getByTestId('sandbox-start').click();
  await expect(page.getByTestId('sandbox-banner')).toContainText('Simulated');
  await expect(page.getByTestId('identity-simulated')).toBeVisible();
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  await expect(page.getByTestId('watch-toggle')).toBeChecked();
  await expect(offer).toHaveCount(0);
  expect(sandboxFiles(site).map((p) => p.split('/').pop()).sort())
    .toEqual(['labsim_sandbox.js', 'labsim_sandbox_bg.wasm', 'worker.js']);

  // The lab as built: the setting steps pass, read from the simulator.
  for (const key of ['function', 'stream', 'stream-policy', 'aoss-policy', 'trigger', 'environment']) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
  }

  // An INSERT through every hop.
  await sendItem(page, 'Ada');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  let detail = await openFlow(page, 'INSERT', 'Ada');
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  for (const hop of ['api', 'table', 'stream', 'lambda', 'collection']) {
    await expect(detail.getByTestId('flow-stages').locator(`[data-key=${hop}]`)).toBeVisible();
  }

  // The shipped Lambda: MODIFY and REMOVE stop in it, as in the real lab.
  await detail.getByTestId('modify-name').fill('Ada (edited)');
  await detail.getByTestId('action-modify').click();
  await expect(detail.getByTestId('flow-action-result')).toHaveText(/UpdateItem accepted/);
  await expect(rows(page).and(page.locator('[data-kind=MODIFY][data-state=stuck]'))).toHaveCount(1, { timeout: 30_000 });
  detail = await openFlow(page, 'MODIFY', 'Ada (edited)');
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/PUT without a document id/);
  await detail.getByTestId('action-delete').click();
  await expect(rows(page).and(page.locator('[data-kind=REMOVE][data-state=stuck]'))).toHaveCount(1, { timeout: 30_000 });

  // The guide: the test item verified, exploring fails with the defect.
  await expect(guideStep(page, 'test-post')).toHaveAttribute('data-status', 'passed');
  await expect(guideStep(page, 'verify')).toHaveAttribute('data-status', 'passed');
  const explore = guideStep(page, 'explore');
  await expect(explore).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(explore.getByTestId('guide-problem').first()).toContainText(/MODIFY .*PUT without a document id/);

  // Every request went to the worker: the static site saw none of AWS's.
  expect(site.requested.filter((p) => !p.startsWith('/course/labmate/'))).toEqual([]);
});

/** The sandbox's kept state as the worker saved it in IndexedDB (same
 * origin, so the page reads it too), or null; never creates the database. */
const kept = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('labmate-sandbox');
  open.onupgradeneeded = () => open.transaction.abort();
  open.onerror = () => resolve(null);
  open.onsuccess = () => {
    const db = open.result;
    const get = db.transaction('state').objectStore('state').get('sandbox');
    get.onsuccess = () => { db.close(); resolve(get.result ?? null); };
    get.onerror = () => { db.close(); reject(get.error); };
  };
}));

/** A GET of the simulator's control route `path`, through the worker's door. */
async function sandboxCall(page, path) {
  const answer = await sandboxDoor(page)({ method: 'GET', url: `${SANDBOX_ADDRESS}${path}`, headers: [], body: '' });
  return JSON.parse(answer.body);
}

/** The board as labmate exports it (its flows, the gaps it flagged). */
async function exported(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('flows-export').click()]);
  return JSON.parse(await readFile(await download.path(), 'utf8'));
}

test('the sandbox keeps its state across a reload, with no secret kept: the item, the code chosen and the timeline go on; leaving it starts the next one fresh', async ({ page, site }) => {
  await page.goto(`${site.url}#`);
  await page.getByTestId('sandbox-start').click();
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  await expect(page.getByTestId('sandbox-restored')).toHaveCount(0);

  // An item through every hop, then the fixed code chosen.
  await sendItem(page, 'Kept');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  const controls = page.getByTestId('sandbox-controls');
  await controls.locator('summary').click();
  await controls.getByTestId('sandbox-change').selectOption({ label: "The Lambda's code: Fixed (MODIFY and REMOVE indexed)" });
  await controls.getByTestId('sandbox-apply').click();
  await expect(controls.getByTestId('sandbox-control-result')).toHaveText(/^Done/);

  // Saved within about a second of the change, and nothing secret in it.
  await expect.poll(async () => JSON.parse((await kept(page)) ?? 'null')?.lambda?.setup?.handler, { timeout: 10_000 })
    .toBe('Fixed');
  const { credentials } = await sandboxCall(page, '/_labsim/config');
  const text = await kept(page);
  for (const secret of [credentials.SecretAccessKey, credentials.SessionToken]) expect(text).not.toContain(secret);
  const before = (await sandboxCall(page, '/_labsim/events')).events;
  expect(before.some((e) => e.kind === 'searchable')).toBe(true);

  await page.reload();
  await expect(page.getByTestId('sandbox-restored')).toHaveText('Restored as it was before the reload.');
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  // The same demo credentials, handed to the page afresh.
  expect((await sandboxCall(page, '/_labsim/config')).credentials.AccessKeyId).toBe(credentials.AccessKeyId);
  // The timeline goes on where it was: nothing lost, nothing recorded twice.
  const after = (await sandboxCall(page, '/_labsim/events')).events;
  expect(after.slice(0, before.length)).toEqual(before);
  // The board's flow is still complete; the item is still in the table and
  // the fixed code still runs: its MODIFY goes all the way.
  await expect(counts(page)).toHaveAttribute('data-complete', '1');
  const detail = await openFlow(page, 'INSERT', 'Kept');
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  await detail.getByTestId('modify-name').fill('Kept (edited)');
  await detail.getByTestId('action-modify').click();
  await expect(detail.getByTestId('flow-action-result')).toHaveText(/UpdateItem accepted/);
  await expect(rows(page).and(page.locator('[data-kind=MODIFY][data-state=complete]'))).toHaveCount(1, { timeout: 30_000 });
  const writes = (await sandboxCall(page, '/_labsim/events')).events.filter((e) => e.kind === 'table_write' && e.changed);
  expect(writes.map((w) => w.event_name)).toEqual(['INSERT', 'MODIFY']);
  expect((await exported(page)).gaps, 'no gap flagged').toEqual([]);

  // Left: the kept state is gone before the reload, and the next sandbox
  // starts fresh on an empty board.
  await Promise.all([page.waitForEvent('load'), page.getByTestId('sandbox-leave').click()]);
  await expect(page.getByTestId('sandbox-offer')).toBeVisible();
  await expect(page.getByTestId('sandbox-banner')).toHaveCount(0);
  await expect(page.getByTestId('identity')).toHaveCount(0);
  expect(await kept(page)).toBeNull();
  await page.getByTestId('sandbox-start').click();
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  await expect(page.getByTestId('sandbox-restored')).toHaveCount(0);
  await expect(counts(page)).toHaveAttribute('data-total', '0');
  expect((await sandboxCall(page, '/_labsim/events')).events.filter((e) => e.kind === 'table_write')).toEqual([]);
});

test('the sandbox starts over: a fresh simulator on an empty board', async ({ page, site }) => {
  await page.goto(`${site.url}#`);
  await page.getByTestId('sandbox-start').click();
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  await sendItem(page, 'Gone');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  const controls = page.getByTestId('sandbox-controls');
  await controls.locator('summary').click();
  await Promise.all([page.waitForEvent('load'), controls.getByTestId('sandbox-start-over').click()]);
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  await expect(counts(page)).toHaveAttribute('data-total', '0');
  await expect(page.getByTestId('sandbox-restored')).toHaveCount(0);
  expect((await sandboxCall(page, '/_labsim/events')).events.filter((e) => e.kind === 'table_write')).toEqual([]);
  // Still a working sandbox: a new item goes through.
  await sendItem(page, 'Fresh');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
});

test('the sandbox controls: the fixed Lambda indexes a MODIFY, a half-built lab fails its step, an injected fault drops a request', async ({ page, site }) => {
  await page.goto(`${site.url}#`);
  await page.getByTestId('sandbox-start').click();
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  const controls = page.getByTestId('sandbox-controls');
  await controls.locator('summary').click();
  const result = controls.getByTestId('sandbox-control-result');

  // The fixed code: a MODIFY goes all the way.
  const change = async (label) => {
    await controls.getByTestId('sandbox-change').selectOption({ label });
    await controls.getByTestId('sandbox-apply').click();
  };
  await change("The Lambda's code: Fixed (MODIFY and REMOVE indexed)");
  await expect(result).toHaveText(/^Done/);
  await sendItem(page, 'Cy');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 30_000 });
  const detail = await openFlow(page, 'INSERT', 'Cy');
  await detail.getByTestId('modify-name').fill('Cy (edited)');
  await detail.getByTestId('action-modify').click();
  await expect(rows(page).and(page.locator('[data-kind=MODIFY][data-state=complete]'))).toHaveCount(1, { timeout: 30_000 });

  // A half-built lab: the trigger turned off, and the guide's step says so.
  const trigger = guideStep(page, 'trigger');
  await expect(trigger).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
  await change('Half-built lab: Trigger disabled');
  await expect(result).toHaveText(/^Done/);
  await page.getByTestId('guide-recheck').click();
  await expect(trigger).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });

  // A fault: the next API request is left unanswered, and labmate says why.
  await change('Inject a fault: The next API request gets no answer');
  await expect(result).toHaveText(/^Done/);
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Dropped', type: 'sandbox' }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toContainText('The sandbox left it unanswered');
});
