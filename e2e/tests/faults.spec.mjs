// The fault matrix: labsim's injected faults while changes flow, each
// asserted where the learner looks (a poller's status, the send result, a
// flow's explanation, the pollers' requests in the inspector), and at the
// end every change accounted for on the board: one flow per change labsim
// made, none lost, none duplicated, each complete once the fault is gone.
import { readFile } from 'node:fs/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { test, expect, HTTP_4XX, watching, counts } from '../fixtures.mjs';
import { formats } from '../formats.mjs';

// Debian's Node is 20: the SDK works, but warns at every client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The fixed handler (every flow can complete) and a short refresh lag: the
// real 10-60 s lag has a test of its own at the end.
const FAST = ['--refresh-lag-ms', '1000', '--lambda', 'fixed'];
test.use({ labsimArgs: FAST });
test.setTimeout(60_000);

const poller = (page, which) => page.getByTestId('poller-status').and(page.locator(`[data-poller=${which}]`));
const hop = (page, key) => page.getByTestId('diagram-hop').and(page.locator(`[data-hop=${key}]`));

/** Sends one item through the form; the send result, once it reads. */
async function sendItem(page, name) {
  await page.getByTestId('item-body').fill(JSON.stringify({ name, type: 'fault' }));
  await page.getByTestId('action-send-item').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(/^(Written|Not written|Refused|API Gateway at)/);
  return result;
}

/** Pastes a credential set (as `aws configure export-credentials` prints it). */
async function paste(page, creds) {
  await page.getByTestId('paste-box').fill(formats(creds)['aws configure export-credentials output']);
  await page.getByTestId('paste-submit').click();
  await expect(page.getByTestId('paste-box')).toHaveValue('');
}

/** Items written straight to the table with labsim's demo credentials: changes made outside labmate. */
async function putItems(sim, names) {
  const config = await sim.config();
  const c = config.credentials;
  const db = new DynamoDBClient({
    ...sim.sdkOptions(),
    region: config.region,
    endpoint: config.endpoints.dynamodb,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
  for (const name of names) {
    await db.send(new PutItemCommand({
      TableName: 'lab-table',
      Item: { id: { S: `outside-${name.replace(/\W+/g, '-')}` }, name: { S: name }, type: { S: 'outside' } },
    }));
  }
}

/** Opens a flow's detail from its row in the tail. */
async function openFlow(page, name) {
  await page.getByTestId('flow-row').filter({ hasText: name }).first().click();
  return page.getByTestId('flow-detail');
}

/** The pollers' requests in the inspector, newest first. */
async function polledRequests(page) {
  const show = page.getByTestId('inspector-show-polling');
  if (!(await show.isChecked())) await show.check();
  return page.getByTestId('inspector-row');
}

/** The rows of the inspector for `service`'s `operation` answered `status`. */
function requestRows(rows, service, operation, status) {
  return rows.filter({ hasText: service }).filter({ hasText: operation }).filter({ hasText: new RegExp(`${status}$`) });
}

/** The board as labmate exports it (its flows, the gaps it flagged). */
async function exported(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('flows-export').click()]);
  return JSON.parse(await readFile(await download.path(), 'utf8'));
}

/** An exported enum's variant: `"complete"`, or the one key of `{"stuck": {...}}`. */
function variant(value) {
  return typeof value === 'string' ? value : Object.keys(value ?? {})[0];
}

/**
 * Every change accounted for: labsim made `changes` changes (its timeline:
 * table writes that changed the item, and as many stream records); the
 * board ends with one complete flow for each, matched by the record's
 * sequence number, none twice, each record read by labmate's own stream
 * reader (not only seen in the Lambda's log), no gap flagged; and
 * `refused` more flows, stuck at the API: refused, or sent without an
 * answer and never written.
 */
