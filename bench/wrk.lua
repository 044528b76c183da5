-- wrk script of bench/run.sh: sends the method and body given in the environment and prints
-- machine-readable totals, counting every response outside 2xx (wrk itself counts only >= 400).
--
-- Environment: BENCH_METHOD (default GET), BENCH_BODY (optional request body).
-- Headers (cookie, Origin, Content-Type) come from wrk's -H options.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non_2xx = 0
  last_non_2xx_status = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    last_non_2xx_status = status
  end
end

function done(summary, latency, requests)
  local non_2xx_total = 0
  local example_status = 0
  for _, thread in ipairs(threads) do
    non_2xx_total = non_2xx_total + thread:get("non_2xx")
    local status = thread:get("last_non_2xx_status")
    if status ~= 0 then
      example_status = status
    end
  end
  local errors = summary.errors
  io.write(string.format("bench requests %d\n", summary.requests))
  io.write(string.format("bench duration_us %d\n", summary.duration))
  io.write(string.format("bench p50_us %d\n", latency:percentile(50)))
  io.write(string.format("bench p99_us %d\n", latency:percentile(99)))
  io.write(string.format("bench non_2xx %d\n", non_2xx_total))
  io.write(string.format("bench non_2xx_example_status %d\n", example_status))
  io.write(string.format("bench socket_errors %d\n", errors.connect + errors.read + errors.write + errors.timeout))
end
