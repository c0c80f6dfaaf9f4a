// The request inspector, projector mode, share links, clock skew, storage.
import { execFileSync } from 'node:child_process';
import { test, expect, pageText, setConfigField, CORS_BLOCKED, HTTP_4XX } from '../fixtures.mjs';
import { formats } from '../formats.mjs';

/** Pastes `text` and submits it. */
async function paste(page, text) {
  await page.getByTestId('paste-box').fill(text);
  await page.getByTestId('paste-submit').click();
}

test('the demo link connects to the simulator: identity and countdown, no secret in the URL', async ({ app: page, sim }) => {
  await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
  // The demo set lasts 12 hours; the page may open within its first second.
  await expect(page.getByTestId('countdown')).toHaveText(/^expires in (12h 00m 00s|11h 59m \d\ds)/);
  const cfg = await sim.config();
  expect(page.url()).not.toContain(cfg.credentials.SecretAccessKey);
  await expect(page.getByTestId('share-link')).not.toContainText(cfg.credentials.SessionToken);
});

test('the inspector shows what the signer signed, token redacted, and copy commands', async ({ app: page, sim }) => {
  await expect(page.getByTestId('identity-account')).toBeVisible();
  const cfg = await sim.config();
  await page.getByTestId('inspector-row').first().click();
  await expect(page.getByTestId('canonical-request')).toHaveText(/^POST\n\/\n\ncontent-type:application\/x-www-form-urlencoded; charset=utf-8\nhost:127\.0\.0\.1:\d+\nx-amz-date:\d{8}T\d{6}Z\nx-amz-security-token:\*\* redacted \(length=\d+\) \*\*\n/);
  await expect(page.getByTestId('string-to-sign')).toHaveText(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/ap-southeast-1\/sts\/aws4_request\n[0-9a-f]{64}$/);
  await expect(page.getByTestId('signed-headers')).toHaveText('content-type;host;x-amz-date;x-amz-security-token');
  const headers = page.getByTestId('headers-sent');
  // The token is hidden in the headers.
  await expect(headers).not.toContainText(cfg.credentials.SessionToken);
  await expect(headers).toHaveText(/x-amz-security-token: •••• \(\d+ characters, hidden\)/);

  const curl = page.getByTestId('curl-command');
  await expect(curl).toContainText('"x-amz-security-token: $AWS_SESSION_TOKEN"');
  await expect(curl).toContainText(await page.getByTestId('signature').textContent());

  // Revealed on request (not in projector mode): the copied command carries the token.
  await page.getByTestId('reveal-secrets').check();
  await expect(curl).toContainText(cfg.credentials.SessionToken);
  await page.getByTestId('copy-awscurl').click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toMatch(/^awscurl --service sts --region ap-southeast-1 -X POST --access_key '/);
});

test('a poller\'s request is explained when opened, and not once the credentials are replaced', async ({ app: page, sim }) => {
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await expect(page.getByTestId('watch-toggle')).toBeChecked();
  await page.getByTestId('inspector-show-polling').check();
  // Signed without its explanation (pollers' requests are), built on opening.
  // One row, by its number: the newest polled row changes as pollers go on.
  const id = await page.locator('[data-testid=inspector-row].polled').first().locator('.id').textContent();
  const row = page.getByTestId('inspector-row').filter({ has: page.locator('.id', { hasText: new RegExp(`^${id}$`) }) });
  await row.click();
  await expect(row).toHaveClass(/selected/);
  await expect(page.getByTestId('canonical-request')).toHaveText(/^POST\n\/[^\n]*\n[^\n]*\ncontent-type:[^\n]+\nhost:127\.0\.0\.1:\d+\n/);
  await expect(page.getByTestId('string-to-sign')).toHaveText(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/[a-z0-9-]+\/[a-z-]+\/aws4_request\n[0-9a-f]{64}$/);
  // It explains the signature that was sent.
  const signature = await page.getByTestId('signature').textContent();
  await expect(page.getByTestId('headers-sent')).toContainText(`Signature=${signature}`);

  // Other credentials cannot show what the earlier ones signed.
  const c = await sim.mint(3600);
  await paste(page, formats(c)['bash/zsh export lines']);
  await expect(page.getByTestId('access-key')).toHaveText(`${c.AccessKeyId.slice(0, 4)}…${c.AccessKeyId.slice(-4)}`);
  // The paste's own check is selected now; back to the poller's request.
  await row.click();
  await expect(row).toHaveClass(/selected/);
  await expect(page.getByTestId('explanation-unavailable')).toHaveText(/explanation is unavailable: it was signed with credentials that have since been replaced/);
  await expect(page.getByTestId('canonical-request')).toHaveCount(0);
  await expect(page.getByTestId('signature')).toHaveText(signature);
});

test('the copied curl command is accepted by the simulator as is', async ({ app: page }) => {
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await page.getByTestId('inspector-row').first().click();
  await page.getByTestId('reveal-secrets').check();
  await page.getByTestId('copy-curl').click();
  let cmd = '';
  await expect.poll(async () => (cmd = await page.evaluate(() => navigator.clipboard.readText())))
    .toMatch(/^curl /);
  const out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });
  expect(out).toMatch(/<Account>123456789012<\/Account>/);
});