async function everyFlowAccountedFor(page, sim, { changes, refused = 0, timeout = 30_000 }) {
  const events = await sim.events();
  const written = events.filter((e) => e.kind === 'table_write' && e.changed);
  const records = events.filter((e) => e.kind === 'stream_record');
  expect(written, 'labsim\'s changes').toHaveLength(changes);
  expect(records, 'labsim\'s stream records').toHaveLength(changes);
  // Settled: as many complete flows as changes, or more (a flow made twice).
  await expect.poll(async () => Number(await counts(page).getAttribute('data-complete')), { timeout })
    .toBeGreaterThanOrEqual(changes);
  const total = await counts(page).getAttribute('data-total');
  if (total !== String(changes + refused)) {
    // Say which flows there are, so a flow made twice can be explained.
    const seen = (await exported(page)).flows.map((f) => ({
      id: f.id, change: f.change, item: f.item_id, name: f.name, origin: f.origin,
      sent: Boolean(f.sent), sequence: f.stream?.sequence_number, from_log: f.stream?.from_lambda_log, state: variant(f.state),
    }));
    console.log(`flows on the board (${total} for ${changes + refused} changes):\n${JSON.stringify(seen, null, 1)}`);
    console.log(`labsim's records: ${JSON.stringify(records.map((r) => [r.sequence_number, r.key_id, r.event_name]))}`);
  }
  await expect(counts(page)).toHaveAttribute('data-complete', String(changes));
  await expect(counts(page)).toHaveAttribute('data-total', String(changes + refused));
  await expect(counts(page)).toHaveAttribute('data-stuck', String(refused));
  // The Lambda's log may confirm a flow before the reader gets to its record.
  let board;
  await expect.poll(async () => {
    board = await exported(page);
    return board.flows.filter((f) => f.stream && !f.stream.from_lambda_log && f.stream.shard_id).length;
  }, { message: 'every record read by the stream reader', timeout: 15_000 }).toBe(changes);
  const onStream = board.flows.filter((f) => f.stream).map((f) => f.stream.sequence_number).sort();
  expect(onStream, 'one flow per stream record').toEqual(records.map((r) => r.sequence_number).sort());
  for (const f of board.flows.filter((f) => f.stream)) expect(variant(f.state), `flow #${f.id}`).toBe('complete');
  // The rest never reached the table: refused by the API, or unanswered and never written.
  const rest = board.flows.filter((f) => !f.stream);
  for (const f of rest) expect(['api_refused', 'no_answer_no_record'], `flow #${f.id}`).toContain(variant(f.state.stuck?.reason));
  expect(board.gaps, 'no gap flagged').toEqual([]);
}

test.describe('throttling, per service: the poller backs off, says so, and loses nothing', () => {
  // Each fault is the service's own throttling answer, twice (backoff 2 s
  // then 4 s: the flows wait, well short of being called stuck).
  const cases = [
    { poller: 'stream', fault: { service: 'streams', operation: 'GetRecords' }, inspector: ['DynamoDB Streams', 'GetRecords', 400], console: 400 },
    { poller: 'stream', fault: { service: 'dynamodb', operation: 'DescribeTable' }, inspector: ['DynamoDB', 'DescribeTable', 400], console: 400, before: true },
    { poller: 'logs', fault: { service: 'logs', operation: 'FilterLogEvents' }, inspector: ['CloudWatch Logs', 'FilterLogEvents', 400], console: 400 },
    { poller: 'lambda', fault: { service: 'lambda' }, inspector: ['Lambda', 'ListEventSourceMappings', 429], console: 429, before: true },
    { poller: 'documents', fault: { service: 'aoss' }, inspector: ['OpenSearch Serverless', 'Search', 429], console: 429 },
  ];
  for (const { poller: which, fault, inspector, console: status, before } of cases) {
    test(`${fault.service}${fault.operation ? ` ${fault.operation}` : ''} throttled`, async ({ openApp, sim, browserConsole }) => {
      browserConsole.allow(HTTP_4XX(status));
      const rule = { ...fault, times: 2, throttle: true };
      // DescribeTable and Lambda are asked every 30 s and 10 s: throttled
      // from the start. (The sandbox starts with the page: there the rule
      // comes first thing, and "Check now" asks at once.)
      const fromStart = before && !sim.sandbox;
      if (fromStart) await sim.faults.add(rule);
      const page = await watching(await openApp());
      if (!fromStart) await sim.faults.add(rule);
      if (before && sim.sandbox) await page.getByTestId('guide-recheck').click();
      await sendItem(page, 'T1');
      await sendItem(page, 'T2');
      await expect(poller(page, which)).toHaveText(/throttled, retrying in \d+ s/);
      const rows = await polledRequests(page);
      await expect(requestRows(rows, ...inspector).first()).toBeVisible();
      await expect(poller(page, which)).not.toHaveText(/throttled/, { timeout: 15_000 });
      await everyFlowAccountedFor(page, sim, { changes: 2 });
      expect((await sim.faults.list())[0].fired).toBe(2);
    });
  }
});

