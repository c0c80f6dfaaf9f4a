// Starting: index.html's note gives way to the app, and stays, saying what
// the browser needs, when the app's module cannot start there (a browser
// without WebAssembly SIMD is one such: labmate's wasm is built with it).
import { test, expect } from '../fixtures.mjs';

const NOTE = /this browser cannot run labmate: it needs JavaScript and WebAssembly with SIMD \(Chrome or Edge 91 or later, Firefox 89 or later, Safari 16\.4 or later\)/;

test('the starting note is gone once the app runs', async ({ app: page }) => {
  await expect(page.getByTestId('paste-box')).toBeVisible();
  await expect(page.locator('#starting')).toHaveCount(0);
});

test('a browser that cannot start the module keeps the note, which says what is needed', async ({ browser, sim }) => {
  // A context of its own, not the watched one: the failed start is the point.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const failures = [];
    page.on('pageerror', (e) => failures.push(e.message));
    // What a browser without SIMD meets: the module does not compile.
    await page.route(/_bg\.wasm$/, (route) => route.fulfill({
      contentType: 'application/wasm',
      body: Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01]),
    }));
    await page.goto(`${sim.appUrl}#`);
    await expect.poll(() => failures.length).toBeGreaterThan(0);
    await expect(page.locator('#starting')).toBeVisible();
    await expect(page.locator('#starting p').first()).toHaveText(NOTE);
    // The same in Vietnamese, marked as such for screen readers.
    await expect(page.locator('#starting p[lang=vi]')).toHaveText(/trình duyệt này không chạy được labmate: cần JavaScript và WebAssembly có SIMD/);
    await expect(page.getByTestId('paste-box')).toHaveCount(0);
  } finally {
    await context.close();
  }
});
