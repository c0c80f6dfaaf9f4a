// The lab's API with CORS enabled (as a learner sets it up for labmate):
// items sent from the page, and what the mapping template does to a quote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useSuite, byTestId } from '../harness.mjs';

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
  await byTestId(page, 'action-count').click();
  await byTestId(page, 'action-result').waitFor();
  assert.match(await byTestId(page, 'action-result').textContent(), /OpenSearch Serverless never answers browsers on other origins/);
});