test.describe('server errors and dropped connections: retried with backoff, nothing lost', () => {
  const cases = [
    {
      what: 'streams GetRecords answered 500', poller: 'stream', status: /the service answered 500, retrying in \d+ s/,
      fault: { service: 'streams', operation: 'GetRecords', status: 500, body: '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}' },
      inspector: ['DynamoDB Streams', 'GetRecords', '500'], console: HTTP_4XX(500),
    },
    {
      what: 'aoss search answered 503', poller: 'documents', status: /the service answered 503, retrying in \d+ s/,
      fault: { service: 'aoss', status: 503, body: '{"message":"Service Unavailable"}' },
      inspector: ['OpenSearch Serverless', 'Search', '503'], console: HTTP_4XX(503),
    },
    {
      what: 'streams GetRecords connection dropped', poller: 'stream', status: /no answer, retrying in \d+ s/,
      fault: { service: 'streams', operation: 'GetRecords', drop: true },
      inspector: ['DynamoDB Streams', 'GetRecords', 'no answer'], console: /Failed to load resource: net::ERR_EMPTY_RESPONSE/,
    },
    {
      what: 'logs FilterLogEvents connection dropped', poller: 'logs', status: /no answer, retrying in \d+ s/,
      fault: { service: 'logs', operation: 'FilterLogEvents', drop: true },
      inspector: ['CloudWatch Logs', 'FilterLogEvents', 'no answer'], console: /Failed to load resource: net::ERR_EMPTY_RESPONSE/,
    },
  ];
  for (const { what, poller: which, status, fault, inspector, console: message } of cases) {
    test(what, async ({ app, sim, browserConsole }) => {
      browserConsole.allow(message);
      const page = await watching(app);
      await sim.faults.add({ ...fault, times: 2 });
      await sendItem(page, 'E1');
      await sendItem(page, 'E2');
      await expect(poller(page, which)).toHaveText(status);
      await expect(requestRows(await polledRequests(page), ...inspector).first()).toBeVisible();
      await everyFlowAccountedFor(page, sim, { changes: 2 });
      await expect(poller(page, which)).not.toHaveText(/retrying/);
      expect((await sim.faults.list())[0].fired).toBe(2);
    });
  }
});

