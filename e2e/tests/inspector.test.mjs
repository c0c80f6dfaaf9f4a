// The request inspector, projector mode, share links, clock skew, storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useSuite, byTestId, pageText, setConfigField } from '../harness.mjs';
import { formats } from '../formats.mjs';

const suite = useSuite({ before, after });
const open = (t, hash, opts) => suite.open(t, hash, opts);
const sim = new Proxy({}, { get: (_, k) => suite.sim[k] });

test('the demo link connects to the simulator: identity and countdown, no secret in the URL', async (t) => {
  const page = await open(t, `#sim=${encodeURIComponent(sim.sim)}`);
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  assert.equal(await byTestId(page, 'identity-account').textContent(), '123456789012');
  // The demo set lasts 12 hours; the page may open within its first second.
  assert.match(await byTestId(page, 'countdown').textContent(), /^expires in (12h 00m 00s|11h 59m \d\ds)/);
  const cfg = await sim.config();
  assert.ok(!page.url().includes(cfg.credentials.SecretAccessKey));
  assert.ok(!(await byTestId(page, 'share-link').textContent()).includes(cfg.credentials.SessionToken));
});

test('the inspector shows what the signer signed, token redacted, and copy commands', async (t) => {
  const page = await open(t, `#sim=${encodeURIComponent(sim.sim)}`);
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  const cfg = await sim.config();
  await byTestId(page, 'inspector-row').first().click();
  const creq = await byTestId(page, 'canonical-request').textContent();
  assert.match(creq, /^POST\n\/\n\ncontent-type:application\/x-www-form-urlencoded; charset=utf-8\nhost:127\.0\.0\.1:\d+\nx-amz-date:\d{8}T\d{6}Z\nx-amz-security-token:\*\* redacted \(length=\d+\) \*\*\n/);
  const sts = await byTestId(page, 'string-to-sign').textContent();
  assert.match(sts, /^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/ap-southeast-1\/sts\/aws4_request\n[0-9a-f]{64}$/);
  assert.equal(await byTestId(page, 'signed-headers').textContent(), 'content-type;host;x-amz-date;x-amz-security-token');
  const headers = await byTestId(page, 'headers-sent').textContent();
  assert.ok(!headers.includes(cfg.credentials.SessionToken), 'token hidden in headers');
  assert.match(headers, /x-amz-security-token: •••• \(\d+ characters, hidden\)/);

  const curl = await byTestId(page, 'curl-command').textContent();
  assert.ok(curl.includes('"x-amz-security-token: $AWS_SESSION_TOKEN"'));
  assert.ok(curl.includes(await byTestId(page, 'signature').textContent()));

  // Revealed on request (not in projector mode): the copied command carries the token.
  await byTestId(page, 'reveal-secrets').check();
  assert.ok((await byTestId(page, 'curl-command').textContent()).includes(cfg.credentials.SessionToken));
  await byTestId(page, 'copy-awscurl').click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^awscurl --service sts --region ap-southeast-1 -X POST --access_key '/);
});

test('the copied curl command is accepted by the simulator as is', async (t) => {
  const page = await open(t, `#sim=${encodeURIComponent(sim.sim)}`);
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  await byTestId(page, 'inspector-row').first().click();
  await byTestId(page, 'reveal-secrets').check();
  await byTestId(page, 'copy-curl').click();
  const cmd = await page.evaluate(() => navigator.clipboard.readText());
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });
  assert.match(out, /<Account>123456789012<\/Account>/);
});

test('projector mode: no secret anywhere in the page, reveal disabled', async (t) => {
  const page = await open(t, `#sts=${encodeURIComponent(sim.sim)}`);
  await byTestId(page, 'projector-toggle').check();
  const c = await sim.mint(3600);
  await byTestId(page, 'paste-box').fill(formats(c)['bash/zsh export lines']);
  // While typed, the box shows discs, not characters.
  const security = await byTestId(page, 'paste-box').evaluate((e) => getComputedStyle(e).webkitTextSecurity);
  assert.equal(security, 'disc');
  await byTestId(page, 'paste-submit').click();
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  await byTestId(page, 'inspector-row').first().click();
  assert.ok(await byTestId(page, 'reveal-secrets').isDisabled());
  const text = await pageText(page);
  assert.ok(!text.includes(c.SecretAccessKey), 'no secret');
  assert.ok(!text.includes(c.SessionToken), 'no token');
  const shot = await page.screenshot({ fullPage: true });
  assert.ok(shot.length > 10000);
});

