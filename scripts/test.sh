#!/usr/bin/env bash
# Runs the whole test suite: Rust unit and integration tests, then the release build and the
# Playwright tests in Debian's Chromium. Installs whatever is missing first.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."

scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$PATH"

# A throwaway PostgreSQL cluster for the storage contract and replica tests, which fail under
# CI=true without it. Its own state file keeps it apart from a cluster started by hand.
echo "[test] PostgreSQL cluster"
export GUARDIAN_POSTGRES_STATE
GUARDIAN_POSTGRES_STATE=$(mktemp -u "${TMPDIR:-/tmp}/guardian-postgres-test.XXXXXX.env")
postgres_script="$PWD/scripts/postgres.sh"
trap '"$postgres_script" stop' EXIT
eval "$("$postgres_script" start)"

echo "[test] cargo test"
# The frontend crate has no tests, and building it with the rest would compile app with both
# its hydrate and ssr features.
# NOTE: one test at a time, because page renders in tests on parallel tokio runtimes in one
# process sometimes never finish (seen with Leptos's global executor; the server is unaffected).
cargo test --workspace --exclude frontend --locked -- --test-threads=1
"$postgres_script" stop

echo "[test] release build"
cargo leptos build --release

echo "[test] browser tests"
cargo build -p fake-bedrock --locked
cd end2end
npx playwright test
