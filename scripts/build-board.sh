#!/usr/bin/env bash
# Trunk post-build hook (spike, docs/splitting.md): builds labmate's second
# wasm module (crates/labmate-board: the pollers and the flow board), runs
# it through wasm-bindgen, wasm-opt and esbuild like Trunk does the first,
# puts it in a content-hashed folder of the staging dist and names it in
# index.html (`<meta name="labmate-board">`) for the first module to
# import() after first paint. Trunk cannot do this itself (trunk#1022).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile_flag=(); profile=debug
if [ "${TRUNK_PROFILE:-}" = release ]; then profile_flag=(--release); profile=release; fi
nice cargo build -p labmate-board --target wasm32-unknown-unknown "${profile_flag[@]}" --quiet
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "target/wasm32-unknown-unknown/$profile/labmate_board.wasm"
if [ "$profile" = release ]; then
  # As index.html optimises the first module (-Os and the two flags: 1.8 KB
  # less gzip than -Oz on this module, measured).
  # LABMATE_WASM_NAMES=1 keeps function names, for a profile (bench-page
  # --cpu-profile); never for a release.
  names=(); [ -n "${LABMATE_WASM_NAMES:-}" ] && names=(-g)
  wasm-opt -Os --low-memory-unused --converge "${names[@]}" --output="$out/opt.wasm" "$out/labmate_board_bg.wasm"
  mv "$out/opt.wasm" "$out/labmate_board_bg.wasm"
  .tools/node_modules/.bin/esbuild "$out/labmate_board.js" --minify --format=esm \
    --log-level=warning --outfile="$out/labmate_board.js" --allow-overwrite
fi
hash="$(cat "$out/labmate_board.js" "$out/labmate_board_bg.wasm" | sha256sum | cut -c1-16)"
dir="board-$hash"
rm -rf "$TRUNK_STAGING_DIR"/board-*
mkdir -p "$TRUNK_STAGING_DIR/$dir"
cp "$out/labmate_board.js" "$out/labmate_board_bg.wasm" "$TRUNK_STAGING_DIR/$dir/"
[ -d "$out/snippets" ] && cp -r "$out/snippets" "$TRUNK_STAGING_DIR/$dir/"
sed -i "s|</head>|<meta name=\"labmate-board\" content=\"$dir/labmate_board.js\"></head>|" \
  "$TRUNK_STAGING_DIR/index.html"
# The in-page sandbox, a third module (crates/labsim-sandbox).
bash scripts/build-sandbox.sh
# Last: the loader into a file of its own and the page's policy.
node scripts/finish-dist.mjs
