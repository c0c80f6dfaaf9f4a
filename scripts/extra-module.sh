#!/usr/bin/env bash
# Builds one of labmate's extra wasm modules into the staging dist, as
# Trunk builds the first: cargo for wasm32, wasm-bindgen, then (release)
# wasm-opt and esbuild; into a content-hashed folder, named in index.html
# by a `<meta>` the page reads when it wants the module (Trunk cannot
# build a second module itself: trunk#1022). Called by scripts/post-build.sh.
#
#   extra-module.sh CRATE NAME ENTRY [FILE...]
#     CRATE  the cargo package (labmate-board); its wasm is CRATE with _
#     NAME   the folder is NAME-<hash>, the meta labmate-NAME
#     ENTRY  the file the meta names (the glue, or a FILE such as a worker)
#     FILE   more scripts put beside the glue (and minified with it)
set -euo pipefail
crate=$1 name=$2 entry=$3
shift 3
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile_flag=(); profile=debug
if [ "${TRUNK_PROFILE:-}" = release ]; then profile_flag=(--release); profile=release; fi
nice cargo build -p "$crate" --target wasm32-unknown-unknown "${profile_flag[@]}" --quiet
glue=${crate//-/_}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "target/wasm32-unknown-unknown/$profile/$glue.wasm"
for file in "$@"; do cp "$file" "$out/"; done
if [ "$profile" = release ]; then
  # As index.html optimises the first module (-Os and the two flags: 1.8 KB
  # less gzip than -Oz on the board, measured).
  # LABMATE_WASM_NAMES=1 keeps function names, for a profile (bench-page
  # --cpu-profile); never for a release.
  names=(); [ -n "${LABMATE_WASM_NAMES:-}" ] && names=(-g)
  wasm-opt -Os --low-memory-unused --converge "${names[@]}" --output="$out/opt.wasm" "$out/${glue}_bg.wasm"
  mv "$out/opt.wasm" "$out/${glue}_bg.wasm"
  for js in "$glue.js" "${@##*/}"; do
    .tools/node_modules/.bin/esbuild "$out/$js" --minify --format=esm \
      --log-level=warning --outfile="$out/$js" --allow-overwrite
  done
fi
# The folder's name changes with anything in it (snippets included).
hash="$(cd "$out" && find . -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
dir="$name-$hash"
rm -rf "$TRUNK_STAGING_DIR/$name"-*
mkdir -p "$TRUNK_STAGING_DIR/$dir"
cp -r "$out"/. "$TRUNK_STAGING_DIR/$dir/"
sed -i "s|</head>|<meta name=\"labmate-$name\" content=\"$dir/$entry\"></head>|" \
  "$TRUNK_STAGING_DIR/index.html"
