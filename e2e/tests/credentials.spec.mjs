// Pasting credentials: every format, every bad input, the countdown, the
// identity from STS, and a re-paste that keeps everything else.
import { test, expect, pageText, HTTP_4XX } from '../fixtures.mjs';
import { formats } from '../formats.mjs';

// The app pointed at the simulator's STS, with no credentials yet.
test.use({ appLink: 'sts' });

async function paste(page, text) {
  await page.getByTestId('paste-box').fill(text);
  await page.getByTestId('paste-submit').click();
}

// Chromium logs every 4xx answer to the console itself; expected where AWS refuses.
const refused = [HTTP_4XX(400, 403)];

test.describe('each credential format is recognised and identifies the learner', () => {
  // The formats of one credential set; which set does not change the labels.
  const labels = Object.keys(formats({ AccessKeyId: '', SecretAccessKey: '', SessionToken: '', Expiration: '' }));
  for (const label of labels) {
    test(label, async ({ app: page, sim }) => {
      const creds = await sim.mint(3600);
      await paste(page, formats(creds)[label]);
      await expect(page.getByTestId('identity-account')).toHaveText('123456789012');
      await expect(page.getByTestId('credential-format')).toHaveText(label);
      await expect(page.getByTestId('identity-arn'))
        .toHaveText('arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant');
      if (label === '~/.aws/credentials profile') {
        // A profile block carries no expiry: no countdown, and the learner is told why.
        await expect(page.getByTestId('countdown')).toHaveCount(0);
        await expect(page.getByTestId('credential-warning').first()).toHaveText(/without an expiry time/);
      } else {
        await expect(page.getByTestId('countdown')).toHaveText(/^expires in (59m|1h 00m) \d\ds$/);
      }
      // The access key is masked; the box was emptied.
      await expect(page.getByTestId('access-key'))
        .toHaveText(`${creds.AccessKeyId.slice(0, 4)}…${creds.AccessKeyId.slice(-4)}`);
      await expect(page.getByTestId('paste-box')).toHaveValue('');
      const text = await pageText(page);
      expect(text.includes(creds.SecretAccessKey), 'no secret in the page').toBe(false);
      expect(text.includes(creds.SessionToken), 'no token in the page').toBe(false);
    });
  }
});

test('the countdown ticks', async ({ app: page, sim }) => {
  await paste(page, formats(await sim.mint(7200))['bash/zsh export lines']);
  const countdown = page.getByTestId('countdown');
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first, { timeout: 5000 });
  await expect(countdown).toHaveText(/^expires in (1h 59m|2h 00m) \d\ds$/);
});

test('under ten minutes left: a warning, and still usable', async ({ app: page, sim }) => {
  await paste(page, formats(await sim.mint(300))['aws configure export-credentials output']);
  await expect(page.getByTestId('expiry-warning')).toBeVisible();
  await expect(page.getByTestId('countdown')).toHaveText(/^expires in [45]m \d\ds$/);
  await expect(page.getByTestId('identity-account')).toBeVisible();
});

const badInputs = [
  ['a console sign-in URL', 'https://123456789012.signin.aws.amazon.com/console', /link for signing in to the AWS console, not access keys/],
  ['an access portal URL', 'https://d-1234567890.awsapps.com/start/#/', /access portal/i],
  ['nothing', '   ', /Nothing was pasted/],
  ['random text', 'hello, here are my notes from the lab', /doesn't look like AWS credentials/],
];

for (const [what, text, message] of badInputs) {
  test(`pasting ${what} gives a specific message and keeps the text`, async ({ app: page }) => {
    await paste(page, text);
    await expect(page.getByTestId('paste-error')).toHaveText(message);
    // Nothing the learner typed is lost.
    await expect(page.getByTestId('paste-box')).toHaveValue(text);
    await expect(page.getByTestId('identity')).toHaveCount(0);
  });
}

test.describe('damaged credentials: each problem named', () => {
  const cases = [
    ['missing session token', (c) => `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}`, /session token/i],
    ['truncated secret', (c) => `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey.slice(0, 25)}\nexport AWS_SESSION_TOKEN=${c.SessionToken}`, /secret access key.*(short|cut)/i],
    ['truncated token', (c) => `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${c.SessionToken.slice(0, 60)}…`, /session token/i],
    ['garbled key id', (c) => `export AWS_ACCESS_KEY_ID=${c.AccessKeyId.toLowerCase()}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${c.SessionToken}`, /access key ID/i],
    ['broken JSON', (c) => `{"AccessKeyId": "${c.AccessKeyId}", "SecretAccessKey": }`, /line 1, column \d+/],
  ];
  for (const [what, damaged, message] of cases) {
    test(what, async ({ app: page, sim }) => {
      const c = await sim.mint(3600);
      await paste(page, damaged(c));
      const error = page.getByTestId('paste-error');
      await expect(error).toHaveText(message);
      // The message never repeats the secret.
      await expect(error).not.toContainText(c.SecretAccessKey.slice(0, 20));
    });
  }
});

test('expired credentials are refused with when they expired', async ({ app: page, sim }) => {
  await paste(page, formats(await sim.mint(-180))['aws sts assume-role output']);
  await expect(page.getByTestId('paste-error')).toHaveText(/expired 3 minutes ago/);
});

test('long-term keys are allowed with a warning; STS says it does not know them', async ({ app: page, browserConsole }) => {
  browserConsole.allow(...refused);
  await paste(page, 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  await expect(page.getByTestId('credential-warning').first()).toHaveText(/long-term access key/);
  await expect(page.getByTestId('identity-error')).toHaveText(/does not recognise these keys/);
});

test('a re-paste replaces the credentials and keeps configuration and requests', async ({ app: page, sim }) => {
  await paste(page, formats(await sim.mint(3600))['bash/zsh export lines']);
  await expect(page.getByTestId('identity-account')).toBeVisible();
  await page.getByTestId('config-index').fill('my_index');
  await page.getByTestId('config-index').press('Tab');
  await page.getByTestId('action-whoami').click();
  const rows = page.getByTestId('inspector-row');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
  const before = await rows.count();

  const next = await sim.mint(1800);
  await paste(page, formats(next)['fish set lines']);
  // Earlier requests are still listed, the new identity check after them.
  await expect.poll(() => rows.count()).toBeGreaterThan(before);
  await expect(page.getByTestId('credential-format')).toHaveText('fish set lines');
  await expect(page.getByTestId('countdown')).toHaveText(/^expires in (29|30)m/);
  await expect(page.getByTestId('config-index')).toHaveValue('my_index');
});

test('credentials that expire while the page is open: the countdown says so', async ({ app: page, sim, browserConsole }) => {
  browserConsole.allow(...refused);
  await paste(page, formats(await sim.mint(4))['bash/zsh export lines']);
  await expect(page.getByTestId('expired-notice')).toBeVisible();
  await expect(page.getByTestId('countdown')).toHaveText(/^expired \d+s ago$/);
  // Asking STS now gives the specific message, not a bare failure.
  await page.getByTestId('action-whoami').click();
  await expect(page.getByTestId('identity-error')).toHaveText(/expired/i);
});
