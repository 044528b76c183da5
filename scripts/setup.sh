#!/usr/bin/env bash
# Installs what building the console needs, skipping whatever is already present:
# the wasm32 target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock, and the npm tools
# (binaryen's wasm-opt, Playwright, axe-core). With --browser it also installs Debian's Chromium.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
with_browser=false
[[ "${1:-}" == "--browser" ]] && with_browser=true

log() { printf '[setup] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores)"
  # no_downloads: cargo-leptos uses the tools on PATH and never fetches its own.
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION" --features no_downloads
fi

# The CLI must be the exact version of the wasm-bindgen crate that Cargo.lock resolves.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wasm_bindgen_version\$"; then
  log "installing wasm-bindgen-cli $wasm_bindgen_version"
  # Without --locked: the CLI's own lock file names a crate release the registry may lack.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

if [[ ! -x end2end/node_modules/.bin/wasm-opt || ! -d end2end/node_modules/@playwright/test ]]; then
  log "installing npm packages in end2end/"
  (cd end2end && npm ci --no-audit --no-fund)
fi

if $with_browser && ! command -v chromium >/dev/null; then
  log "installing Debian's chromium"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

log "ready"
