// CORS the way a browser app meets it (issue 7, "Done when"): headless
// Chromium runs the AWS SDK for JavaScript v3, bundled by esbuild, on a page
// served from another origin than labsim's services. Every call labmate
// makes succeeds and reads its request id; a refused call reaches the SDK as
// its typed error; a service without CORS, or a header a preflight does not
// allow, fails as the network error a browser makes of it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test as base, expect, CORS_BLOCKED, HTTP_4XX } from '../fixtures.mjs';

const e2e = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(e2e, '..');
const CALLER = 'arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A UUID, or DynamoDB's own 52 upper-case letters and digits.
const REQUEST_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Z]{52})$/;
const CORAL_SERVICE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
// Chromium logs every 4xx a page receives, and every request CORS blocks.
const HTTP_ERRORS = HTTP_4XX(400, 403, 404);

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

const test = base.extend({
  // The workshop API with CORS on: its preflight allows the console's list only.
  labsimArgs: [['--api-cors', 'on'], { option: true }],

  /** The bundled SDK page, served once per worker from a temporary folder. */
  site: [async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'labmate-aws-sdk-'));
    try {
      await buildSite(dir);
      const site = await serve(dir);
      await use(site);
      await site.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, { scope: 'worker' }],

  /** labsim's `/_labsim/config`: endpoints and demo credentials. */
  lab: async ({ sim }, use) => {
    await use(await sim.config());
  },

  /** The test page, loaded and its SDK ready. */
  sdkPage: async ({ page, site }, use) => {
    await page.goto(site.url);
    await expect(page).toHaveTitle('sdk ready');
    await use(page);
  },
});

/** Credentials for the demo principal whose policy allows everything. */
const allowingEverything = (sim) => sim.mint(3600, { policy: ALLOW_ALL });

const origin = (url) => new URL(url).origin;

test('the page is of another origin than every service', async ({ lab, site }) => {
  const services = Object.values(lab.endpoints).map(origin);
  expect(services.length).toBeGreaterThanOrEqual(7);
  expect(services, `${site.url} vs ${services}`).not.toContain(origin(site.url));
});

test('every call labmate makes succeeds from the page and reads its request id', async ({ sdkPage: page, lab, sim }) => {
  // The function's log group exists once it has run: send it one item.
  const posted = await fetch(lab.endpoints.api, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Seed","type":"t"}',
  });
  expect(posted.status).toBe(200);
  const line = await sim.waitForEvent((e) => e.kind === 'log_line', { message: 'the function ran' });
  // Logs finds a line once it is ingested, up to 500 ms after its timestamp in labsim.
  await expect.poll(async () => (await sim.clock.get()).now_ms, { message: 'the log line ingested' })
    .toBeGreaterThan(line.time_ms + 500);

  const { calls, answers, seen } = await page.evaluate((lab) => window.labSdk.callsLabmateMakes(lab), lab);
  expect(calls.map((c) => c.operation)).toEqual([
    'GetCallerIdentity', 'DescribeTable', 'UpdateItem', 'GetItem', 'Scan', 'DeleteItem',
    'DescribeStream', 'GetShardIterator', 'GetRecords',
    'GetFunctionConfiguration', 'ListEventSourceMappings', 'FilterLogEvents',
  ]);
  for (const call of calls) {
    expect(call.httpStatusCode, call.operation).toBe(200);
    expect(call.requestId, call.operation).toMatch(REQUEST_ID);
  }
  expect(new Set(calls.map((c) => c.requestId)).size).toBe(calls.length);
  // What the browser let the page read of each answer: the exposed headers.
  expect(answers).toHaveLength(calls.length);
  answers.forEach((answer, i) => {
    expect(answer.status, answer.service).toBe(200);
    expect(answer.headers['x-amzn-requestid']).toBe(calls[i].requestId);
    expect(answer.headers.date, `${answer.service}: Date readable (clock skew)`).toBeTruthy();
  });
  // DynamoDB sends x-amz-crc32, but does not expose it: unreadable.
  for (const answer of answers.filter((a) => a.service === 'dynamodb')) {
    expect(answer.headers).not.toHaveProperty('x-amz-crc32');
  }
  expect(seen.arn).toBe(CALLER);
  expect(seen.itemName).toBe('Page');
  expect(seen.scanned).toBeGreaterThanOrEqual(1);
  expect(seen.eventNames).toContain('INSERT');
  expect(seen.functionName).toBe('sync-data-with-dynamodb-stream');
  expect(seen.mappings).toBe(1);
  expect(seen.logEvents).toBeGreaterThanOrEqual(1);
});

