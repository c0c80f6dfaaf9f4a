// The guide beside the pipeline, against labsim: each step's check with
// its evidence, the specific failure and fix of a half-built lab, the
// chapter walked in two orders, the shipped Lambda's MODIFY/REMOVE failing
// until the fixed code runs, and a regression reported.
import { readFile } from 'node:fs/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { test, expect, HTTP_4XX, watching, guideStep } from '../fixtures.mjs';
import { formats } from '../formats.mjs';

// Debian's Node is 20: the SDK works, but warns at every client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A short refresh lag: the real 10-60 s lag has a test of its own.
test.use({ labsimArgs: ['--refresh-lag-ms', '1000'] });
test.setTimeout(120_000);

const SETTINGS = ['function', 'stream', 'stream-policy', 'aoss-policy', 'trigger', 'environment'];
const rows = (page) => page.getByTestId('flow-row');

async function sendItem(page, name) {
  await page.getByTestId('item-body').fill(JSON.stringify({ name, type: 'guide' }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
}

async function openFlow(page, kind, name) {
  await rows(page).filter({ hasText: name }).and(page.locator(`[data-kind=${kind}]`)).first().click();
  return page.getByTestId('flow-detail');
}

/** Sends an item, then modifies and deletes it from its flow's detail. */
async function changeAndDelete(page, name) {
  await sendItem(page, name);
  let detail = await openFlow(page, 'INSERT', name);
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete', { timeout: 20_000 });
  await detail.getByTestId('modify-name').fill(`${name} (edited)`);
  await detail.getByTestId('action-modify').click();
  await expect(detail.getByTestId('flow-action-result')).toHaveText(/UpdateItem accepted/);
  await expect(rows(page).filter({ hasText: `${name} (edited)` })).not.toHaveCount(0, { timeout: 20_000 });
  detail = await openFlow(page, 'MODIFY', `${name} (edited)`);
  await detail.getByTestId('action-delete').click();
  await expect(rows(page).filter({ hasText: name }).and(page.locator('[data-kind=REMOVE]'))).not.toHaveCount(0, { timeout: 20_000 });
}

/** labsim's setup, retried while it refuses (a trigger still Deleting). */
async function setup(sim, patch) {
  await expect.poll(async () => {
    try {
      await sim.setup(patch);
      return 'accepted';
    } catch (e) {
      return e.message;
    }
  }, { timeout: 20_000, message: `setup ${JSON.stringify(patch)}` }).toBe('accepted');
}

/** What the learner does after a console change: Check now. */
async function checkNow(page) {
  await page.getByTestId('guide-recheck').click();
}

test('a built lab: six setting steps done with their evidence; the test item verified; the shipped Lambda fails MODIFY and REMOVE until the fixed code runs', async ({ app, sim }) => {
  const page = await watching(app);
  for (const key of SETTINGS) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
  }
  // Evidence read with the learner's credentials, not assumed.
  await guideStep(page, 'environment').locator('summary').click();
  await expect(guideStep(page, 'environment').getByTestId('guide-evidence')).toContainText(['REGION = ap-southeast-1', 'AWS_SERVICE = aoss', /OPENSEARCH_HOST = http/, 'OPENSEARCH_INDEX = dynamodb_replicate', 'OPENSEARCH_DATATYPE = _doc']);
  await guideStep(page, 'stream-policy').locator('summary').click();
  await expect(guideStep(page, 'stream-policy').getByTestId('guide-evidence').first()).toContainText(/dynamodb-stream-data: Allow .*dynamodb:GetRecords.*table\/lab-table\/stream\/\*/);
  for (const key of ['test-post', 'verify', 'explore']) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'waiting');
  }
  // The chapter's policy to paste, with this learner's region, account and table.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(sim.appUrl).origin });
  const policyStep = guideStep(page, 'stream-policy');
  await policyStep.getByRole('button', { name: 'Copy policy JSON' }).click();
  await expect(policyStep.locator('.copy-note')).toHaveText(/copied/);
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  expect(copied.Statement[0].Resource).toBe('arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*');
  expect(copied.Statement[0].Action).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:ListStreams']));

  await changeAndDelete(page, 'Guide item');
  await expect(guideStep(page, 'test-post')).toHaveAttribute('data-status', 'passed');
  await expect(guideStep(page, 'verify')).toHaveAttribute('data-status', 'passed');
  const explore = guideStep(page, 'explore');
  await expect(explore).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(explore.getByTestId('guide-problem')).toHaveCount(2);
  await expect(explore.getByTestId('guide-problem').first()).toContainText(/MODIFY .*PUT without a document id/);
  await expect(explore.getByTestId('guide-fix').first()).toContainText(/PUT \/\{index\}\/_doc\/\{id\}/);
  await expect(explore.getByTestId('guide-problem').nth(1)).toContainText(/REMOVE .*_doc/);

  // The fix: the fixed code runs, and a change of each kind goes through.
  await sim.setup({ handler: 'fixed' });
  await changeAndDelete(page, 'After the fix');
  await expect(explore).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  await expect(page.getByTestId('guide-progress')).toHaveAttribute('data-done', '9');
  // The progress survives a reload.
  await page.reload();
  await expect(page.getByTestId('guide-progress')).toHaveAttribute('data-done', '9');

  // Exported as Markdown and JSON: steps with status, evidence and times,
  // then the flows; no secret in either.
  const { credentials } = await sim.config();
  const save = async (which) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`progress-export-${which}`).click()]);
    const text = await readFile(await download.path(), 'utf8');
    for (const secret of [credentials.SecretAccessKey, credentials.SessionToken, credentials.AccessKeyId]) {
      expect(text.includes(secret), `no secret in the ${which} export`).toBe(false);
    }
    return text;
  };
  const report = JSON.parse(await save('json'));
  expect(report.steps_done).toBe(9);
  expect(report.steps.map((st) => [st.step, st.status])).toEqual(
    ['function', 'stream', 'stream-policy', 'aoss-policy', 'trigger', 'environment', 'test-post', 'verify', 'explore'].map((k) => [k, 'passed']),
  );
  const explored = report.steps.find((st) => st.step === 'explore');
  expect(explored.first_passed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(report.steps.find((st) => st.step === 'environment').evidence).toContain('OPENSEARCH_INDEX = dynamodb_replicate');
  expect(report.flows.filter((f) => f.outcome === 'complete').length).toBeGreaterThanOrEqual(4);
  expect(report.flows.find((f) => f.change === 'MODIFY' && f.name === 'Guide item (edited)').outcome).toMatch(/^stuck: .*PUT without a document id/);
  const markdown = await save('md');
  expect(markdown).toContain('9 of 9 steps done');
  expect(markdown).toMatch(/## 1\. Create the stream function: done\n\n- Since .*; first done /);
  expect(markdown).toMatch(/\| \d+ \| INSERT \| After the fix \| .* \| complete \|/);
});

