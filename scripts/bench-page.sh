#!/usr/bin/env bash
# The page benchmark (make bench-page; make builds the app and labsim
# first): labmate in headless Chromium against labsim, and labmate's signer
# against the AWS SDK's. Prints figures and whether each target was met; a
# benchmark, so it fails only when it cannot run. A few minutes.
#
# What it builds, outside the app's bundle (whose size check is unchanged):
#   - crates/signer-bench for wasm32 with the app's release profile, then
#     wasm-bindgen and wasm-opt with the flags index.html gives Trunk for the app;
#   - bench/signer-page.mjs with @smithy/signature-v4, bundled by esbuild;
# all under target/bench-page/. bench/'s npm packages (the SDK's signer,
# playwright-core) install here when missing or when the lock file changed.
# Arguments go to bench/bench-page.mjs, e.g. --only signer (make
# bench-signer: the signer race alone, a minute, no app build), --only app,
# --refresh-lag-ms 1000, --steady-s 60, --burst 200, --poll-ms stream=500.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
say() { printf '\033[1;33m[bench-page]\033[0m %s\n' "$*"; }

# The signer race alone (--only signer, make bench-signer) needs neither
# the app nor labsim.
signer_only=false
for a in "$@"; do [ "$a" = signer ] && [ "${prev:-}" = --only ] && signer_only=true; prev=$a; done
if ! $signer_only; then
  for f in dist/index.html target/release/labsim; do
    [ -e "$f" ] || { echo "bench-page: $f is missing: run make bench-page (it builds first)" >&2; exit 1; }
  done
fi

site=target/bench-page/site
mkdir -p "$site"

say "labmate's signer for the page (crates/signer-bench, release, wasm-opt as the app)"
cargo build --quiet --release --target wasm32-unknown-unknown -p labmate-signer-bench
wasm-bindgen --target web --no-typescript --out-dir "$site" \
  target/wasm32-unknown-unknown/release/labmate_signer_bench.wasm
# The same flags as the app's data-wasm-opt and data-wasm-opt-params (index.html).
wasm-opt -Os --low-memory-unused --converge "$site/labmate_signer_bench_bg.wasm" -o "$site/labmate_signer_bench_bg.wasm"

if [ ! -d bench/node_modules/@smithy/signature-v4 ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  say "npm ci (bench: @smithy/signature-v4, playwright-core)"
  (cd bench && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
fi
esbuild bench/signer-page.mjs --bundle --format=esm --platform=browser --target=chrome120 \
  --log-level=warning --outfile="$site/signer-page.js"

exec node bench/bench-page.mjs --labsim target/release/labsim --dist dist --site "$site" "$@"
