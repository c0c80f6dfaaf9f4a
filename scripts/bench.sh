#!/usr/bin/env bash
# Benchmarks labsim: starts it (IAM auth on the REST API, the real ~10 s
# refresh lag, free ports), runs labsim-bench against it as a separate
# process on loopback, prints the figures and whether the targets
# (>= 2000 signed POST/s, p99 < 20 ms, the pipeline keeping up) were met,
# then stops labsim; then times cursor reads of the timeline with 24,000
# items in it (target: under 50 ms, without the simulator's lock). The load is offered at the target rate (2000 req/s),
# so the latency is that of the target load, not of a saturated server.
# Extra arguments go to labsim-bench (see `target/release/labsim-bench
# --help`) and win, e.g. `--connections 32` or `--rate 0` (as fast as
# answered).
# LABSIM_LOG=file keeps labsim's per-request log (default: discarded).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p labsim --bins

out=$(mktemp)
log=${LABSIM_LOG:-/dev/null}
target/release/labsim --api-auth iam --refresh-lag-ms 10000 --sts-port 0 >"$out" 2>"$log" &
pid=$!
cleanup() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$out"
}
trap cleanup EXIT

for _ in $(seq 100); do
    grep -q '^labsim ready' "$out" && break
    kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; echo "bench: labsim exited" >&2; exit 1; }
    sleep 0.1
done
grep -q '^labsim ready' "$out" || { echo "bench: labsim did not start" >&2; exit 1; }
control=$(sed -n 's/^# labsim: STS \(http[^ ]*\).*/\1/p' "$out")
echo "bench: labsim (pid $pid) control $control"

status=0
target/release/labsim-bench --control "$control" --rate 2000 "$@" || status=$?

# The timeline's cursor reads with 24,000 items in it, in-process.
echo
cargo run --quiet --release -p labsim --example timeline_read || status=$?
# 2: the figures were printed and a target was missed.
exit "$status"
