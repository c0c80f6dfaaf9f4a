#!/usr/bin/env bash
# Prints the release bundle's size (raw and gzip) for wasm, JS and CSS, and
# fails when the first load (all three, gzip) reaches the budget: 300 KB,
# or the in-page sandbox (sandbox-<hash>/, fetched only when chosen) its
# own: 500 KB (KB of 1,024 bytes, as the budgets have always been read).
# Size is deterministic, so this is a test, not a benchmark.
set -euo pipefail
cd "$(dirname "$0")/../dist"
budget=307200
sandbox_budget=512000
total_raw=0; total_gz=0
printf '%-6s %10s %10s  %s\n' kind raw gzip file
# The first load: what index.html loads, wasm-bindgen's snippets included.
# The board module (board-<hash>/, loaded after first paint) is printed
# below, not counted.
shopt -s nullglob
for f in *.wasm *.js *.css snippets/*/*.js; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-6s %10d %10d  %s\n' "${f##*.}" "$raw" "$gz" "$f"
done
printf '%-6s %10d %10d  (budget: gzip under %d)\n' total "$total_raw" "$total_gz" "$budget"
for f in board-*/*.wasm board-*/*.js; do
  printf '%-6s %10d %10d  %s (after first paint)\n' "${f##*.}" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)" "$f"
done
sandbox_raw=0; sandbox_gz=0
for f in sandbox-*/*.wasm sandbox-*/*.js; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  sandbox_raw=$((sandbox_raw + raw)); sandbox_gz=$((sandbox_gz + gz))
  printf '%-6s %10d %10d  %s (sandbox, when chosen)\n' "${f##*.}" "$raw" "$gz" "$f"
done
printf '%-6s %10d %10d  (sandbox; budget: gzip under %d)\n' sandbox "$sandbox_raw" "$sandbox_gz" "$sandbox_budget"
if [ "$sandbox_gz" -ge "$sandbox_budget" ]; then
  echo "size: the sandbox is $sandbox_gz B gzip, over the $sandbox_budget B budget" >&2
  exit 1
fi
if [ "$total_gz" -ge "$budget" ]; then
  echo "size: the first load is $total_gz B gzip, over the $budget B budget" >&2
  exit 1
fi
