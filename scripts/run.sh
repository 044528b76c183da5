#!/usr/bin/env bash
# Installs what is missing, builds the release site and serves it on http://127.0.0.1:3000 with
# the embedded defaults: SQLite and a generated master key in ./data.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
exec cargo leptos serve --release
