// Accessibility: axe-core on the main views, in normal and projector mode
// and in both languages, reports no serious or critical violation; and the walkthrough is done
// with the keyboard alone.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, watching, counts, guideStep } from '../fixtures.mjs';

test.use({ labsimArgs: ['--refresh-lag-ms', '1000'] });
test.setTimeout(90_000);


/** axe's serious and critical violations on the page as it is, named. */
async function seriousViolations(page) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return violations
    .filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
}

test('no serious or critical axe violation on the main views, normal and projector, in English and Vietnamese', async ({ app }) => {
  const page = await watching(app);
  // The page with everything open: a complete flow's detail, a signed
  // request in the inspector, the guide's evidence, the instructors' part.
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Accessible', type: 'a11y' }));
  await page.getByTestId('action-send-item').click();
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  await page.getByTestId('flow-row').first().click();
  await page.getByTestId('inspector-row').first().click();
  await guideStep(page, 'environment').locator('summary').click();
  await page.getByTestId('learner-access').locator('summary').click();
  for (const lang of ['en', 'vi']) {
    await page.getByTestId('lang-switch').selectOption(lang);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await page.getByTestId('projector-toggle').uncheck();
    expect(await seriousViolations(page), `normal mode, ${lang}`).toEqual([]);
    await page.getByTestId('projector-toggle').check();
    expect(await seriousViolations(page), `projector mode, ${lang}`).toEqual([]);
  }
});

/** Presses Tab until the element with `testid` has focus (at most `max` times). */
async function tabTo(page, locator, max = 400) {
  for (let i = 0; i < max; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${locator}`);
}

test('the walkthrough with the keyboard alone: send, follow, change, delete, check, project', async ({ app }) => {
  const page = await watching(app);
  await page.locator('body').focus();
  // Send the guide's test item.
  await tabTo(page, page.getByTestId('action-send-item'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('action-result')).toHaveText(/^Written/);
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  // Open its flow.
  await tabTo(page, page.getByTestId('flow-row').first());
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('flow-detail');
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  // Modify it, then delete it.
  await tabTo(page, detail.getByTestId('modify-name'));
  await page.keyboard.type('Typed by keyboard');
  await tabTo(page, detail.getByTestId('action-modify'));
  await page.keyboard.press('Enter');
  await expect(detail.getByTestId('flow-action-result')).toHaveText(/UpdateItem accepted/);
  await tabTo(page, detail.getByTestId('action-delete'));
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid=flow-row][data-kind=REMOVE]')).toHaveCount(1, { timeout: 20_000 });
  await expect(guideStep(page, 'explore')).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  // Check the steps again, then project and walk them.
  await tabTo(page, page.getByTestId('guide-recheck'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('guide-recheck').locator('xpath=..')).toContainText(/Checking the function/);
  await page.keyboard.press('Escape');
  await page.locator('h1').focus().catch(() => {});
  await tabTo(page, page.getByTestId('projector-toggle'));
  await page.keyboard.press('Space');
  await expect(page.locator('.app')).toHaveClass(/projector/);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('ArrowDown');
  await expect(guideStep(page, 'stream')).toBeFocused();
});
