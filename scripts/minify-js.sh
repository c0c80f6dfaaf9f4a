#!/usr/bin/env bash
# Trunk post-build hook: minifies the wasm-bindgen JS glue with esbuild.
# Trunk's own minifier cannot parse that ES module (it logs "Failed to
# minify JS" and ships it as is), and the glue is 40 KB unminified.
set -euo pipefail
[ "${TRUNK_PROFILE:-}" = release ] || exit 0
esbuild="$(dirname "$0")/../.tools/node_modules/.bin/esbuild"
for js in "$TRUNK_STAGING_DIR"/*.js; do
  [ -f "$js" ] || continue
  "$esbuild" "$js" --minify --format=esm --log-level=warning --outfile="$js" --allow-overwrite
done
