// The live pipeline against labsim: each change followed hop by hop on the
// board, stuck flows explained, and the board surviving reloads, tabs and
// files. Ground truth is labsim's timeline.
import { readFile } from 'node:fs/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { test, expect, HTTP_4XX, watching, counts, streamCallsPerTab, readByOneTabOnly } from '../fixtures.mjs';

// Debian's Node is 20: the SDK works, but warns at every client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A short refresh lag: the real 10-60 s lag has a test of its own.
test.use({ labsimArgs: ['--refresh-lag-ms', '1000'] });
test.setTimeout(60_000);

const rows = (page) => page.getByTestId('flow-row');

async function sendItem(page, name, type = 'learner') {
  await page.getByTestId('item-body').fill(JSON.stringify({ name, type }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^(Written|Not written|Refused)/);
}

/** Opens a flow's detail from its row in the tail. */
async function openFlow(page, { kind, name }) {
  const row = rows(page).filter({ hasText: name }).and(page.locator(`[data-kind=${kind}]`));
  await row.first().click();
  return page.getByTestId('flow-detail');
}

/** A DynamoDB client with labsim's demo credentials: changes made outside labmate. */
async function tableClient(sim) {
  const config = await sim.config();
  const c = config.credentials;
  return new DynamoDBClient({
    ...sim.sdkOptions(),
    region: config.region,
    endpoint: config.endpoints.dynamodb,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
}

test('an INSERT completes every hop, each stage timed, its id the API request id', async ({ app, sim }) => {
  const page = await watching(app);
  await sendItem(page, 'Ada');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  const detail = await openFlow(page, { kind: 'INSERT', name: 'Ada' });
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  for (const hop of ['api', 'table', 'stream', 'lambda', 'collection']) {
    await expect(detail.getByTestId('flow-stages').locator(`[data-key=${hop}]`)).toBeVisible();
  }
  // The id the page shows is the one labsim wrote and indexed.
  const write = await sim.waitForEvent((e) => e.kind === 'table_write' && e.changed);
  await expect(detail).toContainText(write.key_id);
  const searchable = await sim.waitForEvent((e) => e.kind === 'searchable');
  expect(searchable.source_id).toBe(write.key_id);
  // Every hop is confirmed on the diagram.
  await expect(page.getByTestId('flow-token').first()).toHaveAttribute('data-state', 'complete');
});

test('with the workshop Lambda, MODIFY and REMOVE stop in the Lambda with the defect and the fix', async ({ app }) => {
  const page = await watching(app);
  await sendItem(page, 'Bo');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  let detail = await openFlow(page, { kind: 'INSERT', name: 'Bo' });
  await detail.getByTestId('modify-name').fill('Bo (edited)');
  await detail.getByTestId('action-modify').click();
  await expect(detail.getByTestId('flow-action-result')).toHaveText(/UpdateItem accepted/);
  await expect(rows(page).and(page.locator('[data-kind=MODIFY][data-state=stuck]'))).toHaveCount(1, { timeout: 20_000 });
  detail = await openFlow(page, { kind: 'MODIFY', name: 'Bo (edited)' });
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/PUT without a document id/);
  await expect(detail.getByTestId('flow-fix')).toHaveText(/PUT \/\{index\}\/_doc\/\{id\}/);

  await detail.getByTestId('action-delete').click();
  await expect(rows(page).and(page.locator('[data-kind=REMOVE][data-state=stuck]'))).toHaveCount(1, { timeout: 20_000 });
  detail = await openFlow(page, { kind: 'REMOVE', name: 'Bo' });
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/_doc/);
  await expect(detail.getByTestId('flow-fix')).toHaveText(/DELETE \/\{index\}\/_doc\/\{id\}/);
  await expect(counts(page)).toHaveAttribute('data-stuck', '2');
});

test.describe('with the fixed Lambda', () => {
  test.use({ labsimArgs: ['--refresh-lag-ms', '1000', '--lambda', 'fixed'] });

  test('INSERT, MODIFY and REMOVE all complete', async ({ app }) => {
    const page = await watching(app);
    await sendItem(page, 'Cy');
    await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
    let detail = await openFlow(page, { kind: 'INSERT', name: 'Cy' });
    await detail.getByTestId('modify-name').fill('Cy 2');
    await detail.getByTestId('action-modify').click();
    await expect(counts(page)).toHaveAttribute('data-complete', '2', { timeout: 20_000 });
    detail = await openFlow(page, { kind: 'MODIFY', name: 'Cy 2' });
    // The old image is the one labmate saw before; the diff names the change.
    await expect(detail.getByTestId('flow-diff').locator('[data-key=name]')).toContainText('Cy 2');
    await detail.getByTestId('action-delete').click();
    await expect(counts(page)).toHaveAttribute('data-complete', '3', { timeout: 20_000 });
    await expect(counts(page)).toHaveAttribute('data-stuck', '0');
  });

  test('a burst of 200 items ends with 200 complete flows', async ({ app, sim }) => {
    test.setTimeout(180_000);
    const page = await watching(app);
    await page.getByTestId('burst-size').fill('200');
    await page.getByTestId('action-send-burst').click();
    await expect(page.getByTestId('action-result')).toHaveText(/Burst: 200 of 200 answered, 200 written/, { timeout: 60_000 });
    await expect(counts(page)).toHaveAttribute('data-complete', '200', { timeout: 150_000 });
    await expect(counts(page)).toHaveAttribute('data-total', '200');
    const written = (await sim.events()).filter((e) => e.kind === 'table_write' && e.changed);
    expect(written).toHaveLength(200);
  });
});

test('a change made directly in the table becomes a flow too', async ({ app, sim }) => {
  const page = await watching(app);
  const db = await tableClient(sim);
  await db.send(new PutItemCommand({
    TableName: 'lab-table',
    Item: { id: { S: 'from-the-console' }, name: { S: 'Console item' }, type: { S: 'manual' } },
  }));
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  const detail = await openFlow(page, { kind: 'INSERT', name: 'Console item' });
  await expect(detail).toContainText('from-the-console');
});

test('a record that crashes the handler blocks the shard, explained, and the flows behind it complete once the fix is deployed', async ({ app, sim }) => {
  const page = await watching(app);
  const db = await tableClient(sim);
  await db.send(new PutItemCommand({
    TableName: 'lab-table',
    Item: { id: { S: 'numbered' }, name: { S: 'Has a number' }, type: { S: 't' }, count: { N: '3' } },
  }));
  let detail = await openFlow(page, { kind: 'INSERT', name: 'Has a number' });
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/crashes the handler \(KeyError: 'S'\)/, { timeout: 20_000 });
  await expect(detail.getByTestId('flow-fix')).toHaveText(/read each attribute by its type, e\.g\. with boto3's TypeDeserializer/);
  await expect(detail.getByTestId('flow-fix')).toHaveText(/the retried batch then goes through at its next attempt, and the records waiting behind it follow in order/);
  await sendItem(page, 'Behind');
  detail = await openFlow(page, { kind: 'INSERT', name: 'Behind' });
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/Waiting behind a record that crashes the handler \(item numbered\)/, { timeout: 20_000 });
  await expect(counts(page)).toHaveAttribute('data-stuck', '2');
  await expect(counts(page)).toHaveAttribute('data-complete', '0');

  // The fix deployed: a handler that reads each attribute by its type.
  expect((await sim.setup({ handler: 'typed' })).handler).toBe('typed');
  await expect(counts(page)).toHaveAttribute('data-complete', '2', { timeout: 20_000 });
  await expect(counts(page)).toHaveAttribute('data-stuck', '0');
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  // The retried batch went through first, then the record behind it.
  const handled = (await sim.events())
    .filter((e) => e.kind === 'lambda_invocation' && e.result === 'ok')
    .flatMap((e) => e.records.map((r) => [r.key_id, r.outcome]));
  expect(handled).toHaveLength(2);
  expect(handled[0]).toEqual(['numbered', 'indexed']);
  expect(handled[1][1]).toBe('indexed');

  detail = await openFlow(page, { kind: 'INSERT', name: 'Has a number' });
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  await expect(detail.getByTestId('flow-lambda')).toContainText('Successfully: {\'count\': Decimal(\'3\')');
  // The document holds the number as a number, the same as the item's.
  const document = detail.getByTestId('flow-document');
  await expect(document).toContainText('_id numbered');
  const count = document.locator('[data-key=count]');
  await expect(count.locator('td')).toHaveText(['count', '3', '3', 'same']);
  await expect(document.locator('tr.differs')).toHaveCount(0);
});

