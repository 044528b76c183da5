#!/usr/bin/env bash
# Builds the release site and measures the Guardian console against its performance targets:
# page weight, hydration time, server throughput, credential resolution and server memory.
# Prints every figure next to its target and a summary table, and exits 1 when a target is
# missed (2 when the run itself fails). BENCHMARKS.md describes the method.
#
# Everything runs on 127.0.0.1: a release server on a throwaway data directory, wrk, headless
# Chromium, and a criterion benchmark whose Bedrock endpoint is 127.0.0.1:9. Nothing reaches AWS.
#
# Settings (environment):
#   BENCH_PORT          port of the server under test (default 3300)
#   BENCH_SECONDS       duration of each wrk run in seconds (default 10)
#   BENCH_LOADS         page loads per page and cache state in the hydration run (default 20)
#   BENCH_SKIP_BUILD=1  measure the existing target/release/server and target/site
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."
root=$PWD

port=${BENCH_PORT:-3300}
wrk_seconds=${BENCH_SECONDS:-10}
wrk_threads=2
wrk_connections=16
loads=${BENCH_LOADS:-20}
skip_build=${BENCH_SKIP_BUILD:-0}
target_dir=${CARGO_TARGET_DIR:-$root/target}
out_dir=$target_dir/bench

# Targets. Sizes use decimal units: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes.
page_weight_max_bytes=260000
settings_min_share=0.40
status_min_share=0.50
replace_min_rps=500
replace_max_p99_ms=50
resolve_max_us=100
idle_rss_max_bytes=40000000
loaded_rss_max_bytes=120000000

admin_email=bench@example.com
admin_password='bench password 123'
access_key_id=AKIAIOSFODNN7EXAMPLE
access_secret='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
base=http://127.0.0.1:$port

log() { printf '\n[bench] %s\n' "$*"; }
die() {
  printf '[bench] error: %s\n' "$*" >&2
  exit 2
}

# --- Results --------------------------------------------------------------------------------

result_rows=()
missed=0

# record FIGURE RESULT TARGET VERDICT: VERDICT is pass, FAIL or "no target".
record() {
  result_rows+=("| $1 | $2 | $3 | $4 |")
  [[ "$4" == FAIL ]] && missed=$((missed + 1))
  printf '  %-44s %-26s target %-24s %s\n' "$1" "$2" "$3" "$4"
}

# verdict CONDITION: prints pass when the awk condition holds, otherwise FAIL.
verdict() {
  if awk "BEGIN { exit !($1) }"; then echo pass; else echo FAIL; fi
}

kilobytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f KB", bytes / 1000 }'; }
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB", bytes / 1000000 }'; }

# --- Tools ----------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "wrk is missing; install it with: apt-get install -y wrk"
  log "installing wrk from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v node >/dev/null || die "node is missing; scripts/setup.sh lists what the build needs"
[[ -x /usr/bin/chromium || -n "${CHROMIUM_PATH:-}" ]] || die "chromium is missing; run: scripts/setup.sh --browser"
[[ -d end2end/node_modules/playwright-core ]] || die "end2end/node_modules is missing; run: scripts/setup.sh"

mkdir -p "$out_dir"
# Other work on the machine skews every figure, so the load average is printed before and after.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 * 1024 / 1e9 }' /proc/meminfo) memory, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
log "load average (1, 5, 15 min) before the run: $(load_average)"

# --- Build ----------------------------------------------------------------------------------

if [[ "$skip_build" != 1 ]]; then
  log "building the release site (cargo leptos build --release)"
  PATH="$root/end2end/node_modules/.bin:$PATH" cargo leptos build --release
  log "building the credential resolution benchmark"
  cargo bench -p guardian-core --bench resolve --no-run
fi
[[ -x target/release/server && -d target/site/pkg ]] || die "target/release/server or target/site/pkg is missing; run without BENCH_SKIP_BUILD"

work_dir=$(mktemp -d /tmp/guardian-bench.XXXXXX)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -f "$work_dir/server.log" ]]; then
    cp "$work_dir/server.log" "$out_dir/server.log"
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Every step measures a copy of the build, so another build in this work tree cannot replace the
# files halfway through the run.
cp -r target/site "$work_dir/site"
cp target/release/server "$work_dir/server"
server_bin=$work_dir/server

# --- 1. Page weight -------------------------------------------------------------------------

