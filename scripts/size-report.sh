#!/usr/bin/env bash
# Prints the release bundle's size (raw and gzip) for wasm, JS and CSS.
# Target: under 200 KB gzip in all.
set -euo pipefail
cd "$(dirname "$0")/../dist"
total_raw=0; total_gz=0
printf '%-6s %10s %10s  %s\n' kind raw gzip file
for f in *.wasm *.js *.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-6s %10d %10d  %s\n' "${f##*.}" "$raw" "$gz" "$f"
done
printf '%-6s %10d %10d  (target: gzip under 204800)\n' total "$total_raw" "$total_gz"