test('a 200 carrying a DynamoDB error is a failed flow, not a written one', async ({ app }) => {
  const page = await watching(app);
  await page.getByTestId('item-body').fill('{"name": "say \\"hi\\"", "type": "t"}');
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/the item was not written/);
  await expect(counts(page)).toHaveAttribute('data-stuck', '1');
  const detail = await openFlow(page, { kind: 'INSERT', name: 'say' });
  await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/answered 200, but DynamoDB refused the item \(SerializationException/);
});

test('a hop the credentials cannot see is shown as not observable, naming the permission', async ({ app, sim, browserConsole }) => {
  browserConsole.allow(HTTP_4XX(400));
  await watching(app);
  const creds = await sim.mint(3600, {
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'dynamodb:GetRecords', Resource: '*' },
      ],
    },
  });
  await app.getByTestId('paste-box').fill(JSON.stringify({ Credentials: creds }));
  await app.getByTestId('paste-submit').click();
  const stream = app.getByTestId('diagram-hop').and(app.locator('[data-hop=stream]'));
  await expect(stream).toHaveAttribute('data-permission', 'dynamodb:GetRecords', { timeout: 20_000 });
  await expect(app.getByTestId('poller-status').and(app.locator('[data-poller=stream]')))
    .toHaveText(/not observable: needs dynamodb:GetRecords/);
});

