#!/usr/bin/env bash
# Called by scripts/build-board.sh (one Trunk post_build hook, since the
# hooks of a stage run side by side and both edit index.html): builds the
# in-page sandbox (crates/labsim-sandbox: labsim's core in a Web Worker)
# as a third wasm module, through wasm-bindgen, wasm-opt and esbuild as the
# board is built, into a content-hashed folder of the staging dist with its
# worker script, and names the worker in index.html
# (`<meta name="labmate-sandbox">`). The page fetches none of it until the
# learner chooses the sandbox.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile_flag=(); profile=debug
if [ "${TRUNK_PROFILE:-}" = release ]; then profile_flag=(--release); profile=release; fi
nice cargo build -p labsim-sandbox --target wasm32-unknown-unknown "${profile_flag[@]}" --quiet
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "target/wasm32-unknown-unknown/$profile/labsim_sandbox.wasm"
cp crates/labsim-sandbox/worker.js "$out/worker.js"
if [ "$profile" = release ]; then
  # As the board: -Os and the two flags.
  names=(); [ -n "${LABMATE_WASM_NAMES:-}" ] && names=(-g)
  wasm-opt -Os --low-memory-unused --converge "${names[@]}" --output="$out/opt.wasm" "$out/labsim_sandbox_bg.wasm"
  mv "$out/opt.wasm" "$out/labsim_sandbox_bg.wasm"
  for js in labsim_sandbox.js worker.js; do
    .tools/node_modules/.bin/esbuild "$out/$js" --minify --format=esm \
      --log-level=warning --outfile="$out/$js" --allow-overwrite
  done
fi
hash="$(cat "$out/worker.js" "$out/labsim_sandbox.js" "$out/labsim_sandbox_bg.wasm" | sha256sum | cut -c1-16)"
dir="sandbox-$hash"
rm -rf "$TRUNK_STAGING_DIR"/sandbox-*
mkdir -p "$TRUNK_STAGING_DIR/$dir"
cp "$out/worker.js" "$out/labsim_sandbox.js" "$out/labsim_sandbox_bg.wasm" "$TRUNK_STAGING_DIR/$dir/"
sed -i "s|</head>|<meta name=\"labmate-sandbox\" content=\"$dir/worker.js\"></head>|" \
  "$TRUNK_STAGING_DIR/index.html"
