#!/usr/bin/env bash
# Starts the release server for the browser tests on 127.0.0.1:$1 with a throwaway data
# directory and one admin account, whose email and password come from GUARDIAN_TEST_EMAIL and
# GUARDIAN_TEST_PASSWORD (playwright.config.ts sets both, from test-env.ts).
#
# The server log goes to $GUARDIAN_TEST_FILES/server.log (default /tmp/guardian-e2e-files-$1),
# and the file data-dir beside it names the data directory, so the tests can scan both for
# leaked secrets. Playwright stops the server with SIGTERM (gracefulShutdown in
# playwright.config.ts); the data directory is removed then.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."
port=${1:?port}
email=${GUARDIAN_TEST_EMAIL:?GUARDIAN_TEST_EMAIL must name the test admin}
password=${GUARDIAN_TEST_PASSWORD:?GUARDIAN_TEST_PASSWORD must be the password of the test admin}
files_dir=${GUARDIAN_TEST_FILES:-/tmp/guardian-e2e-files-$port}
log_file=$files_dir/server.log

if [[ ! -x target/release/server || ! -d target/site/pkg ]]; then
  echo "target/release/server or target/site/pkg is missing; run: cargo leptos build --release" >&2
  exit 1
fi

data_dir=$(mktemp -d /tmp/guardian-e2e.XXXXXX)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

mkdir -p "$files_dir"
echo "$data_dir" > "$files_dir/data-dir"

# The run uses copies of the server and the site, because a build started during the run
# rewrites target/site/pkg, and a browser that loads a half-written guardian.wasm fails to hydrate.
build_dir="$data_dir/build"
mkdir -p "$build_dir"
cp target/release/server "$build_dir/server"
cp -r target/site "$build_dir/site"

export LEPTOS_OUTPUT_NAME=guardian
export LEPTOS_SITE_ROOT="$build_dir/site"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
export LEPTOS_ENV=PROD
export GUARDIAN_DATA_DIR="$data_dir"
export GUARDIAN_PUBLIC_URL="http://127.0.0.1:$port"
export RUST_LOG=info,tower_http=debug

# Every AWS call stays on this machine. Bedrock and any other AWS endpoint point at 127.0.0.1,
# where port 9 refuses connections unless the caller sets GUARDIAN_BEDROCK_ENDPOINT to a fake.
# The AWS SDK reads no credentials or profiles of the user running the tests.
export GUARDIAN_BEDROCK_ENDPOINT=${GUARDIAN_BEDROCK_ENDPOINT:-http://127.0.0.1:9}
export GUARDIAN_BEDROCK_INSTANCE_METADATA=false
export AWS_ENDPOINT_URL=$GUARDIAN_BEDROCK_ENDPOINT
export AWS_CONFIG_FILE="$data_dir/no-aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$data_dir/no-aws-credentials"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
  AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  AWS_CONTAINER_CREDENTIALS_FULL_URI

# The admin exists before the server starts, so the tests sign in without first-run setup.
printf '%s\n' "$password" |
  "$build_dir/server" user add --org "${GUARDIAN_TEST_ORG:-E2E Test Organization}" --email "$email" --role admin >"$log_file" 2>&1

"$build_dir/server" >>"$log_file" 2>&1 &
server_pid=$!
wait "$server_pid"
