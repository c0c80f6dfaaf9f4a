#!/usr/bin/env bash
# Starts labsim, which also serves the built app, and prints the address
# that opens labmate already connected to it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_PORT=${APP_PORT:-8080}
STS_PORT=${STS_PORT:-9101}
echo
echo "  labmate: http://127.0.0.1:${APP_PORT}/#sim=http://127.0.0.1:${STS_PORT}"
echo "  (the link names the simulator only; labmate fetches its demo credentials from it)"
echo
# CORS on for the API, as the learner must set it for a page to call it;
# the workshop default (off) is `--api-cors off`.
exec target/release/labsim --static-dir dist --static-port "$APP_PORT" --sts-port "$STS_PORT" --api-cors on "$@"