test.describe('with STS only pointed at the simulator', () => {
  test.use({ appLink: 'sts' });

  test('projector mode: no secret anywhere in the page, reveal disabled', async ({ app: page, sim }) => {
    await page.getByTestId('projector-toggle').check();
    const c = await sim.mint(3600);
    await page.getByTestId('paste-box').fill(formats(c)['bash/zsh export lines']);
    // While typed, the box shows discs, not characters.
    await expect(page.getByTestId('paste-box')).toHaveCSS('-webkit-text-security', 'disc');
    await page.getByTestId('paste-submit').click();
    await expect(page.getByTestId('identity-account')).toBeVisible();
    await page.getByTestId('inspector-row').first().click();
    await expect(page.getByTestId('reveal-secrets')).toBeDisabled();
    const text = await pageText(page);
    expect(text.includes(c.SecretAccessKey), 'no secret').toBe(false);
    expect(text.includes(c.SessionToken), 'no token').toBe(false);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(10000);
  });

  test('remember in this tab: sessionStorage only, restored on reload', async ({ app: page, sim }) => {
    const c = await sim.mint(3600);
    await page.getByTestId('remember-toggle').check();
    await paste(page, formats(c)['bash/zsh export lines']);
    await expect(page.getByTestId('identity-account')).toBeVisible();
    const local = await page.evaluate(() => JSON.stringify(localStorage));
    expect(local.includes(c.SecretAccessKey) || local.includes(c.SessionToken), 'never in localStorage').toBe(false);
    await page.reload();
    await expect(page.getByTestId('identity-account')).toBeVisible();
    await expect(page.getByTestId('access-key')).toHaveText(`${c.AccessKeyId.slice(0, 4)}…${c.AccessKeyId.slice(-4)}`);
    // Without opting in, a reload forgets.
    await page.getByTestId('remember-toggle').uncheck();
    await page.reload();
    await expect(page.getByTestId('paste-box')).toBeVisible();
    await expect(page.getByTestId('identity')).toHaveCount(0);
  });
});

test('share links carry configuration only; secrets in a crafted link are dropped', async ({ openApp }) => {
  const page = await openApp(`#region=eu-west-1&api=${encodeURIComponent('https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/lab')}&aws_secret_access_key=leaked&SessionToken=leaked2`);
  await expect(page.getByTestId('page-notice')).toHaveText(/aws_secret_access_key, SessionToken/);
  await expect(page.getByTestId('config-region')).toHaveValue('eu-west-1');
  await expect(page.getByTestId('config-api')).toHaveValue('https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/lab');
  // The fragment is cleared from the address bar.
  expect(page.url()).not.toContain('leaked');
  const link = page.getByTestId('share-link');
  await expect(link).toHaveText(/#region=eu-west-1&api=https%3A%2F%2Fabc123defg/);
  await expect(link).not.toContainText('leaked');
});

test('bad configuration is explained field by field', async ({ openApp }) => {
  const page = await openApp('#');
  await page.getByTestId('config-api').fill('abc123.execute-api');
  await page.getByTestId('config-api').press('Tab');
  await page.getByTestId('config-collection').fill('https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab');
  await page.getByTestId('config-collection').press('Tab');
  const problems = page.getByTestId('config-problems');
  await expect(problems).toHaveText(/API invoke URL: "abc123.execute-api" is not a URL/);
  await expect(problems).toHaveText(/Collection endpoint: this is a API Gateway address, not OpenSearch Serverless/);
});

test('a browser clock 10 minutes fast is corrected from AWS\'s skew error', async ({ openApp, sim }) => {
  const page = await openApp(sim.stsLink, {
    clock: Date.now() + 10 * 60 * 1000,
    // Chromium logs the refused first attempt itself.
    allowConsole: [HTTP_4XX(403)],
  });
  const c = await sim.mint(3600);
  await paste(page, formats(c)['bash/zsh export lines']);
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await expect(page.getByTestId('clock-note')).toHaveText(/Your clock is (9|10)m \d\ds ahead of AWS's/);
  // One refused request, one accepted retry (newest first).
  const rows = page.getByTestId('inspector-row');
  await expect(rows).toHaveText([/STS.*GetCallerIdentity.*200/, /STS.*GetCallerIdentity.*403/]);
});

test('the workshop API without CORS: the message says why a browser sees nothing', async ({ app: page, sim, browserConsole }) => {
  // Chromium reports the blocked call itself.
  browserConsole.allow(...CORS_BLOCKED);
  await expect(page.getByTestId('identity-account')).toBeVisible();
  // Straight to the invoke URL, not through the simulator's same-origin route.
  await setConfigField(page, 'config-api-route', '');
  const api = (await sim.config()).endpoints.api;
  await page.getByTestId('action-send-item').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(new RegExp(`^${escapeRegExp(`API Gateway at ${api} could not be reached.`)}`));
  await expect(result).toHaveText(/enable CORS on \/lab/);
});

test('an item that is not JSON is refused before sending, with line and column', async ({ app: page }) => {
  await page.getByTestId('item-body').fill('{"name": "Alice",\n "type": }');
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/not valid JSON \(line 2, column 10\)/);
});

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
