#!/usr/bin/env bash
# In-browser unit tests: wasm-bindgen-test in headless Chromium (webdriver.json
# holds Chromium's flags; .cargo/config.toml names the runner).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}
cargo test -p labmate --target wasm32-unknown-unknown --test browser
