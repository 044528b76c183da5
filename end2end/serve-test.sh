#!/usr/bin/env bash
# Starts the release server for the browser tests on 127.0.0.1:$1 with a throwaway data
# directory. The server log goes to $GUARDIAN_TEST_LOG (default test-results/server.log),
# so the tests can scan it for leaked secrets.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."
port=${1:?port}
data_dir=$(mktemp -d /tmp/guardian-e2e.XXXXXX)
log_file=${GUARDIAN_TEST_LOG:-$PWD/end2end/test-results/server.log}
mkdir -p "$(dirname "$log_file")"
echo "$data_dir" > "$(dirname "$log_file")/data-dir"
trap 'rm -rf "$data_dir"' EXIT

LEPTOS_OUTPUT_NAME=guardian \
LEPTOS_SITE_ROOT=target/site \
LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_SITE_ADDR="127.0.0.1:$port" \
LEPTOS_ENV=PROD \
GUARDIAN_DATA_DIR="$data_dir" \
RUST_LOG=info,tower_http=debug \
  target/release/server >"$log_file" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -rf "$data_dir"' EXIT
wait "$server_pid"