test.describe('the API refuses a POST: the send result explains, and a replay goes through', () => {
  test('429 then 502 from the API, each explained; replayed, both complete', async ({ app, sim, browserConsole }) => {
    browserConsole.allow(HTTP_4XX(429, 502));
    const page = await watching(app);
    await sim.faults.add([
      { service: 'api', method: 'POST', times: 1, throttle: true },
      { service: 'api', method: 'POST', times: 1, status: 502, body: '{"message": "Internal server error"}' },
    ]);
    await expect(await sendItem(page, 'Throttled')).toHaveText(/^Refused \(429\): Too Many Requests\. Meaning: API Gateway throttled the request: wait a moment and send again\./);
    await expect(await sendItem(page, 'Failed')).toHaveText(/^Refused \(502\): Internal server error\. Meaning: the API or its integration failed/);
    await expect(counts(page)).toHaveAttribute('data-stuck', '2');
    for (const [name, status, fix] of [['Throttled', 429, /throttled/], ['Failed', 502, /integration/]]) {
      const row = page.getByTestId('flow-row').filter({ hasText: name });
      await row.click();
      const detail = page.getByTestId('flow-detail');
      await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(new RegExp(`Stuck at API Gateway: The API answered ${status} and wrote nothing`));
      await expect(detail.getByTestId('flow-fix')).toHaveText(fix);
      await detail.getByTestId('action-replay').click();
      await expect(detail.getByTestId('flow-action-result')).toHaveText(/Written/);
    }
    await everyFlowAccountedFor(page, sim, { changes: 2, refused: 2 });
  });

  test('the POST\'s connection dropped: the send result and the flow say the answer could not be read; a replay goes through', async ({ app, sim, browserConsole }) => {
    browserConsole.allow(/Failed to load resource: net::ERR_EMPTY_RESPONSE/);
    const page = await watching(app);
    // Every time: Chromium itself resends a POST whose reused connection closed unanswered.
    await sim.faults.add({ service: 'api', method: 'POST', drop: true });
    await expect(await sendItem(page, 'Unanswered'))
      .toHaveText(/could not be reached\..*If the item was written after all, the board will still find it on the stream by its name and time\./);
    const detail = await openFlow(page, 'Unanswered');
    await expect(detail.getByTestId('flow-waiting')).toHaveText(/waiting for stream/);
    await expect(detail.getByTestId('flow-stuck-reason')).toHaveText(/^Stuck at API Gateway: The API's answer could not be read, and no stream record of this item came \d+ s later: most likely it was not written\.$/, { timeout: 25_000 });
    await expect(detail.getByTestId('flow-fix')).toHaveText(/replay the POST/);
    expect((await sim.events()).filter((e) => e.kind === 'api_request'), 'nothing reached the API').toHaveLength(0);
    await sim.faults.clear();
    await detail.getByTestId('action-replay').click();
    await expect(detail.getByTestId('flow-action-result')).toHaveText(/Written/);
    await everyFlowAccountedFor(page, sim, { changes: 1, refused: 1 });
  });

  test('a burst with a third of its POSTs throttled: the tally says how many were written, the board has exactly those', async ({ app, sim, browserConsole }) => {
    browserConsole.allow(HTTP_4XX(429));
    const page = await watching(app);
    await sim.faults.add({ service: 'api', method: 'POST', probability: 0.33, throttle: true });
    await page.getByTestId('burst-size').fill('12');
    await page.getByTestId('action-send-burst').click();
    const result = page.getByTestId('action-result');
    await expect(result).toHaveText(/^Burst: 12 of 12 answered, \d+ written\. First failure: Refused \(429\)/, { timeout: 20_000 });
    const throttled = (await sim.faults.list())[0].fired;
    expect(throttled).toBeGreaterThan(0);
    await expect(result).toHaveText(new RegExp(`, ${12 - throttled} written\\.`));
    await sim.faults.clear();
    await everyFlowAccountedFor(page, sim, { changes: 12 - throttled, refused: throttled });
  });
});

test('credentials expire mid-flow: the pollers pause and say why; fresh ones resume them and the changes made meanwhile complete', async ({ app, sim, browserConsole }) => {
  // A call in flight as the credentials expire is refused as expired.
  browserConsole.allow(HTTP_4XX(400, 403));
  const page = await watching(app);
  await paste(page, await sim.mint(20));
  await sendItem(page, 'Before expiry');
  await expect(counts(page)).toHaveAttribute('data-complete', '1');
  await expect(page.getByTestId('expired-notice')).toBeVisible({ timeout: 25_000 });
  for (const which of ['stream', 'logs', 'lambda', 'role', 'documents']) {
    await expect(poller(page, which)).toHaveText(/paused: paste credentials \(fresh ones if they expired\); it resumes where it stopped/);
  }
  // Nothing leaves with expired credentials: the send result says so.
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Not sent', type: 'fault' }));
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/expired/i);
  // Meanwhile the table changes; the paused board cannot see it yet.
  await putItems(sim, ['While expired 1', 'While expired 2']);
  await expect(counts(page)).toHaveAttribute('data-total', '1');
  await paste(page, await sim.mint(3600));
  for (const which of ['stream', 'logs', 'lambda', 'role', 'documents']) {
    await expect(poller(page, which)).not.toHaveText(/paused/);
  }
  await everyFlowAccountedFor(page, sim, { changes: 3 });
});

