// Pasting credentials: every format, every bad input, the countdown, the
// identity from STS, and a re-paste that keeps everything else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useSuite, byTestId, pageText } from '../harness.mjs';
import { formats } from '../formats.mjs';

const suite = useSuite({ before, after });

/** The app pointed at the simulator's STS, with no credentials yet. */
const openApp = (t, opts) => suite.open(t, `#sts=${encodeURIComponent(suite.sim.sim)}`, opts);

async function paste(page, text) {
  await byTestId(page, 'paste-box').fill(text);
  await byTestId(page, 'paste-submit').click();
}

test('each credential format is recognised and identifies the learner', async (t) => {
  const creds = await suite.sim.mint(3600);
  for (const [label, text] of Object.entries(formats(creds))) {
    await t.test(label, async (t) => {
      const page = await openApp(t);
      await paste(page, text);
      await assert.doesNotReject(byTestId(page, 'identity-account').waitFor({ timeout: 10000 }));
      assert.equal(await byTestId(page, 'credential-format').textContent(), label);
      assert.equal(await byTestId(page, 'identity-account').textContent(), '123456789012');
      assert.equal(
        await byTestId(page, 'identity-arn').textContent(),
        'arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant',
      );
      if (label === '~/.aws/credentials profile') {
        // A profile block carries no expiry: no countdown, and the learner is told why.
        assert.equal(await byTestId(page, 'countdown').count(), 0);
        assert.match(await byTestId(page, 'credential-warning').first().textContent(), /without an expiry time/);
      } else {
        assert.match(await byTestId(page, 'countdown').textContent(), /^expires in (59m|1h 00m) \d\ds$/);
      }
      // The access key is masked; the box was emptied.
      const shown = await byTestId(page, 'access-key').textContent();
      assert.equal(shown, `${creds.AccessKeyId.slice(0, 4)}…${creds.AccessKeyId.slice(-4)}`);
      assert.equal(await byTestId(page, 'paste-box').inputValue(), '');
      const text_ = await pageText(page);
      assert.ok(!text_.includes(creds.SecretAccessKey), 'no secret in the page');
      assert.ok(!text_.includes(creds.SessionToken), 'no token in the page');
    });
  }
});

test('the countdown ticks', async (t) => {
  const page = await openApp(t);
  await paste(page, formats(await suite.sim.mint(7200))['bash/zsh export lines']);
  const first = await byTestId(page, 'countdown').textContent();
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="countdown"]').textContent !== before,
    first, { timeout: 5000 },
  );
  assert.match(await byTestId(page, 'countdown').textContent(), /^expires in (1h 59m|2h 00m) \d\ds$/);
});

test('under ten minutes left: a warning, and still usable', async (t) => {
  const page = await openApp(t);
  await paste(page, formats(await suite.sim.mint(300))['aws configure export-credentials output']);
  await byTestId(page, 'expiry-warning').waitFor();
  assert.match(await byTestId(page, 'countdown').textContent(), /^expires in [45]m \d\ds$/);
  await byTestId(page, 'identity-account').waitFor();
});

