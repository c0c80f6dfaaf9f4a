// CORS the way a browser app meets it (issue 7, "Done when"): headless
// Chromium runs the AWS SDK for JavaScript v3, bundled by esbuild, on a page
// served from another origin than labsim's services. Every call labmate
// makes succeeds and reads its request id; a refused call reaches the SDK as
// its typed error; a service without CORS, or a header a preflight does not
// allow, fails as the network error a browser makes of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLabsim, launchBrowser, newPage } from '../harness.mjs';

const e2e = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(e2e, '..');
const CALLER = 'arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A UUID, or DynamoDB's own 52 upper-case letters and digits.
const REQUEST_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Z]{52})$/;
const CORAL_SERVICE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
// Chromium logs every 4xx a page receives, and every request CORS blocks.
const HTTP_ERRORS = /Failed to load resource: the server responded with a status of (400|403|404)/;
const CORS_BLOCKED = [/blocked by CORS policy/, /Failed to load resource: net::ERR_FAILED/];

/** esbuild as `make` installs it (.tools), or as ESBUILD / PATH name it. */
function esbuild() {
  if (process.env.ESBUILD) return process.env.ESBUILD;
  const tools = path.join(root, '.tools/node_modules/.bin/esbuild');
  return existsSync(tools) ? tools : 'esbuild';
}

/** Bundles aws-sdk-page/main.mjs and the SDK into `dir`/sdk.js, beside a page that loads it. */
async function buildSite(dir) {
  await promisify(execFile)(esbuild(), [
    'aws-sdk-page/main.mjs', '--bundle', '--format=esm', '--platform=browser',
    '--target=chrome120', '--log-level=warning', `--outfile=${path.join(dir, 'sdk.js')}`,
  ], { cwd: e2e });
  await writeFile(path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">'
    + '<title>loading</title><script type="module" src="/sdk.js"></script>\n');
}