log "1. page weight: target/site/pkg/*.wasm and *.js (copied), gzip -9"
raw_total=0
gzip_total=0
shopt -s nullglob
bundle_files=("$work_dir"/site/pkg/*.wasm "$work_dir"/site/pkg/*.js)
shopt -u nullglob
((${#bundle_files[@]} > 0)) || die "target/site/pkg contains no .wasm or .js file; run without BENCH_SKIP_BUILD"
for file in "${bundle_files[@]}"; do
  raw=$(stat -c %s "$file")
  gzipped=$(gzip -9 -c "$file" | wc -c)
  raw_total=$((raw_total + raw))
  gzip_total=$((gzip_total + gzipped))
  printf '  %-34s raw %10s  gzip %10s\n' "pkg/${file##*/}" "$(kilobytes "$raw")" "$(kilobytes "$gzipped")"
done
record "Page weight, WASM + JS, raw" "$(kilobytes "$raw_total")" "-" "no target"
record "Page weight, WASM + JS, gzip -9" "$(kilobytes "$gzip_total")" "<= $(kilobytes "$page_weight_max_bytes")" \
  "$(verdict "$gzip_total <= $page_weight_max_bytes")"

# --- 4. Credential resolution (before the server starts, so nothing competes for the CPU) ----

log "4. credential resolution: criterion, 1 s warm-up, 3 s measurement per function"
rm -rf "$target_dir/criterion/resolve" "$target_dir/criterion/resolve_changed"
cargo bench -p guardian-core --bench resolve -- --warm-up-time 1 --measurement-time 3 | tee "$out_dir/resolve.txt"
criterion_mean_us() { # criterion_mean_us GROUP/FUNCTION
  local estimates=$target_dir/criterion/$1/new/estimates.json
  [[ -f "$estimates" ]] || die "criterion wrote no $estimates"
  node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log((e.mean.point_estimate / 1000).toFixed(2))' "$estimates"
}
resolve_us=$(criterion_mean_us resolve/client_for)
changed_us=$(criterion_mean_us resolve_changed/client_for_changed)
read_pair_us=$(criterion_mean_us resolve/read_pair)
open_us=$(criterion_mean_us resolve/keyring_open)
record "Credential resolution, client_for mean" "$resolve_us µs" "< $resolve_max_us µs" "$(verdict "$resolve_us < $resolve_max_us")"
record "  client_for after a replace (new client)" "$changed_us µs" "-" "no target"
record "  read_pair: query and decrypt" "$read_pair_us µs" "-" "no target"
record "  keyring open: decrypt only" "$open_us µs" "-" "no target"
client_build_us=$(awk -v total="$changed_us" -v read="$read_pair_us" 'BEGIN { printf "%.2f", total - read }')
record "  SDK client build: changed - read_pair" "$client_build_us µs" "-" "no target"

# --- Server ---------------------------------------------------------------------------------

log "starting the release server on $base with a throwaway data directory"
if curl -s -o /dev/null --max-time 2 "$base/healthz"; then
  die "port $port is in use: a server responds at $base; set BENCH_PORT to a free port"
fi

export LEPTOS_OUTPUT_NAME=guardian
export LEPTOS_SITE_ROOT=$work_dir/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=127.0.0.1:$port
export LEPTOS_ENV=PROD
export GUARDIAN_PUBLIC_URL=$base
export GUARDIAN_DATA_DIR=$work_dir/data
# A fixed key (base64 of these 32 bytes) for a throwaway database. Never use it elsewhere.
GUARDIAN_MASTER_KEY=$(printf '%s' 'guardian-bench-master-key-32byte' | base64)
export GUARDIAN_MASTER_KEY
# The default level, as deployed: replace and sign-in log one line per request.
export RUST_LOG=info
# Bedrock and every other AWS endpoint point at 127.0.0.1:9, which refuses connections, and
# the AWS SDK reads no credentials or profiles of the user running the benchmark.
export GUARDIAN_BEDROCK_ENDPOINT=http://127.0.0.1:9
export GUARDIAN_BEDROCK_INSTANCE_METADATA=false
export AWS_ENDPOINT_URL=$GUARDIAN_BEDROCK_ENDPOINT
export AWS_CONFIG_FILE=$work_dir/no-aws-config
export AWS_SHARED_CREDENTIALS_FILE=$work_dir/no-aws-credentials
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
  AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  AWS_CONTAINER_CREDENTIALS_FULL_URI