test.describe('clock skew: labmate learns AWS\'s time and goes on', () => {
  test('the browser\'s clock 10 minutes fast from the start', async ({ openApp, sim }) => {
    const page = await watching(await openApp(sim.simLink, {
      clock: Date.now() + 10 * 60_000,
      // The first requests, signed 10 minutes ahead, are refused (400 from the JSON services, 403 from the others).
      allowConsole: [HTTP_4XX(400, 403)],
    }));
    await expect(page.getByTestId('clock-note')).toHaveText(/Your clock is (9|10)m \d\ds ahead of AWS's; labmate signs with AWS's time\./);
    await sendItem(page, 'Fast clock 1');
    await sendItem(page, 'Fast clock 2');
    await everyFlowAccountedFor(page, sim, { changes: 2 });
  });

  test('the browser\'s clock set 10 minutes back mid-flow', async ({ openApp, sim }) => {
    const page = await watching(await openApp(sim.simLink, {
      clock: Date.now(),
      // A request signed just after the jump may be refused before an answer's Date header teaches the offset.
      allowConsole: [HTTP_4XX(400, 403)],
    }));
    await sendItem(page, 'Before the jump');
    await expect(counts(page)).toHaveAttribute('data-complete', '1');
    await expect(page.getByTestId('clock-note')).toHaveCount(0);
    await page.clock.setSystemTime(Date.now() - 10 * 60_000);
    await sendItem(page, 'After the jump');
    await expect(page.getByTestId('clock-note')).toHaveText(/Your clock is (9|10)m \d\ds behind AWS's/);
    await everyFlowAccountedFor(page, sim, { changes: 2 });
  });
});

test.describe('access denied, per service: the hop is not observable, named; full access sees every flow through', () => {
  const deny = (action) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: action, Resource: '*' },
    ],
  });
  const cases = [
    { action: 'dynamodb:GetRecords', poller: 'stream', hop: 'stream', console: HTTP_4XX(400) },
    // Asked every 30 s while the stream is read: refused at the next one.
    { action: 'dynamodb:DescribeTable', poller: 'stream', hop: 'stream', console: HTTP_4XX(400), late: true },
    { action: 'logs:FilterLogEvents', poller: 'logs', hop: 'lambda', console: HTTP_4XX(400) },
    // The trigger's state explains the Lambda hop; its log still shows it.
    { action: 'lambda:ListEventSourceMappings', poller: 'lambda', hop: null, console: HTTP_4XX(403) },
    // Only the document confirms the last hop: flows stay not observable.
    { action: 'aoss:APIAccessAll', poller: 'documents', hop: 'collection', console: HTTP_4XX(403), unconfirmed: true },
  ];
  for (const { action, poller: which, hop: key, console: message, unconfirmed, late } of cases) {
    test(action, async ({ app, sim, browserConsole }) => {
      browserConsole.allow(message);
      const page = await watching(app);
      await paste(page, await sim.mint(3600, { policy: deny(action) }));
      await sendItem(page, 'Denied 1');
      const name = await poller(page, which).locator('.poller-name').textContent();
      await expect(poller(page, which)).toHaveText(`${name}: not observable: needs ${action}`, { timeout: late ? 40_000 : 20_000 });
      await sendItem(page, 'Denied 2');
      if (key) {
        await expect(hop(page, key)).toHaveAttribute('data-permission', action);
        await expect(hop(page, key).getByTestId('diagram-not-observable')).toHaveText(`not observable: needs ${action}`);
      } else {
        for (const h of ['stream', 'lambda', 'collection']) await expect(hop(page, h)).toHaveAttribute('data-permission', '');
      }
      if (unconfirmed) {
        await expect(counts(page)).toHaveAttribute('data-not-observable', '2', { timeout: 20_000 });
        const detail = await openFlow(page, 'Denied 1');
        await expect(detail.getByTestId('flow-not-observable')).toHaveText(new RegExp(`cannot see .* with these credentials: they lack ${action}`));
      } else {
        // The document confirms what the credentials could not see.
        await expect(counts(page)).toHaveAttribute('data-complete', '2', { timeout: 20_000 });
      }
      // Full access again: the hop is seen, and every change is there once.
      await paste(page, await sim.mint(3600));
      await expect(poller(page, which)).not.toHaveText(/not observable/);
      if (key) await expect(hop(page, key)).toHaveAttribute('data-permission', '');
      await everyFlowAccountedFor(page, sim, { changes: 2 });
    });
  }
});