// Two half-built labs and the two orders their learners finish them in.
// Each start names the failures the guide must show, with their fixes.
const WALKS = {
  "nothing of the chapter done, finished in the chapter's order": {
    start: [{ trigger_exists: false }, { function_exists: false, stream: 'off', stream_policy: 'missing' }],
    failures: {
      function: [/There is no function named sync-data-with-dynamodb-stream\./, /Create it .*Python 3\.12, existing role lambda-lab-role/],
      stream: [/The table's stream is off/, /Turn on the stream, view type New image/],
      'stream-policy': [/The role lambda-lab-role has no inline policy named dynamodb-stream-data\./, /Create inline policy/],
      trigger: [/no trigger: nothing runs the function/, /Create trigger for sync-data-with-dynamodb-stream/],
    },
    steps: [
      ['function', { function_exists: true, env_vars_set: false }],
      ['stream', { stream: 'NEW_IMAGE' }],
      ['stream-policy', { stream_policy: 'present' }],
      ['trigger', { trigger_exists: true }],
      ['environment', { env_vars_set: true }],
    ],
  },
  'a function with a wrong variable, no stream, no trigger, no collection policy, finished in another order': {
    start: [
      { trigger_exists: false },
      { stream: 'off', aoss_policy: 'missing', environment: { OPENSEARCH_INDEX: 'dynamodb-replicate' } },
    ],
    failures: {
      environment: [/OPENSEARCH_INDEX is dynamodb-replicate, not dynamodb_replicate\./, /Set OPENSEARCH_INDEX to dynamodb_replicate/],
      stream: [/The table's stream is off/, /view type New image/],
      'aoss-policy': [/The role lambda-lab-role has no inline policy named aoss-policy\./, /named aoss-policy/],
      trigger: [/no trigger/, /Create trigger/],
    },
    steps: [
      ['aoss-policy', { aoss_policy: 'present' }],
      ['stream', { stream: 'NEW_AND_OLD_IMAGES' }],
      ['environment', { environment: { OPENSEARCH_INDEX: 'dynamodb_replicate' } }],
      ['trigger', { trigger_exists: true }],
    ],
  },
};

for (const [walk, { start, failures, steps }] of Object.entries(WALKS)) {
  // No 404 in the console: labmate lists functions rather than ask for
  // one that does not exist yet (the console must stay clean).
  test(`a half-built lab (${walk}): each failure named with its fix, each step passing once done; a disabled trigger is reported as a regression`, async ({ app, sim }) => {
    const page = await watching(app);
    for (const patch of start) await setup(sim, patch);
    await checkNow(page);
    for (const [key, [what, fix]] of Object.entries(failures)) {
      await expect(guideStep(page, key), key).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
      await expect(guideStep(page, key).getByTestId('guide-problem').first()).toContainText(what);
      await expect(guideStep(page, key).getByTestId('guide-fix').first()).toContainText(fix);
    }

    for (const [key, patch] of steps) {
      await setup(sim, patch);
      await checkNow(page);
      await expect(guideStep(page, key), `${key} after ${JSON.stringify(patch)}`).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
    }
    for (const key of SETTINGS) {
      await expect(guideStep(page, key)).toHaveAttribute('data-status', 'passed');
    }
    await expect(page.getByTestId('guide-progress')).toHaveAttribute('data-done', '6');

    // A regression: the trigger turned off again.
    await setup(sim, { trigger_enabled: false });
    await checkNow(page);
    const trigger = guideStep(page, 'trigger');
    await expect(trigger).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
    await expect(trigger).toHaveAttribute('data-regressed', 'true');
    await expect(trigger.getByTestId('guide-status')).toContainText(/was done, failed again at/);
    await expect(trigger.getByTestId('guide-problem')).toContainText(/The trigger is Disabl(ed|ing)/);
  });
}

test('credentials minted with the policy labmate writes for instructors: the walkthrough works with no refusal, and a call outside the policy is refused', async ({ app, sim }) => {
  const page = await watching(app);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(sim.appUrl).origin });
  const access = page.getByTestId('learner-access');
  await access.locator('summary').click();
  await expect(access.getByTestId('learner-command')).toHaveCount(4);
  await expect(access.getByTestId('learner-command').last()).toContainText(/aws sts assume-role --role-arn arn:aws:iam::123456789012:role\/labmate-learner/);
  await access.locator('[data-file="labmate-learner-policy.json"]').getByRole('button').click();
  await expect(access.locator('[data-file="labmate-learner-policy.json"] .copy-note')).toHaveText(/copied/);
  const policy = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  // Written for this lab: its API, table and function, not wildcards.
  const resources = policy.Statement.flatMap((st) => [st.Resource].flat());
  expect(resources).toContain('arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/POST/lab');
  expect(resources).toContain('arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table');

  // The learner pastes credentials with that policy alone.
  const creds = await sim.mint(3600, { policy });
  await page.getByTestId('paste-box').fill(formats(creds)['aws configure export-credentials output']);
  await page.getByTestId('paste-submit').click();
  await expect(page.getByTestId('paste-box')).toHaveValue('');
  await checkNow(page);
  for (const key of SETTINGS) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
    await expect(guideStep(page, key)).not.toHaveAttribute('data-status', 'cannot-check');
  }
  await changeAndDelete(page, 'Scoped learner');
  await expect(guideStep(page, 'verify')).toHaveAttribute('data-status', 'passed');
  await expect(guideStep(page, 'explore')).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  for (const which of ['stream', 'logs', 'lambda', 'role', 'documents']) {
    await expect(page.locator(`[data-testid=poller-status][data-poller=${which}]`)).not.toHaveText(/not observable|needs /);
  }
  // Outside the policy: a write the lab's API does, not the learner.
  const config = await sim.config();
  const db = new DynamoDBClient({
    ...sim.sdkOptions(),
    region: config.region,
    endpoint: config.endpoints.dynamodb,
    credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
  });
  const refused = await db.send(new PutItemCommand({ TableName: 'lab-table', Item: { id: { S: 'x' } } })).catch((e) => e);
  expect(refused.name).toBe('AccessDeniedException');
  expect(refused.message).toMatch(/is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table\/lab-table/);
});

test('without IAM reads the policy steps name the permission they lack, then pass as inferred once a change goes through', async ({ app, sim, browserConsole }) => {
  // IAM's refusals are 403s, which Chromium prints.
  browserConsole.allow(HTTP_4XX(403));
  const page = await watching(app);
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: ['iam:ListRolePolicies', 'iam:GetRolePolicy'], Resource: '*' },
    ],
  };
  await page.getByTestId('paste-box').fill(formats(await sim.mint(3600, { policy }))['aws configure export-credentials output']);
  await page.getByTestId('paste-submit').click();
  await expect(page.getByTestId('paste-box')).toHaveValue('');
  await checkNow(page);
  for (const key of ['stream-policy', 'aoss-policy']) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'cannot-check', { timeout: 30_000 });
    await expect(guideStep(page, key).getByTestId('guide-status')).toHaveText('cannot check: needs iam:ListRolePolicies');
  }
  await expect(guideStep(page, 'function')).toHaveAttribute('data-status', 'passed');
  await sendItem(page, 'Inferred');
  for (const key of ['stream-policy', 'aoss-policy']) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
    await expect(guideStep(page, key).getByTestId('guide-status')).toHaveText('done (inferred)');
  }
});
