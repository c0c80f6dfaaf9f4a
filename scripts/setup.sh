#!/usr/bin/env bash
# Installs what labmate's build and tests need on a fresh Debian machine.
# Idempotent: each step checks first and does nothing when already done.
# Only package registries are used (Debian, crates.io, npm, PyPI): no tool
# downloads its own binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;33m[setup]\033[0m %s\n' "$*"; }

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
ESBUILD_VERSION=0.28.2
# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)

# Debian packages: Chromium and its driver for browser tests.
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Rust: the wasm target and the lint tools.
if ! command -v cargo >/dev/null 2>&1; then
  echo "[setup] cargo is missing: install Rust with rustup (https://rustup.rs) first." >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# Trunk (0.22 needs a newer rustc than this machine's).
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "cargo install trunk $TRUNK_VERSION (about 5 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen CLI (and its test runner). Not --locked: one of its locked
# dependencies is no longer served.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt from npm's binaryen: Debian's (108) breaks wasm-bindgen's tables.
if [ ! -x .tools/node_modules/.bin/wasm-opt ] || ! .tools/node_modules/.bin/wasm-opt --version | grep -q "${BINARYEN_VERSION%%.*}"; then
  say "npm install binaryen@$BINARYEN_VERSION (into .tools/)"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# esbuild minifies the JS glue of release builds (a Trunk hook): Trunk's own
# minifier cannot parse wasm-bindgen's ES module.
if [ "$(.tools/node_modules/.bin/esbuild --version 2>/dev/null)" != "$ESBUILD_VERSION" ]; then
  say "npm install esbuild@$ESBUILD_VERSION (into .tools/)"
  npm install --silent --no-audit --no-fund --prefix .tools "esbuild@$ESBUILD_VERSION" >/dev/null
fi

# End-to-end runner: Playwright Test drives Debian's Chromium (never a
# browser download); the AWS SDK for JavaScript v3 for the CORS test. Again
# whenever the lock file is newer than what npm last installed.
if [ ! -d e2e/node_modules/@playwright/test ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  say "npm ci (e2e: @playwright/test, AWS SDK for JavaScript v3, axe-core)"
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
fi

# AWS's own Python clients (boto3, requests-aws4auth, opensearch-py, awscurl)
# for the simulator's interop tests, and cfn-lint for deploy/labmate.yaml,
# in a virtualenv under .tools/ (pinned in interop/requirements.txt).
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  say "apt-get install python3-venv"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .tools/venv/bin/python ] || { say "python3 -m venv .tools/venv"; python3 -m venv .tools/venv; }
want=$(sha256sum interop/requirements.txt | cut -d' ' -f1)
if [ "$(cat .tools/venv/.requirements 2>/dev/null)" != "$want" ]; then
  say "pip install -r interop/requirements.txt"
  .tools/venv/bin/pip install -q --disable-pip-version-check -r interop/requirements.txt
  echo "$want" > .tools/venv/.requirements
fi

say "ready: trunk $TRUNK_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION, wasm-opt $(.tools/node_modules/.bin/wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | head -1)"