test('share links carry configuration only; secrets in a crafted link are dropped', async (t) => {
  const page = await open(t, `#region=eu-west-1&api=${encodeURIComponent('https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/lab')}&aws_secret_access_key=leaked&SessionToken=leaked2`);
  const notice = await byTestId(page, 'page-notice').textContent();
  assert.match(notice, /aws_secret_access_key, SessionToken/);
  assert.equal(await byTestId(page, 'config-region').inputValue(), 'eu-west-1');
  assert.equal(await byTestId(page, 'config-api').inputValue(), 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/lab');
  assert.ok(!page.url().includes('leaked'), 'the fragment is cleared from the address bar');
  const link = await byTestId(page, 'share-link').textContent();
  assert.ok(!link.includes('leaked'));
  assert.match(link, /#region=eu-west-1&api=https%3A%2F%2Fabc123defg/);
});

test('bad configuration is explained field by field', async (t) => {
  const page = await open(t, '#');
  await byTestId(page, 'config-api').fill('abc123.execute-api');
  await byTestId(page, 'config-api').press('Tab');
  await byTestId(page, 'config-collection').fill('https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab');
  await byTestId(page, 'config-collection').press('Tab');
  const problems = await byTestId(page, 'config-problems').textContent();
  assert.match(problems, /API invoke URL: "abc123.execute-api" is not a URL/);
  assert.match(problems, /Collection endpoint: this is a API Gateway address, not OpenSearch Serverless/);
});

test('a browser clock 10 minutes fast is corrected from AWS\'s skew error', async (t) => {
  const page = await open(t, `#sts=${encodeURIComponent(sim.sim)}`, {
    clock: Date.now() + 10 * 60 * 1000,
    // Chromium logs the refused first attempt itself.
    allowConsole: [/Failed to load resource: the server responded with a status of 403/],
  });
  const c = await sim.mint(3600);
  await byTestId(page, 'paste-box').fill(formats(c)['bash/zsh export lines']);
  await byTestId(page, 'paste-submit').click();
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  assert.match(await byTestId(page, 'clock-note').textContent(), /Your clock is (9|10)m \d\ds ahead of AWS's/);
  const rows = await byTestId(page, 'inspector-row').allTextContents();
  assert.equal(rows.length, 2, 'one refused request, one accepted retry');
  assert.match(rows[1], /STS.*GetCallerIdentity.*403/);
  assert.match(rows[0], /STS.*GetCallerIdentity.*200/);
});

test('remember in this tab: sessionStorage only, restored on reload', async (t) => {
  const page = await open(t, `#sts=${encodeURIComponent(sim.sim)}`);
  const c = await sim.mint(3600);
  await byTestId(page, 'remember-toggle').check();
  await byTestId(page, 'paste-box').fill(formats(c)['bash/zsh export lines']);
  await byTestId(page, 'paste-submit').click();
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  const local = await page.evaluate(() => JSON.stringify(localStorage));
  assert.ok(!local.includes(c.SecretAccessKey) && !local.includes(c.SessionToken), 'never in localStorage');
  await page.reload();
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  assert.equal(await byTestId(page, 'access-key').textContent(), `${c.AccessKeyId.slice(0, 4)}…${c.AccessKeyId.slice(-4)}`);
  // Without opting in, a reload forgets.
  await byTestId(page, 'remember-toggle').uncheck();
  await page.reload();
  await byTestId(page, 'paste-box').waitFor();
  assert.equal(await byTestId(page, 'identity').count(), 0);
});

test('the workshop API without CORS: the message says why a browser sees nothing', async (t) => {
  const page = await open(t, `#sim=${encodeURIComponent(sim.sim)}`, {
    // Chromium reports the blocked call itself.
    allowConsole: [/blocked by CORS policy/, /Failed to load resource: net::ERR_FAILED/],
  });
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  // Straight to the invoke URL, not through the simulator's same-origin route.
  await setConfigField(page, 'config-api-route', '');
  const api = (await sim.config()).endpoints.api;
  await byTestId(page, 'action-send-item').click();
  await byTestId(page, 'action-result').waitFor();
  const text = await byTestId(page, 'action-result').textContent();
  assert.ok(text.startsWith(`API Gateway at ${api} could not be reached.`), text);
  assert.match(text, /enable CORS on \/lab/);
});

test('an item that is not JSON is refused before sending, with line and column', async (t) => {
  const page = await open(t, `#sim=${encodeURIComponent(sim.sim)}`);
  await byTestId(page, 'item-body').fill('{"name": "Alice",\n "type": }');
  await byTestId(page, 'action-send-item').click();
  assert.match(await byTestId(page, 'action-result').textContent(), /not valid JSON \(line 2, column 10\)/);
});
