// The walkthrough from a page that is not a secure context, as on an S3
// website endpoint (plain HTTP): the browser then has no Clipboard API, no
// Web Locks and no crypto.randomUUID. 127.0.0.1 counts as secure, so this
// file's Chromium maps a host name of its own to it and opens labsim's
// static server by that name.
import config from '../playwright.config.mjs';
import { test, expect, watching, counts, guideStep, setConfigField, streamCallsPerTab, readByOneTabOnly } from '../fixtures.mjs';

const HOST = 'labmate.test';
const launch = config.use.launchOptions;
test.use({
  launchOptions: { ...launch, args: [...launch.args, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`] },
  // A short refresh lag: flows complete in a few seconds.
  labsimArgs: ['--refresh-lag-ms', '1000'],
});
test.setTimeout(60_000);

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The app's address by the mapped host name: the same server, not a secure context. */
const insecureUrl = (sim) => sim.appUrl.replace('//127.0.0.1:', `//${HOST}:`);

/**
 * Opens the app by the mapped host name, connected to labsim (`#sim=`), in
 * `page`. labsim names its same-origin routes by its own address
 * (http://127.0.0.1:…/api), another origin from here: they are set to the
 * page's own, as a distribution serving labmate would have them.
 */
async function openInsecure(page, sim) {
  await page.goto(`${insecureUrl(sim)}${sim.simLink}`);
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await setConfigField(page, 'config-api-route', '/api');
  await setConfigField(page, 'config-collection-route', '/aoss');
  return page;
}

/**
 * Waits until the guide knows the account: it reads it from the stream's
 * or the function's ARN, so the policies it copies name it (before the
 * first round they hold the placeholder ACCOUNT_ID).
 */
async function accountKnown(page) {
  await expect(guideStep(page, 'stream')).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
}

async function sendItem(page, name) {
  await page.getByTestId('item-body').fill(JSON.stringify({ name, type: 'learner' }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
}

/** What the browser's clipboard holds, pasted with the keyboard into a field of a blank page. */
async function pasted(context) {
  const pad = await context.newPage();
  await pad.setContent('<textarea id="pad"></textarea>');
  await pad.focus('#pad');
  await pad.keyboard.press('Control+V');
  const text = await pad.inputValue('#pad');
  await pad.close();
  return text;
}

test('not a secure context: connected, an item sent and followed to its document, its request id made by labmate', async ({ page, sim }) => {
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/v1/lab')) posts.push(r.headers()['x-amzn-requestid']);
  });
  await openInsecure(page, sim);
  // What the page lacks here, checked rather than assumed.
  expect(await page.evaluate(() => [window.isSecureContext, typeof navigator.clipboard, typeof navigator.locks, typeof crypto.randomUUID]))
    .toEqual([false, 'undefined', 'undefined', 'undefined']);
  await watching(page);
  await expect(counts(page)).toHaveAttribute('data-reader', 'true');
  await sendItem(page, 'Over plain HTTP');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  // labmate's own id went out (a v4 UUID from crypto.getRandomValues), and
  // the API adopted it: the item on the board and the inspector's answer carry it.
  expect(posts).toHaveLength(1);
  const [id] = posts;
  expect(id).toMatch(UUID_V4);
  await expect(page.getByTestId('flow-row').first()).toHaveAttribute('data-item-id', id);
  await page.getByTestId('inspector-row').filter({ hasText: 'POST /v1/lab' }).first().click();
  await expect(page.getByTestId('exchange-detail')).toContainText(`x-amzn-RequestId: ${id}`);
  // A second item gets another id.
  await sendItem(page, 'Again');
  expect(posts).toHaveLength(2);
  expect(posts[1]).toMatch(UUID_V4);
  expect(posts[1]).not.toBe(id);
});

test('not a secure context: copy buttons copy with the copy command; pasted back, the text is whole', async ({ page, context, sim }) => {
  await openInsecure(page, sim);
  await watching(page);
  await accountKnown(page);
  // A guide's copy button (the chapter's policy, with this lab's values).
  const policyStep = guideStep(page, 'stream-policy');
  await policyStep.getByRole('button', { name: 'Copy policy JSON' }).click();
  await expect(policyStep.locator('.copy-note')).toHaveText(/^\s*copied$/);
  await expect(policyStep.getByTestId('copy-by-hand')).toHaveCount(0);
  const policy = JSON.parse(await pasted(context));
  expect(policy.Statement[0].Resource).toBe('arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*');
  // The share link (no credentials in it), and the focus back on its button.
  await page.getByTestId('copy-share-link').click();
  await expect(page.getByTestId('copy-share-link')).toBeFocused();
  await expect(page.getByTestId('config-panel')).toContainText('Link copied.');
  const link = await pasted(context);
  expect(link).toBe(await page.getByTestId('share-link').textContent());
  expect(link.startsWith(`${insecureUrl(sim)}#`)).toBe(true);
  // The inspector's curl command.
  await page.getByTestId('inspector-row').first().click();
  await page.getByTestId('copy-curl').click();
  await expect(page.getByTestId('exchange-detail')).toContainText('curl command copied.');
  expect(await pasted(context)).toBe(await page.getByTestId('curl-command').textContent());
});

// Headless Chromium lets even a script with no user activation and no
// clipboard permission run the copy command (tried: a click from a timer
// 5.5 s after the last gesture, permissions withdrawn), so a browser that
// refuses it is stood in for by execCommand answering false, as the
// standard says a refused command does.
test('not a secure context, and the copy command refused: the text is shown selected to copy by hand, worded in both languages', async ({ page, sim }) => {
  await page.addInitScript(() => {
    Document.prototype.execCommand = () => false;
  });
  await openInsecure(page, sim);
  await watching(page);
  await accountKnown(page);
  const policyStep = guideStep(page, 'stream-policy');
  await policyStep.getByRole('button', { name: 'Copy policy JSON' }).click();
  await expect(policyStep.locator('.copy-note').first()).toHaveText(/not copied: this page is not served over HTTPS/);
  const byHand = policyStep.getByTestId('copy-by-hand');
  await expect(byHand).toContainText('The text is selected below: press Ctrl+C');
  const area = byHand.getByRole('textbox', { name: 'Text to copy' });
  await expect(area).toBeFocused();
  const value = await area.inputValue();
  expect(JSON.parse(value).Statement[0].Resource).toBe('arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*');
  // All of it selected, ready for Ctrl+C.
  expect(await area.evaluate((a) => [a.selectionStart, a.selectionEnd])).toEqual([0, value.length]);
  // The share link's and the inspector's copies fall back the same way.
  await page.getByTestId('copy-share-link').click();
  await expect(page.getByTestId('config-panel').getByTestId('copy-by-hand').getByRole('textbox'))
    .toHaveValue(await page.getByTestId('share-link').textContent());
  await page.getByTestId('inspector-row').first().click();
  await page.getByTestId('copy-curl').click();
  await expect(page.getByTestId('exchange-detail').getByTestId('copy-by-hand').getByRole('textbox'))
    .toHaveValue(await page.getByTestId('curl-command').textContent());
  // In Vietnamese too.
  await page.getByTestId('lang-switch').selectOption('vi');
  await expect(byHand).toContainText('Nội dung đã được chọn sẵn bên dưới');
  await expect(policyStep.locator('.copy-note').first()).toHaveText(/chưa sao chép được: trang này không được phục vụ qua HTTPS/);
});

test('not a secure context: two tabs, one stream reader between them (a lease in localStorage), both boards follow, the other takes over', async ({ page, context, sim }) => {
  const streamsCalls = streamCallsPerTab(context);
  const first = await watching(await openInsecure(page, sim));
  await expect(counts(first)).toHaveAttribute('data-reader', 'true');
  const second = await watching(await openInsecure(await context.newPage(), sim));
  await expect(counts(second)).toHaveAttribute('data-reader', 'false');
  await expect(second.getByTestId('stream-reader')).toHaveText(/Another labmate tab/);
  // The lease is the first tab's, renewed while it lives.
  const lease = () => second.evaluate(() => localStorage.getItem('labmate.stream-reader'));
  const [until, owner] = (await lease()).split(' ');
  expect(owner).toMatch(UUID_V4);
  await expect.poll(async () => Number((await lease()).split(' ')[0]), { timeout: 5_000 }).toBeGreaterThan(Number(until));
  expect((await lease()).split(' ')[1]).toBe(owner);

  await readByOneTabOnly(first, second, streamsCalls, sendItem);
  // The reader's tab closes: the other one takes over and reads on.
  await first.close({ runBeforeUnload: true });
  await expect(counts(second)).toHaveAttribute('data-reader', 'true');
  expect((await lease()).split(' ')[1]).not.toBe(owner);
  await sendItem(second, 'After handover');
  await expect(counts(second)).toHaveAttribute('data-complete', '2', { timeout: 20_000 });
});

test('not a secure context: the page says once what HTTPS would add; dismissed, it stays away', async ({ page, context, sim }) => {
  await openInsecure(page, sim);
  const note = page.getByTestId('https-note');
  await expect(note).toContainText('This page is not served over HTTPS');
  await expect(note).toContainText('HTTPS would add the Clipboard API and Web Locks');
  await expect(note).toContainText('credentials included, as exposed on the network');
  await page.getByTestId('lang-switch').selectOption('vi');
  await expect(note).toContainText('Trang này không được phục vụ qua HTTPS');
  await page.getByTestId('lang-switch').selectOption('en');
  await page.getByTestId('https-note-dismiss').click();
  await expect(note).toHaveCount(0);
  // Remembered, and nothing else kept with it.
  expect(await page.evaluate(() => localStorage.getItem('labmate.https-note-dismissed'))).toBe('1');
  await page.reload();
  await expect(page.getByTestId('paste-box')).toBeVisible();
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await expect(note).toHaveCount(0);
  // A secure context (127.0.0.1, another origin, its storage untouched) never shows it.
  const secure = await context.newPage();
  await secure.goto(`${sim.appUrl}${sim.simLink}`);
  await expect(secure.getByTestId('identity-account')).toBeVisible();
  expect(await secure.evaluate(() => window.isSecureContext)).toBe(true);
  await expect(secure.getByTestId('https-note')).toHaveCount(0);
});