/** A static server for `dir` on a port of its own: the page's origin. */
async function serve(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer(async (req, res) => {
    const name = new URL(req.url, 'http://page').pathname.slice(1) || 'index.html';
    try {
      const body = await readFile(path.join(dir, path.basename(name)));
      res.writeHead(200, { 'content-type': types[path.extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const suite = {};

before(async () => {
  suite.dir = await mkdtemp(path.join(os.tmpdir(), 'labmate-aws-sdk-'));
  await buildSite(suite.dir);
  suite.site = await serve(suite.dir);
  // The workshop API with CORS on: its preflight allows the console's list only.
  suite.sim = await startLabsim(['--api-cors', 'on']);
  suite.lab = await suite.sim.config();
  suite.browser = await launchBrowser();
  // The function's log group exists once it has run: send it one item.
  const posted = await fetch(suite.lab.endpoints.api, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Seed","type":"t"}',
  });
  assert.equal(posted.status, 200);
  const deadline = Date.now() + 15000;
  while (!(await events(suite.sim)).some((e) => e.kind === 'log_line')) {
    if (Date.now() > deadline) throw new Error('the function never ran');
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  await suite.browser?.close();
  await suite.sim?.stop();
  await suite.site?.close();
  if (suite.dir) await rm(suite.dir, { recursive: true, force: true });
});

async function events(sim) {
  return (await (await fetch(`${sim.sim}/_labsim/events`)).json()).events;
}

/** Credentials for the demo principal whose policy allows everything. */
async function allowingEverything() {
  const r = await fetch(`${suite.sim.sim}/_labsim/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ttl_seconds: 3600, policy: ALLOW_ALL }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

/** The test page, loaded and its SDK ready; the test fails on any console
 * warning or error but those `allowConsole` expects. */
async function openPage(t, allowConsole = []) {
  const { page, context, problems } = await newPage(suite.browser, { allowConsole });
  t.after(async () => {
    await context.close();
    if (problems.length) throw new Error(`browser console was not clean:\n${problems.join('\n')}`);
  });
  await page.goto(suite.site.url);
  await page.waitForFunction(() => document.title === 'sdk ready');
  return page;
}

const origin = (url) => new URL(url).origin;

test('the page is of another origin than every service', () => {
  const services = Object.values(suite.lab.endpoints).map(origin);
  assert.ok(services.length >= 7);
  assert.ok(!services.includes(origin(suite.site.url)), `${suite.site.url} vs ${services}`);
});

test('every call labmate makes succeeds from the page and reads its request id', async (t) => {
  const page = await openPage(t);
  const { calls, answers, seen } = await page.evaluate((lab) => window.labSdk.callsLabmateMakes(lab), suite.lab);
  assert.deepEqual(calls.map((c) => c.operation), [
    'GetCallerIdentity', 'DescribeTable', 'UpdateItem', 'GetItem', 'Scan', 'DeleteItem',
    'DescribeStream', 'GetShardIterator', 'GetRecords',
    'GetFunctionConfiguration', 'ListEventSourceMappings', 'FilterLogEvents',
  ]);
  for (const call of calls) {
    assert.equal(call.httpStatusCode, 200, call.operation);
    assert.match(call.requestId, REQUEST_ID, call.operation);
  }
  assert.equal(new Set(calls.map((c) => c.requestId)).size, calls.length);
  // What the browser let the page read of each answer: the exposed headers.
  assert.equal(answers.length, calls.length);
  answers.forEach((answer, i) => {
    assert.equal(answer.status, 200, answer.service);
    assert.equal(answer.headers['x-amzn-requestid'], calls[i].requestId);
    assert.ok(answer.headers.date, `${answer.service}: Date readable (clock skew)`);
  });
  // DynamoDB sends x-amz-crc32, but does not expose it: unreadable.
  assert.ok(answers.filter((a) => a.service === 'dynamodb').every((a) => !('x-amz-crc32' in a.headers)));
  assert.equal(seen.arn, CALLER);
  assert.equal(seen.itemName, 'Page');
  assert.ok(seen.scanned >= 1);
  assert.ok(seen.eventNames.includes('INSERT'), `${seen.eventNames}`);
  assert.equal(seen.functionName, 'sync-data-with-dynamodb-stream');
  assert.equal(seen.mappings, 1);
  assert.ok(seen.logEvents >= 1);
});

/** Makes refused call `name` in the page; asserts the SDK got its typed error. */
async function assertTypedError(page, name, credentials, want) {
  const out = await page.evaluate(
    ([lab, name, credentials]) => window.labSdk.refused(lab, name, credentials ?? undefined),
    [suite.lab, name, credentials ?? null],
  );
  assert.equal(out.succeeded, false, `${name} was refused`);
  const { error } = out;
  assert.equal(error.isTypeError, false, `${name}: not a network failure (${error.message})`);
  assert.equal(error.name, want.name, `${name}: ${error.message}`);
  assert.equal(error.httpStatusCode, want.status, name);
  assert.equal(error.fault, 'client', name);
  assert.match(error.requestId, REQUEST_ID, name);
  if (want.message) assert.match(error.message, want.message, name);
  assert.equal(out.answers.length, 1, `${name}: one attempt`);
  assert.equal(out.answers[0].headers['x-amzn-errortype'], want.errorType, name);
  assert.equal(out.answers[0].headers['x-amzn-requestid'], error.requestId, name);
}

test('a call IAM refuses reaches the SDK as AccessDeniedException', async (t) => {
  const page = await openPage(t, [HTTP_ERRORS]);
  await assertTypedError(page, 'deleteTable', null, {
    name: 'AccessDeniedException',
    status: 400,
    message: /is not authorized to perform: dynamodb:DeleteTable on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table\/lab-table/,
    errorType: `AccessDeniedException:${CORAL_SERVICE}`,
  });
});

test('an expired token reaches the SDK as the service names it', async (t) => {
  const page = await openPage(t, [HTTP_ERRORS]);
  const expired = await suite.sim.mint(-60);
  const message = /The security token included in the request is expired/;
  await assertTypedError(page, 'getCallerIdentity', expired, {
    name: 'ExpiredToken', status: 403, message, errorType: 'ExpiredToken',
  });
  await assertTypedError(page, 'getItem', expired, {
    name: 'ExpiredTokenException', status: 400, message, errorType: `ExpiredTokenException:${CORAL_SERVICE}`,
  });
});

test('a missing resource reaches the SDK as ResourceNotFoundException', async (t) => {
  const page = await openPage(t, [HTTP_ERRORS]);
  const everything = await allowingEverything();
  await assertTypedError(page, 'missingFunction', everything, {
    name: 'ResourceNotFoundException',
    status: 404,
    message: /^Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:no-such-function$/,
    errorType: 'ResourceNotFoundException',
  });
  await assertTypedError(page, 'missingLogGroup', everything, {
    name: 'ResourceNotFoundException',
    status: 400,
    message: /^The specified log group does not exist\.$/,
    errorType: 'ResourceNotFoundException',
  });
});

test('an injected throttle reaches the SDK as ThrottlingException', async (t) => {
  const page = await openPage(t, [HTTP_ERRORS]);
  const r = await fetch(`${suite.sim.sim}/_labsim/faults`, {
    method: 'POST', body: JSON.stringify({ service: 'logs', times: 1, throttle: true }),
  });
  assert.equal(r.status, 200);
  t.after(() => fetch(`${suite.sim.sim}/_labsim/faults`, { method: 'DELETE' }));
  await assertTypedError(page, 'filterLogEvents', null, {
    name: 'ThrottlingException', status: 400, message: /^Rate exceeded$/, errorType: 'ThrottlingException',
  });
});

test('IAM: the lab role is read from the page, and a refused read is typed', async (t) => {
  if (!suite.lab.endpoints.iam) {
    t.skip('labsim has no IAM endpoint in /_labsim/config yet');
    return;
  }
  const page = await openPage(t, [HTTP_ERRORS]);
  const { calls, answers, roleName } = await page.evaluate((lab) => window.labSdk.iamCalls(lab), suite.lab);
  assert.equal(roleName, 'lambda-lab-role');
  // GetRolePolicy once per inline policy the lab's setup left on the role.
  const operations = calls.map((c) => c.operation);
  assert.deepEqual(operations.slice(0, 2), ['GetRole', 'ListRolePolicies']);
  assert.equal(operations.at(-1), 'ListAttachedRolePolicies');
  assert.ok(operations.slice(2, -1).every((op) => op === 'GetRolePolicy'), `${operations}`);
  for (const [i, call] of calls.entries()) {
    assert.equal(call.httpStatusCode, 200, call.operation);
    assert.match(call.requestId, UUID, call.operation);
    assert.equal(answers[i].headers['x-amzn-requestid'], call.requestId);
  }
  await assertTypedError(page, 'getRole', await suite.sim.mint(-60), {
    name: 'ExpiredToken',
    status: 403,
    message: /The security token included in the request is expired/,
    errorType: 'ExpiredToken',
  });
});

test('OpenSearch Serverless has no CORS: the page gets a network error, DynamoDB a readable one', async (t) => {
  const page = await openPage(t, [...CORS_BLOCKED, HTTP_ERRORS]);
  const search = `${suite.lab.endpoints.aoss}/dynamodb_replicate/_search`;
  const aoss = await page.evaluate(([url]) => window.labSdk.plainFetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":{"match_all":{}}}',
  }), [search]);
  assert.ok(aoss.error, `AOSS answered the page: ${JSON.stringify(aoss)}`);
  assert.equal(aoss.error.isTypeError, true);
  assert.equal(aoss.error.message, 'Failed to fetch');
  // The same unsigned request to DynamoDB passes CORS: its refusal is readable.
  const ddb = await page.evaluate(([url]) => window.labSdk.plainFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable' },
    body: '{"TableName":"lab-table"}',
  }), [suite.lab.endpoints.dynamodb]);
  assert.equal(ddb.status, 400, JSON.stringify(ddb));
  assert.equal(ddb.headers['x-amzn-errortype'], `MissingAuthenticationTokenException:${CORAL_SERVICE}`);
  assert.match(ddb.headers['x-amzn-requestid'], REQUEST_ID);
});

test('a header the preflight does not allow fails as a network error', async (t) => {
  const page = await openPage(t, CORS_BLOCKED);
  const post = (headers) => page.evaluate(([url, headers]) => window.labSdk.plainFetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"Hdr","type":"t"}',
  }), [suite.lab.endpoints.api, headers]);
  // The API's CORS allows the console's default list, content-type among them.
  const allowed = await post({});
  assert.equal(allowed.status, 200, JSON.stringify(allowed));
  // x-amzn-RequestId is not on that list: the browser stops at the preflight.
  const refused = await post({ 'x-amzn-RequestId': '0b6f4d86-1111-4c3e-9f7a-000000000001' });
  assert.ok(refused.error, `the API answered the page: ${JSON.stringify(refused)}`);
  assert.equal(refused.error.isTypeError, true);
  assert.equal(refused.error.message, 'Failed to fetch');
});
