#!/usr/bin/env bash
# Trunk's post_build hook (one hook: the hooks of a stage run side by side,
# and each of these edits index.html). After Trunk built the first module:
#   - the board (crates/labmate-board: the pollers and the flow board), a
#     second module the first import()s after first paint (docs/splitting.md);
#   - the in-page sandbox (crates/labsim-sandbox: labsim's core in a Web
#     Worker), fetched only when the learner chooses it;
#   - last, the loader into a file of its own and the page's policy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/extra-module.sh labmate-board board labmate_board.js
bash scripts/extra-module.sh labsim-sandbox sandbox worker.js crates/labsim-sandbox/worker.js
node scripts/finish-dist.mjs
