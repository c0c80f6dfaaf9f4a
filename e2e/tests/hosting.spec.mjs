// Hosted as production hosts it: the release dist/ under a path prefix
// (labsim's static server mirrors an S3 folder behind CloudFront, the
// routes /aoss and /api at the root), under the page's own
// Content-Security-Policy. The collection through /aoss/ with signatures
// labsim accepts; the same build pointed at the collection directly,
// diagnosed; and a host the policy does not list, blocked by the browser
// (its console says so) and explained by labmate.
import { test, expect, setConfigField, watching, APP_PREFIX, CORS_BLOCKED, HTTP_4XX } from '../fixtures.mjs';

test.use({ labsimArgs: ['--refresh-lag-ms', '300'] });

/** Every console message of the page, as Chromium words it. */
function consoleOf(page) {
  const seen = [];
  page.on('console', (m) => seen.push(m.text()));
  return seen;
}

test('the app under a path prefix, with its policy, counts documents through /aoss/ with signatures the collection accepts', async ({ app, sim, browserConsole }) => {
  // The index is missing until the first document: AOSS answers 404 then.
  browserConsole.allow(HTTP_4XX(404));
  const page = await watching(app);
  const config = await sim.config();
  const url = new URL(page.url());
  expect(url.pathname).toBe(`${APP_PREFIX}/`);
  // The page's own policy, with labsim's endpoints added as an instructor
  // would list theirs; its scripts are files (no inline loader).
  const policy = await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content');
  expect(policy).toMatch(/connect-src 'self' .*https:\/\/\*\.amazonaws\.com/);
  expect(await page.locator('script:not([src])').count()).toBe(0);
  // The route sits at the origin's root, not under the prefix.
  expect(new URL(config.routes.aoss).pathname).toBe('/aoss');
  expect(new URL(config.routes.aoss).origin).toBe(url.origin);

  await page.getByTestId('item-body').fill('{"name": "Hosted", "type": "prefix"}');
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
  await expect(async () => {
    await page.getByTestId('action-count').click();
    await expect(page.getByTestId('action-result'))
      .toHaveText(/dynamodb_replicate holds [1-9]\d* searchable documents/, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  // Signed for the collection's host, sent through the page's origin.
  await expect(page.locator('[data-testid="exchange-detail"] h3'))
    .toHaveText(`POST ${config.endpoints.aoss}/dynamodb_replicate/_count`);
  await expect(page.getByTestId('sent-through'))
    .toHaveText(new RegExp(`${url.origin}/aoss/dynamodb_replicate/_count`));
});

test('the same build pointed at the collection directly: the browser blocks it (no CORS) and labmate says what to set', async ({ app, browserConsole }) => {
  browserConsole.allow(...CORS_BLOCKED);
  const page = await watching(app);
  await setConfigField(page, 'config-collection-route', '');
  await page.getByTestId('action-count').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(/OpenSearch Serverless never answers browsers on other origins/);
  await expect(result).toHaveText(/Set a collection route/);
  await expect(result).not.toHaveText(/Content-Security-Policy/);
});

test('a host the page policy does not list is blocked by the browser, and labmate says so', async ({ app, sim, browserConsole }) => {
  // Chromium's two lines for a blocked fetch.
  const VIOLATION = /^Connecting to '(.*)' violates the following Content Security Policy directive: "connect-src 'self' .*"\. The action has been blocked\.$/;
  const REFUSED = /^Fetch API cannot load (\S+)\. Refused to connect because it violates the document's Content Security Policy\.$/;
  browserConsole.allow(VIOLATION, REFUSED);
  const page = await watching(app);
  const seen = consoleOf(page);
  const config = await sim.config();
  // The API on a loopback address labsim did not list: reachable, but not
  // allowed by the page's connect-src.
  const api = new URL(config.endpoints.api);
  api.hostname = '127.0.0.2';
  await setConfigField(page, 'config-api-route', '');
  await setConfigField(page, 'config-api', api.href);
  await page.getByTestId('item-body').fill('{"name": "Blocked", "type": "csp"}');
  await page.getByTestId('action-send-item').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(/Content-Security-Policy does not list that host/);
  await expect(result).toHaveText(/LABMATE_CONNECT_SRC/);
  await expect.poll(() => seen.map((m) => m.match(VIOLATION)?.[1]).filter(Boolean)).toEqual([api.href]);
  await expect.poll(() => seen.map((m) => m.match(REFUSED)?.[1]).filter(Boolean)).toEqual([api.href]);
  // Nothing reached labsim's API: no item was written.
  expect((await sim.events()).filter((e) => e.kind === 'table_write')).toEqual([]);
});
