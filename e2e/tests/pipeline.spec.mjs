// The lab's API with CORS enabled (as a learner sets it up for labmate):
// items sent from the page, and what the mapping template does to a quote.
import { test, expect } from '../fixtures.mjs';

test.use({ labsimArgs: ['--api-cors', 'on', '--refresh-lag-ms', '1000'] });

/** The app, connected to the simulator: its identity shown. */
async function connected(app) {
  await expect(app.getByTestId('identity-account')).toBeVisible();
  return app;
}

test('an item sent from the page is written', async ({ app }) => {
  const page = await connected(app);
  await page.getByTestId('item-body').fill('{"name": "Ada", "type": "learner"}');
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
  await expect(page.getByTestId('inspector-row').first()).toHaveText(/API Gateway.*POST \/v1\/lab.*200/);
});

test('a quote in the name: warned before, and the 200 is shown as the failure it is', async ({ app }) => {
  const page = await connected(app);
  await page.getByTestId('item-body').fill('{"name": "say \\"hi\\"", "type": "t"}');
  await page.getByTestId('action-send-item').click();
  await expect(page.getByTestId('item-warning').first()).toHaveText(/quote or backslash/);
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(/SerializationException/);
  await expect(result).toHaveText(/the item was not written/);
});

// Counting through the same-origin route, and the direct collection's
// diagnosis: hosting.spec.mjs (under the path prefix production uses).
