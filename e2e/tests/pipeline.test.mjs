// The lab's API with CORS enabled (as a learner sets it up for labmate):
// items sent from the page, and what the mapping template does to a quote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useSuite, byTestId, setConfigField } from '../harness.mjs';

const suite = useSuite({ before, after }, ['--api-cors', 'on', '--refresh-lag-ms', '1000']);

async function connected(t, opts) {
  const page = await suite.open(t, `#sim=${encodeURIComponent(suite.sim.sim)}`, opts);
  await byTestId(page, 'identity-account').waitFor({ timeout: 10000 });
  return page;
}

test('an item sent from the page is written', async (t) => {
  const page = await connected(t);
  await byTestId(page, 'item-body').fill('{"name": "Ada", "type": "learner"}');
  await byTestId(page, 'action-send-item').click();
  await byTestId(page, 'action-result').waitFor();
  assert.match(await byTestId(page, 'action-result').textContent(), /^Written/);
  const rows = await byTestId(page, 'inspector-row').allTextContents();
  assert.match(rows[0], /API Gateway.*POST \/v1\/lab.*200/);
});

test('a quote in the name: warned before, and the 200 is shown as the failure it is', async (t) => {
  const page = await connected(t);
  await byTestId(page, 'item-body').fill('{"name": "say \\"hi\\"", "type": "t"}');
  await byTestId(page, 'action-send-item').click();
  await byTestId(page, 'action-result').waitFor();
  assert.match(await byTestId(page, 'item-warning').first().textContent(), /quote or backslash/);
  const result = await byTestId(page, 'action-result').textContent();
  assert.match(result, /SerializationException/);
  assert.match(result, /the item was not written/);
});

test('OpenSearch Serverless has no CORS: counting documents explains why it cannot be reached', async (t) => {
  const page = await connected(t, { allowConsole: [/blocked by CORS policy/, /Failed to load resource: net::ERR_FAILED/] });
  await setConfigField(page, 'config-collection-route', '');
  await byTestId(page, 'action-count').click();
  await byTestId(page, 'action-result').waitFor();
  assert.match(await byTestId(page, 'action-result').textContent(), /OpenSearch Serverless never answers browsers on other origins/);
});

test('through the same-origin route, a document is counted once the refresh lag has passed', async (t) => {
  // The index is missing until the first document: AOSS answers 404 then.
  const page = await connected(t, { allowConsole: [/Failed to load resource: the server responded with a status of 404/] });
  const config = await suite.sim.config();
  assert.equal(await configFieldShown(page, 'config-collection-route'), config.routes.aoss);
  await byTestId(page, 'item-body').fill('{"name": "Grace", "type": "learner"}');
  await byTestId(page, 'action-send-item').click();
  await byTestId(page, 'action-result').filter({ hasText: /^Written/ }).waitFor();
  const deadline = Date.now() + 20000;
  let result = '';
  while (Date.now() < deadline) {
    await byTestId(page, 'action-count').click();
    await page.waitForTimeout(500);
    result = await byTestId(page, 'action-result').textContent();
    if (/holds [1-9]\d* searchable/.test(result)) break;
  }
  assert.match(result, /dynamodb_replicate holds [1-9]\d* searchable documents/);
  // Signed for the collection's own host, sent to the page's origin.
  assert.equal(
    await page.locator('[data-testid="exchange-detail"] h3').textContent(),
    `POST ${config.endpoints.aoss}/dynamodb_replicate/_count`,
  );
  assert.match(
    await byTestId(page, 'sent-through').textContent(),
    new RegExp(`${config.routes.aoss}/dynamodb_replicate/_count`),
  );
});

async function configFieldShown(page, id) {
  await byTestId(page, 'config-panel').locator('details > summary').click();
  return byTestId(page, id).inputValue();
}
