// English and Vietnamese: the switch re-words the page live (both wasm
// modules), is remembered in localStorage and nowhere else, sets
// `<html lang>`, and a Vietnamese browser starts in Vietnamese. Then the
// chapter's walk in Vietnamese, with every view open, leaves no English
// sentence on the page: only the names and labels the glossary keeps.
import { test, expect, watching, counts, guideStep } from '../fixtures.mjs';

test.use({ labsimArgs: ['--refresh-lag-ms', '1000'] });

/** localStorage as key → value. */
const storage = (page) => page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));

test('the switch re-words both modules live, sets <html lang> and is remembered', async ({ app }) => {
  const page = await watching(app);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('lang', 'en');
  await expect(page.locator('#guide-title')).toHaveText('The chapter, step by step');
  const before = await storage(page);

  await page.getByTestId('lang-switch').selectOption('vi');
  await expect(html).toHaveAttribute('lang', 'vi');
  // The first module's header and the board module's guide both follow.
  await expect(page.locator('.tagline')).toHaveText(/theo dõi từng request/);
  await expect(page.locator('#guide-title')).toHaveText('Làm theo chương, từng bước một');
  await expect(page.getByTestId('guide-recheck')).toHaveText('Kiểm tra ngay');
  // One key more in localStorage, holding the code and nothing else (the
  // guide's progress and the board are saved as they change, switch or not).
  const after = await storage(page);
  const added = Object.keys(after).filter((k) => !(k in before) && !/^labmate\.(progress|board|flow|pollers)/.test(k));
  expect(added).toEqual(['labmate.lang']);
  expect(after['labmate.lang']).toBe('vi');

  await page.reload();
  await watching(page);
  await expect(html).toHaveAttribute('lang', 'vi');
  await expect(page.getByTestId('lang-switch')).toHaveValue('vi');
  await expect(page.locator('#guide-title')).toHaveText('Làm theo chương, từng bước một');

  await page.getByTestId('lang-switch').selectOption('en');
  await expect(html).toHaveAttribute('lang', 'en');
  await expect(page.locator('#guide-title')).toHaveText('The chapter, step by step');
  // Each option names its language in that language.
  await expect(page.getByTestId('lang-switch').locator('option[value=vi]')).toHaveAttribute('lang', 'vi');
});

test.describe('a browser that prefers Vietnamese', () => {
  test.use({ locale: 'vi-VN' });

  test('starts in Vietnamese until the learner chooses', async ({ app }) => {
    const page = await watching(app);
    await expect(page.locator('html')).toHaveAttribute('lang', 'vi');
    await expect(page.locator('#guide-title')).toHaveText('Làm theo chương, từng bước một');
    expect((await storage(page))['labmate.lang']).toBeUndefined();
  });
});

// What stays English inside Vietnamese text (docs/i18n.md's glossary):
// console labels the learner clicks, AWS's terms, the lab's names.
const KEPT_ENGLISH = [
  /Exports and streams/g, /DynamoDB stream details/g, /Author from scratch/g,
  /Create function/g, /Create trigger/g, /Add permissions/g, /Create inline policy/g,
  /Turn on/g, /New image/g, /Environment variables/g, /Configuration/g, /Triggers/g,
  /Permissions/g, /Tables/g, /Enable/g, /Deploy/g, /Test/g, /Stages?/g,
  /Data access polic(y|ies)/g, /Network access/g, /Resources/g, /Methods/g,
  /Integration Request/g, /Mapping templates/g, /Method Execution/g,
  /Search results/g, /Monitor/g, /View CloudWatch logs/g, /Log groups?/g,
  /Roles/g, /Lambda console/g, /Security/g,
];

// Words that only English sentences use; one left on the page in
// Vietnamese is a text the catalogue does not hold yet.
// Bounded by anything but a letter, digit, `_` or `-` (Vietnamese letters
// included, which \b would split: "những"), so a lab name keeps its words.
const ENGLISH_WORDS = /(?<![\p{L}\p{N}_-])(the|and|is|are|not|your|this|that|was|were|has|have|will|with|from|when|which|what|been|yet|here|there|no|into)(?![\p{L}\p{N}_-])/iu;

