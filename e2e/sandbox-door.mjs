// The in-page sandbox reached from Playwright (the end-to-end fixtures and
// the page benchmark share it; playwright-core's API, no imports).

/** Where the page's transport sends the sandbox's requests (lab_model::sandbox::ADDRESS). */
export const SANDBOX_ADDRESS = 'https://sandbox.labsim.invalid';

/**
 * The in-page sandbox's own door (crates/labsim-sandbox/worker.js,
 * `self.labsim.answer`): a request (`{ method, url, headers: [[name,
 * value]], body }`) answered by the simulator the page is using, as labsim
 * answers it over HTTP. The newest sandbox worker of `page` (a reload
 * starts another); waits for it while the sandbox starts.
 */
export function sandboxDoor(page) {
  const isSandbox = (w) => /\/sandbox-[0-9a-f]+\//.test(w.url());
  async function worker() {
    if (!page.workers().some(isSandbox)) await page.waitForEvent('worker', { predicate: isSandbox, timeout: 20_000 });
    const w = page.workers().filter(isSandbox).at(-1);
    // Polls until the worker's module has set up the door, for 20 s at most.
    await w.evaluate(() => new Promise((ready, fail) => {
      const until = Date.now() + 20_000;
      const up = () => (self.labsim ? ready() : Date.now() > until ? fail(new Error('the sandbox worker never opened its door (self.labsim)')) : setTimeout(up, 20));
      up();
    }));
    return w;
  }
  return async (request) => JSON.parse(await (await worker()).evaluate((r) => self.labsim.answer(r), JSON.stringify(request)));
}

/** A control call (`/_labsim/<route>`) to the in-page sandbox through its door: `{ status, text }`. */
export function sandboxControl(door) {
  return async (method, route, body) => {
    const answer = await door({
      method,
      url: `${SANDBOX_ADDRESS}/_labsim/${route}`,
      headers: body === undefined ? [] : [['content-type', 'application/json']],
      body: body === undefined ? '' : JSON.stringify(body),
    });
    return { status: answer.status, text: answer.body };
  };
}
