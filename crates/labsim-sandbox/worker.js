// labmate's sandbox worker (a module worker; crates/labsim-sandbox): loads
// labsim's core, answers the page's requests with it and lets the
// pipeline's time pass every 50 ms, as labsim's server does. Thin on
// purpose: every decision is the core's.
//
// Page -> worker: {id, request}, the request as JSON text
// ({method, url, headers, body}).
// Worker -> page: {ready: true} once, or {failed: text}; then {id, answer}
// per request, the answer as JSON text ({status, headers, body, delay_ms,
// dropped}), or {id, failed: text}.
import init, { Sandbox } from './labsim_sandbox.js';

const TICK_MS = 50;
// Longest run of tick slices before the worker reads its messages again.
const SLICE_MS = 4;

let sandbox = null;

function onRequest({ id, request }) {
  const answered = sandbox.answer(request, Date.now());
  const { json, delay_ms } = answered;
  answered.free();
  const reply = () => self.postMessage({ id, answer: json });
  if (delay_ms > 0) setTimeout(reply, delay_ms);
  else reply();
}

// A tick's slices run in short bursts, so requests queued behind it are
// answered between them. Ticks start every TICK_MS from one start to the
// next, however long the slices took, as the server's ticker keeps pace.
function work(more, started) {
  const until = performance.now() + SLICE_MS;
  while (more && performance.now() < until) more = sandbox.tick_continue(Date.now());
  if (more) setTimeout(() => work(true, started), 0);
  else setTimeout(tick, Math.max(0, started + TICK_MS - performance.now()));
}

function tick() {
  const started = performance.now();
  work(sandbox.tick_start(Date.now()), started);
}

self.onmessage = (event) => {
  try {
    onRequest(event.data);
  } catch (e) {
    self.postMessage({ id: event.data.id, failed: String(e) });
  }
};

try {
  await init();
  const seed = crypto.getRandomValues(new Uint32Array(2));
  sandbox = new Sandbox(seed[0], seed[1], Date.now());
  // The simulator's own door, as `curl` is labsim's: DevTools (this
  // worker's console) and the end-to-end tests (through Playwright's
  // handle on the worker) send it a request as JSON text, e.g. to
  // `/_labsim/events` or `/_labsim/faults`, and get its answer's.
  self.labsim = {
    answer(request) {
      const answered = sandbox.answer(request, Date.now());
      const { json } = answered;
      answered.free();
      return json;
    },
  };
  setTimeout(tick, TICK_MS);
  self.postMessage({ ready: true });
} catch (e) {
  self.postMessage({ failed: String(e) });
}
