# labmate's two commands. Both install what they need first (scripts/setup.sh).
#   make demo   build labmate, start labsim, serve at http://127.0.0.1:8080
#   make test   every test: fmt, clippy, native, browser (wasm), AWS-client interop, end-to-end
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER := /usr/bin/chromedriver
export TRUNK_OFFLINE := true

.PHONY: demo test setup build lint test-native test-browser test-interop test-e2e size bench bench-page bench-signer bench-sandbox

setup:
	@scripts/setup.sh

build: setup
	trunk build --release
	cargo build --release -p labsim

demo: build
	scripts/demo.sh

lint: setup
	# The instructor's CloudFormation template (README, "Hosting labmate").
	.tools/venv/bin/cfn-lint deploy/labmate.yaml
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p labmate --target wasm32-unknown-unknown --all-targets -- -D warnings
	# The first module of the release build (index.html builds it with `split`).
	cargo clippy -p labmate --target wasm32-unknown-unknown --features split -- -D warnings
	# labsim's core (no server) must build for the in-browser sandbox.
	cargo check -p labsim --no-default-features --target wasm32-unknown-unknown

test-native: setup
	cargo test --workspace

test-browser: setup
	scripts/test-browser.sh

test-interop: build
	.tools/venv/bin/python -m pytest -q interop

test-e2e: build
	cd e2e && node_modules/.bin/playwright test

size: setup
	trunk build --release
	scripts/size-report.sh

# The size report comes before the end-to-end run so that the test runner's
# summary is the last thing printed.
test: lint test-native test-browser build
	scripts/size-report.sh
	.tools/venv/bin/python -m pytest -q interop
	cd e2e && node_modules/.bin/playwright test

bench: setup
	scripts/bench.sh

# labmate in headless Chromium against labsim: requests per service in steady
# state, display lag per hop, a 1,000-change burst, and the signer against the
# AWS SDK's. Prints figures; fails only when it cannot run.
bench-page: build
	scripts/bench-page.sh

# The signer race alone (labmate's signer against @smithy/signature-v4 in
# headless Chromium): needs neither the app build nor labsim.
bench-signer: setup
	scripts/bench-page.sh --only signer

# The 1,000-change burst in the in-page sandbox alone: long tasks on the page.
bench-sandbox: build
	scripts/bench-page.sh --only sandbox