printf '%s\n' "$admin_password" |
  "$server_bin" user add --org Bench --email "$admin_email" --role admin >"$work_dir/server.log" 2>&1 ||
  die "could not create the admin account; see $out_dir/server.log"

"$server_bin" >>"$work_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -s -o /dev/null --max-time 1 "$base/healthz" && break
  kill -0 "$server_pid" 2>/dev/null || die "the server exited at startup; see $out_dir/server.log"
  sleep 0.5
done
curl -sf -o /dev/null --max-time 2 "$base/healthz" || die "GET /healthz timed out: the server did not respond within 30 s; see $out_dir/server.log"

rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$server_pid/status"; }

# --- 5a. Idle memory ------------------------------------------------------------------------

sleep 2
idle_rss=$(rss_bytes)
log "5. server memory, idle after start"
record "Server memory (VmRSS), idle after start" "$(megabytes "$idle_rss")" "<= $(megabytes "$idle_rss_max_bytes")" \
  "$(verdict "$idle_rss <= $idle_rss_max_bytes")"

# --- Sign in and save keys once ---------------------------------------------------------------

form_post() { # form_post PATH [curl options...]: prints the HTTP status; the body goes to $work_dir/response
  local path=$1
  shift
  curl -s -o "$work_dir/response" -w '%{http_code}' -H "Origin: $base" \
    -H 'Content-Type: application/x-www-form-urlencoded' "$@" "$base$path"
}

status=$(form_post /api/auth/login -D "$work_dir/login.headers" \
  --data-urlencode "email=$admin_email" --data-urlencode "password=$admin_password")
[[ "$status" == 200 ]] || die "sign-in returned $status: $(head -c 300 "$work_dir/response")"
session=$(sed -n 's/^[Ss]et-[Cc]ookie: guardian_session=\([^;]*\).*/\1/p' "$work_dir/login.headers" | tr -d '\r' | head -n 1)
[[ -n "$session" ]] || die "sign-in set no guardian_session cookie"
cookie="guardian_session=$session"
key_form="access_key=$access_key_id&access_secret=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$access_secret")"

status=$(form_post /api/keys/save -H "Cookie: $cookie" --data "$key_form")
[[ "$status" == 200 ]] || die "saving the keys returned $status: $(head -c 300 "$work_dir/response")"
for check in "GET /settings/ai/api-keys" "POST /api/keys/status" "POST /api/keys/replace"; do
  read -r method path <<<"$check"
  if [[ "$method" == GET ]]; then
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$path")
  elif [[ "$path" == /api/keys/replace ]]; then
    status=$(form_post "$path" -H "Cookie: $cookie" --data "$key_form")
  else
    status=$(form_post "$path" -H "Cookie: $cookie" --data '')
  fi
  [[ "$status" == 200 ]] || die "$method $path returned $status before the load test"
done

# --- 2. Hydration -----------------------------------------------------------------------------

log "2. hydration: $loads loads per page and cache state, headless Chromium"
BENCH_BASE_URL=$base BENCH_SESSION_COOKIE=$session BENCH_LOADS=$loads BENCH_RESULTS_JSON=$out_dir/hydration.json \
  node bench/hydration.mjs || die "the hydration benchmark failed"
hydration_figure() { # hydration_figure KEY: "median / p95 ms"
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]];
    console.log(`${r.median.toFixed(0)} / ${r.p95.toFixed(0)} ms`)' "$out_dir/hydration.json" "$1"
}
record "Hydration, API Keys, cold cache (median / p95)" "$(hydration_figure 'api-keys cold')" "-" "no target"
record "Hydration, /login, cold cache (median / p95)" "$(hydration_figure 'login cold')" "-" "no target"
record "Hydration, API Keys, warm cache (median / p95)" "$(hydration_figure 'api-keys warm')" "-" "no target"
record "Hydration, /login, warm cache (median / p95)" "$(hydration_figure 'login warm')" "-" "no target"

# --- 3. Throughput ----------------------------------------------------------------------------

log "3. throughput: wrk, $wrk_threads threads, $wrk_connections connections, $wrk_seconds s per route"