/** Visible text and labels of the page, minus code, data and kept terms. */
async function englishLeft(page) {
  const texts = await page.evaluate(() => {
    const skip = 'code, pre, kbd, samp, script, style, textarea, option, [data-literal], .json, .mono';
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(skip) || !n.textContent.trim()) continue;
      if (!el.checkVisibility()) continue;
      out.push(n.textContent.trim());
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      if (el.closest(skip)) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) out.push(`${a}: ${v}`);
      }
    }
    return out;
  });
  return [...new Set(texts)].filter((t) => {
    const rest = KEPT_ENGLISH.reduce((s, re) => s.replace(re, ''), t);
    return ENGLISH_WORDS.test(rest);
  });
}

/** Opens every step's evidence. */
async function openAllEvidence(page) {
  await page.locator('[data-testid=guide-step] details').evaluateAll((all) => all.forEach((d) => { d.open = true; }));
}

test('the chapter walked in Vietnamese leaves no English sentence on the page', async ({ app, sim }) => {
  test.setTimeout(90_000);
  const page = await watching(app);
  await page.getByTestId('lang-switch').selectOption('vi');
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Tiếng Việt', type: 'i18n' }));
  await page.getByTestId('action-send-item').click();
  await expect(counts(page)).toHaveAttribute('data-complete', '1', { timeout: 20_000 });
  await page.getByTestId('flow-row').first().click();
  const detail = page.getByTestId('flow-detail');
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'complete');
  await detail.getByTestId('modify-name').fill('Đã sửa');
  await detail.getByTestId('action-modify').click();
  await expect(page.locator('[data-testid=flow-row][data-kind=MODIFY]')).toHaveCount(1, { timeout: 20_000 });
  await expect(guideStep(page, 'explore')).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await page.getByTestId('inspector-row').first().click();
  await openAllEvidence(page);
  await page.getByTestId('learner-access').locator('summary').click();
  expect(await englishLeft(page), 'English left in normal mode').toEqual([]);

  // A half-built lab: failed checks with their fixes, a flow that stops.
  for (const patch of [{ trigger_enabled: false }, { aoss_policy: 'missing', environment: { OPENSEARCH_INDEX: 'dynamodb-replicate' } }]) {
    await expect.poll(() => sim.setup(patch).then(() => 'accepted', (e) => e.message), { timeout: 20_000 }).toBe('accepted');
  }
  await page.getByTestId('guide-recheck').click();
  for (const key of ['trigger', 'aoss-policy', 'environment']) {
    await expect(guideStep(page, key)).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  }
  await openAllEvidence(page);
  // Each failure and its fix in Vietnamese, with the lab's values in it.
  const said = {
    trigger: [/Trigger đang ở trạng thái Disabl\w+: hàm Lambda không được chạy\./, /Bật trigger/],
    'aoss-policy': [/Role lambda-lab-role không có inline policy nào tên aoss-policy\./, /aoss-policy/],
    environment: [/OPENSEARCH_INDEX đang là dynamodb-replicate, không phải dynamodb_replicate\./, /Đặt OPENSEARCH_INDEX thành dynamodb_replicate\./],
  };
  for (const [key, [problem, fix]] of Object.entries(said)) {
    await expect(guideStep(page, key).getByTestId('guide-problem').first()).toContainText(problem);
    await expect(guideStep(page, key).getByTestId('guide-fix').first()).toContainText(fix);
  }
  await page.getByTestId('item-body').fill(JSON.stringify({ name: 'Dừng lại', type: 'i18n' }));
  await page.getByTestId('action-send-item').click();
  await page.getByTestId('flow-row').filter({ hasText: 'Dừng lại' }).click({ timeout: 20_000 });
  // It stops where the trigger is off, and says so in Vietnamese.
  await expect(detail.getByTestId('flow-detail-state')).toHaveAttribute('data-state', 'stuck', { timeout: 30_000 });
  await expect(detail).toContainText(/Trigger đang ở trạng thái Disabl/);
  expect(await englishLeft(page), 'English left with a half-built lab').toEqual([]);

  await page.getByTestId('projector-toggle').check();
  expect(await englishLeft(page), 'English left in projector mode').toEqual([]);
});
