#!/usr/bin/env bash
# Runs labmate locally (`trunk serve`, http://127.0.0.1:8080) against a real
# lab, with the two same-origin routes a hosted labmate gets from CloudFront
# (deploy/labmate.yaml): /aoss/... to the collection and /api/... to the API,
# each with the prefix stripped and Host set to the service's own host, which
# is the host labmate signs for. In labmate set Collection route to /aoss and
# API route to /api (README, "Hosting labmate").
#
#   scripts/serve-real-lab.sh API_URL COLLECTION_URL
#   scripts/serve-real-lab.sh https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab \
#                             https://abc123def456.ap-southeast-1.aoss.amazonaws.com
#   scripts/serve-real-lab.sh --print-proxies API_URL COLLECTION_URL   (only print the [[proxy]] entries)
#
# Trunk.toml's [[proxy]] entries are fixed text, so this writes a copy of
# Trunk.toml with the two proxies added and serves with it. Trunk 0.21's
# proxy forwards every request header, replaces Host by the backend's host
# (and adds X-Forwarded-Host and X-Forwarded-Proto, which labmate never
# signs), strips the `rewrite` prefix and keeps the query string. Its Host
# is the backend's host without the port, so each proxy sets Host itself
# (request_headers): the same for AWS (port 443 is never in Host), and right
# for labsim, whose services listen on their own ports (labmate signs
# host:port there). A URL may be labsim's (http://127.0.0.1:PORT...).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

print_only=false
if [ "${1:-}" = "--print-proxies" ]; then print_only=true; shift; fi
[ $# -eq 2 ] || usage

# The origin (scheme and host) of a URL of the right kind; the path is
# dropped because labmate sends the whole signed path (the API's /v1/lab
# too) after the route.
origin_of() {
  local what=$1 url=$2 pattern=$3
  if [[ ! $url =~ ^($pattern|http://(127\.0\.0\.1|localhost):[0-9]+)(/.*)?$ ]]; then
    echo "serve-real-lab: '$url' is not a $what URL (expected ${pattern//\\/})" >&2
    exit 2
  fi
  printf '%s' "${BASH_REMATCH[1]}"
}
api=$(origin_of "REST API invoke" "$1" 'https://[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com')
collection=$(origin_of "collection endpoint" "$2" 'https://[a-z0-9]+\.[a-z0-9-]+\.aoss\.amazonaws\.com')

# The routes are lab-model's SAME_ORIGIN_ROUTES.
proxies=$(cat <<TOML
# Same-origin routes, as deploy/labmate.yaml's CloudFront behaviours.
[[proxy]]
rewrite = "/aoss"
backend = "$collection/"
request_headers = { host = "${collection#*://}" }

[[proxy]]
rewrite = "/api"
backend = "$api/"
request_headers = { host = "${api#*://}" }
TOML
)
if $print_only; then
  printf '%s\n' "$proxies"
  exit 0
fi

# Beside Trunk.toml: Trunk reads the paths in it relative to the file.
config=.trunk-real-lab.toml
trap 'rm -f "$config"' EXIT
{ cat Trunk.toml; printf '\n%s\n' "$proxies"; } > "$config"

export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
scripts/setup.sh
echo
echo "  labmate: http://127.0.0.1:8080/  (set Collection route /aoss and API route /api)"
echo "  /aoss -> $collection    /api -> $api"
echo
trunk serve --config "$config"