# run_wrk NAME METHOD PATH BODY: runs wrk and sets rps, p50_ms, p99_ms and errors.
run_wrk() {
  local name=$1 method=$2 path=$3 body=$4
  local output=$out_dir/wrk-$name.txt
  BENCH_METHOD=$method BENCH_BODY=$body wrk -t "$wrk_threads" -c "$wrk_connections" -d "${wrk_seconds}s" \
    --timeout 5s -s bench/wrk.lua -H "Cookie: $cookie" -H "Origin: $base" \
    -H 'Content-Type: application/x-www-form-urlencoded' "$base$path" >"$output"
  field() { awk -v key="$1" '$1 == "bench" && $2 == key { print $3 }' "$output"; }
  local requests duration_us non_2xx socket_errors
  requests=$(field requests)
  duration_us=$(field duration_us)
  non_2xx=$(field non_2xx)
  socket_errors=$(field socket_errors)
  [[ -n "$requests" && -n "$duration_us" ]] || die "wrk printed no totals for $name; see $output"
  rps=$(awk -v n="$requests" -v us="$duration_us" 'BEGIN { printf "%.0f", n * 1e6 / us }')
  p50_ms=$(awk -v us="$(field p50_us)" 'BEGIN { printf "%.2f", us / 1000 }')
  p99_ms=$(awk -v us="$(field p99_us)" 'BEGIN { printf "%.2f", us / 1000 }')
  errors=$((non_2xx + socket_errors))
  printf '  %-24s %6s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s (last status %s)  socket errors %s\n' \
    "$method $path" "$rps" "$p50_ms" "$p99_ms" "$non_2xx" "$(field non_2xx_example_status)" "$socket_errors"
}

throughput_figure() { echo "$rps req/s, p50 $p50_ms ms, p99 $p99_ms ms"; }
error_verdict() { if ((errors == 0)); then echo pass; else echo FAIL; fi; }

# record_share LABEL MIN_SHARE: records the last wrk run next to its share of the reference's
# requests per second, which must be at least MIN_SHARE (a fraction).
record_share() {
  local share
  share=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
  record "$1" "$(throughput_figure) ($share% of bare)" \
    ">= $(awk -v s="$2" 'BEGIN { print 100 * s }')% of bare" \
    "$(verdict "$rps >= $2 * $bare_rps")"
}

# The reference is GET /bench/bare, which checks the session and returns a constant, when the
# server has it. Otherwise GET /healthz replaces it: with the session cookie it passes the same
# session middleware (one session read and one user read) and returns "ok", but unlike the bare
# route it also responds to anonymous requests, which this run never sends.
if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/bench/bare") == 200 ]]; then
  bare_path=/bench/bare
  bare_label="Bare route: GET /bench/bare, signed in"
else
  bare_path=/healthz
  bare_label="Bare route stand-in: GET /healthz, signed in"
fi
run_wrk bare GET "$bare_path" ''
bare_rps=$rps
bare_errors=$errors
record "$bare_label" "$(throughput_figure)" "reference" "no target"

run_wrk settings GET /settings/ai/api-keys ''
settings_errors=$errors
record_share "GET /settings/ai/api-keys" "$settings_min_share"

run_wrk status POST /api/keys/status ''
status_errors=$errors
record_share "POST /api/keys/status" "$status_min_share"

run_wrk replace POST /api/keys/replace "$key_form"
replace_errors=$errors
record "POST /api/keys/replace" "$(throughput_figure)" ">= $replace_min_rps req/s, p99 < $replace_max_p99_ms ms" \
  "$(verdict "$rps >= $replace_min_rps && $p99_ms < $replace_max_p99_ms")"

total_errors=$((bare_errors + settings_errors + status_errors + replace_errors))
errors=$total_errors
record "Errors (non-2xx and socket) in all wrk runs" "$total_errors" "0" "$(error_verdict)"

# --- 5b. Memory after the load ----------------------------------------------------------------

loaded_rss=$(rss_bytes)
log "5. server memory after the throughput runs"
record "Server memory (VmRSS), after throughput" "$(megabytes "$loaded_rss")" "<= $(megabytes "$loaded_rss_max_bytes")" \
  "$(verdict "$loaded_rss <= $loaded_rss_max_bytes")"

# --- Summary ----------------------------------------------------------------------------------

{
  echo "| Figure | Result | Target | Verdict |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${result_rows[@]}"
} >"$out_dir/results.md"
log "load average (1, 5, 15 min) after the run: $(load_average)"
log "summary (also in $out_dir/results.md)"
cat "$out_dir/results.md"
if ((missed > 0)); then
  log "$missed target(s) missed"
  exit 1
fi
log "all targets met"
