// A directory served as plain static files under a path prefix, and
// nothing else: no labsim, no routes, no policy headers, as an S3 bucket
// would. Node's standard library only, so the end-to-end fixtures and the
// page benchmark (bench/bench-page.mjs, which has no @playwright/test)
// share it.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Types the static site gives, as an S3 website is told to (README). */
const MIME = {
  '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json',
};

/**
 * Serves `dir` under `prefix`. Resolves to `{ url, requested, stop }`
 * (`url` is the prefix's, with its trailing slash; `requested` lists every
 * path asked for).
 */
export async function serveStatic(dir, prefix) {
  const requested = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    requested.push(url.pathname);
    const rest = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : null;
    const file = rest === '/' ? '/index.html' : rest;
    if (file === null || file.split('/').includes('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(path.join(dir, file));
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}${prefix}/`,
    requested,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
