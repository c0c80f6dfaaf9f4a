// Projector mode for the instructor, and secrets kept out of everything a
// page leaves behind or puts on a wall: storage, the URL, the exports, and
// in projector mode the page itself (account ids and key ids too).
import { readFile } from 'node:fs/promises';
import { test, expect, watching, counts, guideStep } from '../fixtures.mjs';

test.use({ labsimArgs: ['--refresh-lag-ms', '1000'] });
test.setTimeout(60_000);


test('projector mode: the p key or the switch, the pipeline and the steps in front, the arrow keys walk the steps', async ({ app }) => {
  const page = await watching(app);
  const shell = page.locator('.app');
  await expect(shell).not.toHaveClass(/projector/);
  // Typing a p in a field is typing, not the shortcut.
  await page.getByTestId('item-body').press('p');
  await expect(shell).not.toHaveClass(/projector/);
  await page.locator('h1').click();
  await page.keyboard.press('p');
  await expect(shell).toHaveClass(/projector/);
  await expect(page.getByTestId('projector-toggle')).toBeChecked();
  // The board and the guide come before the credentials and configuration.
  const guideTop = (await page.getByTestId('guide').boundingBox()).y;
  const credentialsTop = (await page.getByTestId('paste-box').boundingBox()).y;
  expect(guideTop).toBeLessThan(credentialsTop);
  // Bigger type than on a laptop.
  const size = await shell.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(size).toBeGreaterThanOrEqual(22);

  await expect(guideStep(page, 'function')).toHaveAttribute('aria-current', 'step');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(guideStep(page, 'stream-policy')).toHaveAttribute('aria-current', 'step');
  await expect(guideStep(page, 'stream-policy')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(guideStep(page, 'stream')).toBeFocused();
  await expect(guideStep(page, 'stream-policy')).not.toHaveAttribute('aria-current', 'step');

  await page.keyboard.press('p');
  await expect(shell).not.toHaveClass(/projector/);
  await expect(guideStep(page, 'stream')).not.toHaveAttribute('aria-current', 'step');
});

test('no secret in storage, the URL or the exports; in projector mode no account id or access key id in the page either', async ({ app, sim }) => {
  const page = await watching(app);
  const config = await sim.config();
  const { AccessKeyId: keyId, SecretAccessKey: secret, SessionToken: token } = config.credentials;
  const account = config.identity.Account;
  expect(account).toMatch(/^\d{12}$/);

  // A flow through every hop, its detail open (its stream record and log
  // lines carry ARNs), and a poller's signed request in the inspector.
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Scanned', type: 'scan' }));
  await page.getByTestId('action-send-item').click();
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  await page.getByTestId('flow-row').first().click();
  await expect(page.getByTestId('flow-log')).toContainText(account);
  await page.getByTestId('inspector-show-polling').check();
  await page.getByTestId('inspector-row').filter({ hasText: 'DescribeTable' }).first().click();
  await expect(page.getByTestId('response-body')).toContainText(account);
  await page.getByTestId('learner-access').locator('summary').click();
  await guideStep(page, 'function').locator('summary').click();

  const leaks = (text, needles) => Object.entries(needles).filter(([, v]) => text.includes(v)).map(([k]) => k);
  const secrets = { 'secret key': secret, 'session token': token, 'access key id': keyId };

  // What the page leaves in the browser: never a secret (no opt-in here).
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  expect(leaks(stored, secrets), 'localStorage and sessionStorage').toEqual([]);
  expect(leaks(page.url(), secrets), 'the URL').toEqual([]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('flows-export').click()]);
  expect(leaks(await readFile(await download.path(), 'utf8'), secrets), 'the flows export').toEqual([]);

  // On the wall: not even the account or the key id.
  await page.getByTestId('projector-toggle').check();
  await expect(page.getByTestId('identity-account')).toHaveText('••••••••••••');
  await expect(page.getByTestId('flow-log')).toContainText('••••••••••••');
  const shownText = await page.evaluate(() => document.body.innerText);
  const markup = await page.evaluate(() => document.documentElement.outerHTML);
  const wall = { ...secrets, 'account id': account };
  expect(leaks(shownText, wall), 'the text on the page').toEqual([]);
  expect(leaks(markup, wall), 'the page markup').toEqual([]);

  // Off again: the learner's own screen shows the account.
  await page.getByTestId('projector-toggle').uncheck();
  await expect(page.getByTestId('identity-account')).toHaveText(account);
});
