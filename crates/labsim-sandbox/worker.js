// labmate's sandbox worker (a module worker; crates/labsim-sandbox): loads
// labsim's core, answers the page's requests with it and lets the
// pipeline's time pass every 50 ms, as labsim's server does; keeps the
// simulator across a reload. Thin on purpose: every decision is the core's.
//
// Page -> worker: {id, request}, the request as JSON text
// ({method, url, headers, body}); {id, forget: true} to delete the kept
// state (the page reloads next).
// Worker -> page: {ready: true, restored, dropped?} once (`dropped`: why a
// kept state was not taken up), or {failed: text}; then {id, answer} per
// request, the answer as JSON text ({status, headers, body, delay_ms,
// dropped}), or {id, failed: text}; {id} once the kept state is deleted;
// {kept: false, why} once if the state cannot be kept (alone, or with
// ready).
import init, { Sandbox } from './labsim_sandbox.js';

const TICK_MS = 50;
// Longest run of tick slices before the worker reads its messages again.
const SLICE_MS = 4;

// The kept state: the simulator's snapshot (no secret in it) in IndexedDB,
// which a worker has (no localStorage here) on plain HTTP too. The answer
// to a request that changed the simulator waits for the save that holds
// its change (one save for every answer waiting), so what the page was
// told survives a reload. What the pipeline does by itself (the Lambda's
// work) is saved at most about a second later: a reload may take that
// second back, and the Lambda then does it again. A snapshot that took
// long waits longer before the next periodic one (SAVE_SHARE), so saving
// never takes over the worker.
const DB = 'labmate-sandbox';
const STORE = 'state';
const KEY = 'sandbox';
const SAVE_MS = 1000;
const SAVE_SHARE = 20;

let sandbox = null;
let db = null;
// The change count last saved; -1: nothing saved yet.
let saved = -1;
let told = false;
// Replies waiting for the next save; the save under way and the timer
// of the next one.
let waiting = [];
let saving = false;
let timer = null;

// The page hears once that the state is not kept.
function notKept(e) {
  stopKeeping();
  if (told) return;
  told = true;
  self.postMessage({ kept: false, why: String(e?.message ?? e) });
}

function openDb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error('blocked by another tab'));
  });
}

// One request on the store of `conn`, settled when its transaction is done.
function inStore(conn, mode, act) {
  return new Promise((resolve, reject) => {
    const tx = conn.transaction(STORE, mode);
    const req = act(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

// Nothing is saved any more: waiting replies go at once.
function stopKeeping() {
  db = null;
  clearTimeout(timer);
  for (const reply of waiting.splice(0)) reply();
}

// The next save in `ms` (sooner if one was due later), unless one is under
// way: that one schedules the next when done.
function saveIn(ms) {
  if (!db || saving) return;
  clearTimeout(timer);
  timer = setTimeout(save, ms);
}

async function save() {
  let wait = SAVE_MS;
  const changes = sandbox.changes;
  const replies = waiting.splice(0);
  if (db && changes !== saved) {
    saving = true;
    const started = performance.now();
    const snapshot = sandbox.snapshot();
    wait = Math.max(SAVE_MS, SAVE_SHARE * (performance.now() - started));
    try {
      await inStore(db, 'readwrite', (s) => s.put(snapshot, KEY));
      saved = changes;
    } catch (e) {
      notKept(e);
    }
    saving = false;
  }
  for (const reply of replies) reply();
  saveIn(waiting.length ? 0 : wait);
}

async function forget(id) {
  // Nothing more is saved (the page reloads next); a save under way was
  // begun first, so the deletion comes after it.
  const conn = db;
  stopKeeping();
  try {
    if (conn) await inStore(conn, 'readwrite', (s) => s.delete(KEY));
  } catch {
    // Not kept then: nothing a next start would read.
  }
  self.postMessage({ id });
}

function onRequest({ id, request }) {
  const before = sandbox.changes;
  const answered = sandbox.answer(request, Date.now());
  const { json, delay_ms } = answered;
  answered.free();
  const send = () => self.postMessage({ id, answer: json });
  const reply = delay_ms > 0 ? () => setTimeout(send, delay_ms) : send;
  if (db && sandbox.changes !== before) {
    waiting.push(reply);
    saveIn(0);
  } else {
    reply();
  }
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
  if (event.data.forget) {
    forget(event.data.id);
    return;
  }
  try {
    onRequest(event.data);
  } catch (e) {
    self.postMessage({ id: event.data.id, failed: String(e) });
  }
};

// The kept snapshot, if any; trouble with IndexedDB leaves it unkept.
async function readKept() {
  try {
    db = await openDb();
    return await inStore(db, 'readonly', (s) => s.get(KEY));
  } catch (e) {
    notKept(e);
    return undefined;
  }
}

try {
  const [, kept] = await Promise.all([init(), readKept()]);
  const started = { ready: true, restored: false };
  if (typeof kept === 'string') {
    try {
      sandbox = Sandbox.restore(kept, Date.now());
      started.restored = true;
      saved = sandbox.changes;
    } catch (e) {
      started.dropped = String(e?.message ?? e);
    }
  }
  if (!sandbox) {
    const seed = crypto.getRandomValues(new Uint32Array(2));
    sandbox = new Sandbox(seed[0], seed[1], Date.now());
  }
  // The simulator's own door, as `curl` is labsim's: DevTools (this
  // worker's console) and the end-to-end tests (through Playwright's
  // handle on the worker) send it a request as JSON text, e.g. to
  // `/_labsim/events` or `/_labsim/faults`, and get its answer's.
  self.labsim = {
    answer(request) {
      const before = sandbox.changes;
      const answered = sandbox.answer(request, Date.now());
      const { json } = answered;
      answered.free();
      // Saved at once, not waited for: this door answers synchronously.
      if (sandbox.changes !== before) saveIn(0);
      return json;
    },
  };
  setTimeout(tick, TICK_MS);
  // A fresh sandbox is saved at once: a reload then finds the one whose
  // credentials and stream the page already has.
  save();
  self.postMessage(started);
} catch (e) {
  self.postMessage({ failed: String(e) });
}
