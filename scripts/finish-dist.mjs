// Trunk post-build hook, after the extra modules (post-build.sh): makes dist/index.html safe
// to serve under a Content-Security-Policy from any path prefix.
//
// 1. Trunk writes its wasm loader inline (<script type=module>…</script>);
//    it moves to a content-hashed file beside the others, so the policy
//    allows scripts from 'self' alone, with no inline script at all.
// 2. The policy itself, as a <meta> (an S3 website endpoint cannot send
//    headers): connections to the page's origin and AWS's endpoints, plus
//    the hosts listed in LABMATE_CONNECT_SRC at build time (an API on a
//    custom domain, say). labsim's static server adds its own endpoints
//    when it serves the page, as an instructor would list theirs.
//
// Asset URLs are relative (Trunk.toml's public_url = "./"), so the same
// dist/ works at / or under any prefix.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('finish-dist: TRUNK_STAGING_DIR is not set (run by trunk build)');
const indexPath = path.join(staging, 'index.html');
let html = readFileSync(indexPath, 'utf8');

const inline = /<script type=(?:"module"|module)>([\s\S]*?)<\/script>/;
const found = html.match(inline);
if (!found) throw new Error('finish-dist: no inline module loader in index.html (did Trunk change?)');
const loader = found[1].trim() + '\n';
const name = `start-${createHash('sha256').update(loader).digest('hex').slice(0, 16)}.js`;
writeFileSync(path.join(staging, name), loader);
html = html.replace(inline, `<script type=module src=./${name}></script>`);
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) throw new Error('finish-dist: an inline script is left in index.html');

const extra = (process.env.LABMATE_CONNECT_SRC || '').split(/\s+/).filter(Boolean);
for (const source of extra) {
  if (!/^(https?:\/\/)?[\w*.-]+(:(\d+|\*))?$/.test(source)) {
    throw new Error(`finish-dist: LABMATE_CONNECT_SRC holds ${JSON.stringify(source)}, not a host source like https://api.example.com`);
  }
}
const policy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  ['connect-src', "'self'", 'https://*.amazonaws.com', ...extra].join(' '),
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
const meta = `<meta http-equiv=Content-Security-Policy content="${policy}">`;
if (html.includes('Content-Security-Policy')) throw new Error('finish-dist: index.html has a policy already');
html = html.replace(/<meta charset=[^>]*>/, (m) => `${m}${meta}`);
if (!html.includes(meta)) throw new Error('finish-dist: no <meta charset> to put the policy after');
writeFileSync(indexPath, html);
