#!/usr/bin/env bash
# Runs the whole test suite: Rust unit and integration tests, then the release build and the
# Playwright tests in Debian's Chromium. Installs whatever is missing first.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."

scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$PATH"

echo "[test] cargo test"
cargo test --workspace --locked

echo "[test] release build"
cargo leptos build --release

echo "[test] browser tests"
cd end2end
npx playwright test