const badInputs = [
  ['a console sign-in URL', 'https://123456789012.signin.aws.amazon.com/console', /link for signing in to the AWS console, not access keys/],
  ['an access portal URL', 'https://d-1234567890.awsapps.com/start/#/', /access portal/i],
  ['nothing', '   ', /Nothing was pasted/],
  ['random text', 'hello, here are my notes from the lab', /doesn't look like AWS credentials/],
];

for (const [what, text, message] of badInputs) {
  test(`pasting ${what} gives a specific message and keeps the text`, async (t) => {
    const page = await openApp(t);
    await paste(page, text);
    const error = byTestId(page, 'paste-error');
    await error.waitFor();
    assert.match(await error.textContent(), message);
    assert.equal(await byTestId(page, 'paste-box').inputValue(), text, 'nothing the learner typed is lost');
    assert.equal(await byTestId(page, 'identity').count(), 0);
  });
}

test('damaged credentials: each problem named', async (t) => {
  const c = await suite.sim.mint(3600);
  const cases = [
    ['missing session token', `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}`, /session token/i],
    ['truncated secret', `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey.slice(0, 25)}\nexport AWS_SESSION_TOKEN=${c.SessionToken}`, /secret access key.*(short|cut)/i],
    ['truncated token', `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${c.SessionToken.slice(0, 60)}…`, /session token/i],
    ['garbled key id', `export AWS_ACCESS_KEY_ID=${c.AccessKeyId.toLowerCase()}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${c.SessionToken}`, /access key ID/i],
    ['broken JSON', `{"AccessKeyId": "${c.AccessKeyId}", "SecretAccessKey": }`, /line 1, column \d+/],
  ];
  for (const [what, text, message] of cases) {
    await t.test(what, async (t) => {
      const page = await openApp(t);
      await paste(page, text);
      await byTestId(page, 'paste-error').waitFor();
      const shown = await byTestId(page, 'paste-error').textContent();
      assert.match(shown, message);
      assert.ok(!shown.includes(c.SecretAccessKey.slice(0, 20)), 'the message never repeats the secret');
    });
  }
});

test('expired credentials are refused with when they expired', async (t) => {
  const page = await openApp(t);
  await paste(page, formats(await suite.sim.mint(-180))['aws sts assume-role output']);
  await byTestId(page, 'paste-error').waitFor();
  assert.match(await byTestId(page, 'paste-error').textContent(), /expired 3 minutes ago/);
});

// Chromium logs every 4xx answer to the console itself; expected where AWS refuses.
const refused = [/Failed to load resource: the server responded with a status of 40[03]/];

test('long-term keys are allowed with a warning; STS says it does not know them', async (t) => {
  const page = await openApp(t, { allowConsole: refused });
  await paste(page, 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  await byTestId(page, 'credential-warning').first().waitFor();
  assert.match(await byTestId(page, 'credential-warning').first().textContent(), /long-term access key/);
  await byTestId(page, 'identity-error').waitFor({ timeout: 10000 });
  assert.match(await byTestId(page, 'identity-error').textContent(), /does not recognise these keys/);
});

test('a re-paste replaces the credentials and keeps configuration and requests', async (t) => {
  const page = await openApp(t);
  await paste(page, formats(await suite.sim.mint(3600))['bash/zsh export lines']);
  await byTestId(page, 'identity-account').waitFor();
  await byTestId(page, 'config-index').fill('my_index');
  await byTestId(page, 'config-index').press('Tab');
  await byTestId(page, 'action-whoami').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="inspector-row"]').length >= 2);
  const rows = await byTestId(page, 'inspector-row').count();

  const next = await suite.sim.mint(1800);
  await paste(page, formats(next)['fish set lines']);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="inspector-row"]').length > n, rows);
  assert.equal(await byTestId(page, 'credential-format').textContent(), 'fish set lines');
  assert.match(await byTestId(page, 'countdown').textContent(), /^expires in (29|30)m/);
  assert.equal(await byTestId(page, 'config-index').inputValue(), 'my_index');
  assert.ok(await byTestId(page, 'inspector-row').count() > rows, 'earlier requests are still listed');
});

test('credentials that expire while the page is open: the countdown says so', async (t) => {
  const page = await openApp(t, { allowConsole: refused });
  await paste(page, formats(await suite.sim.mint(4))['bash/zsh export lines']);
  await byTestId(page, 'expired-notice').waitFor({ timeout: 8000 });
  assert.match(await byTestId(page, 'countdown').textContent(), /^expired \d+s ago$/);
  // Asking STS now gives the specific message, not a bare failure.
  await byTestId(page, 'action-whoami').click();
  await byTestId(page, 'identity-error').waitFor();
  assert.match(await byTestId(page, 'identity-error').textContent(), /expired/i);
});