/** Makes refused call `name` in the page; asserts the SDK got its typed error. */
async function expectTypedError(page, lab, name, credentials, want) {
  const out = await page.evaluate(
    ([lab, name, credentials]) => window.labSdk.refused(lab, name, credentials ?? undefined),
    [lab, name, credentials ?? null],
  );
  expect(out.succeeded, `${name} was refused`).toBe(false);
  const { error } = out;
  expect(error.isTypeError, `${name}: not a network failure (${error.message})`).toBe(false);
  expect(error.name, `${name}: ${error.message}`).toBe(want.name);
  expect(error.httpStatusCode, name).toBe(want.status);
  expect(error.fault, name).toBe('client');
  expect(error.requestId, name).toMatch(REQUEST_ID);
  if (want.message) expect(error.message, name).toMatch(want.message);
  expect(out.answers, `${name}: one attempt`).toHaveLength(1);
  expect(out.answers[0].headers['x-amzn-errortype'], name).toBe(want.errorType);
  expect(out.answers[0].headers['x-amzn-requestid'], name).toBe(error.requestId);
}

test.describe('refused calls', () => {
  test.use({ allowConsole: [HTTP_ERRORS] });

  test('a call IAM refuses reaches the SDK as AccessDeniedException', async ({ sdkPage: page, lab }) => {
    await expectTypedError(page, lab, 'deleteTable', null, {
      name: 'AccessDeniedException',
      status: 400,
      message: /is not authorized to perform: dynamodb:DeleteTable on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table\/lab-table/,
      errorType: `AccessDeniedException:${CORAL_SERVICE}`,
    });
  });

  test('an expired token reaches the SDK as the service names it', async ({ sdkPage: page, lab, sim }) => {
    const expired = await sim.mint(-60);
    const message = /The security token included in the request is expired/;
    await expectTypedError(page, lab, 'getCallerIdentity', expired, {
      name: 'ExpiredToken', status: 403, message, errorType: 'ExpiredToken',
    });
    await expectTypedError(page, lab, 'getItem', expired, {
      name: 'ExpiredTokenException', status: 400, message, errorType: `ExpiredTokenException:${CORAL_SERVICE}`,
    });
  });

  test('a missing resource reaches the SDK as ResourceNotFoundException', async ({ sdkPage: page, lab, sim }) => {
    const everything = await allowingEverything(sim);
    await expectTypedError(page, lab, 'missingFunction', everything, {
      name: 'ResourceNotFoundException',
      status: 404,
      message: /^Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:no-such-function$/,
      errorType: 'ResourceNotFoundException',
    });
    await expectTypedError(page, lab, 'missingLogGroup', everything, {
      name: 'ResourceNotFoundException',
      status: 400,
      message: /^The specified log group does not exist\.$/,
      errorType: 'ResourceNotFoundException',
    });
  });

  test('an injected throttle reaches the SDK as ThrottlingException', async ({ sdkPage: page, lab, sim }) => {
    await sim.faults.add({ service: 'logs', times: 1, throttle: true });
    await expectTypedError(page, lab, 'filterLogEvents', null, {
      name: 'ThrottlingException', status: 400, message: /^Rate exceeded$/, errorType: 'ThrottlingException',
    });
  });

  test('IAM: the lab role is read from the page, and a refused read is typed', async ({ sdkPage: page, lab, sim }) => {
    expect(lab.endpoints.iam, 'labsim lists its IAM endpoint in /_labsim/config').toBeTruthy();
    const { calls, answers, roleName, documents } = await page.evaluate((lab) => window.labSdk.iamCalls(lab), lab);
    expect(roleName).toBe('lambda-lab-role');
    // The JavaScript SDK does not decode policy documents: the page must
    // decodeURIComponent before JSON.parse, as on AWS.
    const stream = documents['dynamodb-stream-data'];
    expect(stream.startsWith('%7B'), stream).toBe(true);
    expect(() => JSON.parse(stream)).toThrow();
    expect(JSON.parse(decodeURIComponent(stream)).Statement[0].Resource)
      .toBe(`arn:aws:dynamodb:${lab.region}:123456789012:table/lab-table/stream/*`);
    expect(Object.keys(documents)).toEqual(['aoss-policy', 'dynamodb-stream-data']);
    // GetRolePolicy once per inline policy the lab's setup left on the role.
    const operations = calls.map((c) => c.operation);
    expect(operations.slice(0, 2)).toEqual(['GetRole', 'ListRolePolicies']);
    expect(operations.at(-1)).toBe('ListAttachedRolePolicies');
    expect(operations.slice(2, -1).every((op) => op === 'GetRolePolicy'), `${operations}`).toBe(true);
    for (const [i, call] of calls.entries()) {
      expect(call.httpStatusCode, call.operation).toBe(200);
      expect(call.requestId, call.operation).toMatch(UUID);
      expect(answers[i].headers['x-amzn-requestid']).toBe(call.requestId);
    }
    await expectTypedError(page, lab, 'getRole', await sim.mint(-60), {
      name: 'ExpiredToken',
      status: 403,
      message: /The security token included in the request is expired/,
      errorType: 'ExpiredToken',
    });
  });
});