test('iterator expiry between changes: the reader renews it after the last record read; nothing lost, nothing repeated', async ({ app, sim, browserConsole }) => {
  // The expired iterator (400), and the requests refused as signed 16 minutes late before labmate learns the new time.
  browserConsole.allow(HTTP_4XX(400, 403));
  const page = await watching(app);
  await sendItem(page, 'Before expiry 1');
  await sendItem(page, 'Before expiry 2');
  await expect(counts(page)).toHaveAttribute('data-complete', '2');
  await sim.clock.advance(16 * 60_000);
  await expect(page.getByTestId('clock-note')).toHaveText(/Your clock is (15|16)m \d\ds behind AWS's/);
  await sendItem(page, 'After expiry 1');
  await sendItem(page, 'After expiry 2');
  await everyFlowAccountedFor(page, sim, { changes: 4 });
  // The inspector shows the expired iterator and its renewal.
  const rows = await polledRequests(page);
  const refused = requestRows(rows, 'DynamoDB Streams', 'GetRecords', '400');
  await expect(refused.first()).toBeVisible();
  let expired = false;
  for (const row of await refused.all()) {
    await row.click();
    if (/ExpiredIteratorException/.test(await page.getByTestId('response-body').textContent())) expired = true;
  }
  expect(expired, 'a GetRecords answered ExpiredIteratorException').toBe(true);
  await expect(requestRows(rows, 'DynamoDB Streams', 'GetShardIterator', '200').first()).toBeVisible();
});

test('shard roll-over between changes: the reader follows each child shard in order; nothing lost, nothing repeated', async ({ app, sim }) => {
  const page = await watching(app);
  await sendItem(page, 'Shard A');
  await expect(counts(page)).toHaveAttribute('data-complete', '1');
  const first = await sim.rollOverStream();
  await sendItem(page, 'Shard B');
  await sendItem(page, 'Shard B2');
  const second = await sim.rollOverStream();
  expect(second.parent_shard_id).toBe(first.shard_id);
  await sendItem(page, 'Shard C');
  await everyFlowAccountedFor(page, sim, { changes: 4 });
  for (const [name, shard] of [['Shard A', first.parent_shard_id], ['Shard B2', first.shard_id], ['Shard C', second.shard_id]]) {
    const detail = await openFlow(page, name);
    await expect(detail.getByTestId('flow-stream')).toContainText(shard);
  }
});

test.describe('a 60 s refresh lag', () => {
  test.use({ labsimArgs: ['--refresh-lag-ms', '60000', '--lambda', 'fixed'] });

  test('the flow waits at the collection with the refresh explained, never called stuck, then completes', async ({ app, sim }) => {
    test.setTimeout(120_000);
    const page = await watching(app);
    // Every value the board's stuck count takes, from now on.
    await page.evaluate(() => {
      const counts = document.querySelector('[data-testid=flow-counts]');
      window.stuckSeen = new Set([counts.dataset.stuck]);
      new MutationObserver(() => window.stuckSeen.add(counts.dataset.stuck)).observe(counts, { attributes: true });
    });
    await sendItem(page, 'Slow to search');
    const detail = await openFlow(page, 'Slow to search');
    const waiting = detail.getByTestId('flow-waiting');
    await expect(waiting).toHaveText(/^The Lambda indexed it\. The collection makes a write searchable 10 to 60 s after it \(its refresh interval\), so search may not show it yet: waiting \d+\.\d s of up to 1 min\.$/, { timeout: 20_000 });
    await expect(waiting).toHaveText(/waiting [3-5]\d\.\d s/, { timeout: 45_000 });
    await everyFlowAccountedFor(page, sim, { changes: 1, timeout: 45_000 });
    expect([...await page.evaluate(() => [...window.stuckSeen])]).toEqual(['0']);
  });
});