test('a reload mid-flow loses no flow', async ({ app }) => {
  const page = await watching(app);
  for (const name of ['R1', 'R2', 'R3']) await sendItem(page, name);
  await page.reload();
  await watching(page);
  await expect(counts(page)).toHaveAttribute('data-total', '3');
  await expect(counts(page)).toHaveAttribute('data-complete', '3', { timeout: 25_000 });
});

test('two tabs: one stream reader between them, both boards follow', async ({ app, secondTab, context, sim }) => {
  test.skip(sim.sandbox, 'each tab runs a sandbox of its own: tabs share one backend only with labsim');
  const streamsCalls = streamCallsPerTab(context);
  const first = await watching(app);
  await expect(counts(first)).toHaveAttribute('data-reader', 'true');
  const second = await watching(await secondTab());
  await expect(counts(second)).toHaveAttribute('data-reader', 'false');
  await expect(second.getByTestId('stream-reader')).toHaveText(/Another labmate tab/);
  await readByOneTabOnly(first, second, streamsCalls, sendItem);
  // The reader's tab closes: the other one takes over and reads on.
  await first.close();
  await expect(counts(second)).toHaveAttribute('data-reader', 'true');
  await sendItem(second, 'After handover');
  await expect(counts(second)).toHaveAttribute('data-complete', '2', { timeout: 20_000 });
});

test('export then import gives the same flows', async ({ app }) => {
  const page = await watching(app);
  await sendItem(page, 'Exported');
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('flows-export').click()]);
  const exported = await readFile(await download.path(), 'utf8');
  expect(exported).not.toMatch(/SecretAccessKey|SessionToken|secret_access_key|session_token/);
  await page.getByTestId('flows-clear').click();
  await expect(counts(page)).toHaveAttribute('data-total', '0');
  await page.getByTestId('flows-import').setInputFiles({ name: 'flows.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await expect(page.getByTestId('flow-files-result')).toHaveText(/Imported 1 flows/);
  await expect(counts(page)).toHaveAttribute('data-complete', '1');
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('flows-export').click()]);
  const reexported = JSON.parse(await readFile(await again.path(), 'utf8'));
  expect(reexported.flows).toEqual(JSON.parse(exported).flows);
  // A file that is not a board is refused and the board stays.
  await page.getByTestId('flows-import').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"flows": 3}') });
  await expect(page.getByTestId('flow-files-result')).toHaveText(/bad.json: These are not labmate flows/);
  await expect(counts(page)).toHaveAttribute('data-total', '1');
});