test('OpenSearch Serverless has no CORS: the page gets a network error, DynamoDB a readable one', async ({ sdkPage: page, lab, browserConsole }) => {
  browserConsole.allow(...CORS_BLOCKED, HTTP_ERRORS);
  const search = `${lab.endpoints.aoss}/dynamodb_replicate/_search`;
  const aoss = await page.evaluate(([url]) => window.labSdk.plainFetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":{"match_all":{}}}',
  }), [search]);
  expect(aoss.error, `AOSS answered the page: ${JSON.stringify(aoss)}`).toBeTruthy();
  expect(aoss.error.isTypeError).toBe(true);
  expect(aoss.error.message).toBe('Failed to fetch');
  // The same unsigned request to DynamoDB passes CORS: its refusal is readable.
  const ddb = await page.evaluate(([url]) => window.labSdk.plainFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable' },
    body: '{"TableName":"lab-table"}',
  }), [lab.endpoints.dynamodb]);
  expect(ddb.status, JSON.stringify(ddb)).toBe(400);
  expect(ddb.headers['x-amzn-errortype']).toBe(`MissingAuthenticationTokenException:${CORAL_SERVICE}`);
  expect(ddb.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
});

test('a header the preflight does not allow fails as a network error', async ({ sdkPage: page, lab, browserConsole }) => {
  browserConsole.allow(...CORS_BLOCKED);
  const post = (headers) => page.evaluate(([url, headers]) => window.labSdk.plainFetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"Hdr","type":"t"}',
  }), [lab.endpoints.api, headers]);
  // The API's CORS allows the console's default list, content-type among them.
  const allowed = await post({});
  expect(allowed.status, JSON.stringify(allowed)).toBe(200);
  // x-amzn-RequestId is not on that list: the browser stops at the preflight.
  const refused = await post({ 'x-amzn-RequestId': '0b6f4d86-1111-4c3e-9f7a-000000000001' });
  expect(refused.error, `the API answered the page: ${JSON.stringify(refused)}`).toBeTruthy();
  expect(refused.error.isTypeError).toBe(true);
  expect(refused.error.message).toBe('Failed to fetch');
});
