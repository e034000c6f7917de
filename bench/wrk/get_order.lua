-- wrk: GET /api/v1/orders/{id} with a bearer token and a fresh X-Request-ID (a UUID v4) per
-- request. Env: BENCH_TOKEN, BENCH_ORDER_ID.
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN unset")
local order = os.getenv("BENCH_ORDER_ID") or error("BENCH_ORDER_ID unset")
local path = "/api/v1/orders/" .. order
local auth = "Bearer " .. token
local hex = "0123456789abcdef"

local function uuid4()
  local t = {}
  for i = 1, 32 do
    local r = math.random(1, 16)
    if i == 13 then r = 5 end                  -- version 4
    if i == 17 then r = 9 + (r % 4) end        -- variant 10xx
    t[#t + 1] = hex:sub(r, r)
  end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

function setup(thread)
  thread:set("seed", math.random(1, 2^30))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  return wrk.format("GET", path, { ["Authorization"] = auth, ["X-Request-ID"] = uuid4() })
end

-- Print non-2xx counts at the end (wrk only counts them).
function done(summary, latency, requests)
  io.write(string.format("LAT_US p50=%d p90=%d p99=%d p999=%d max=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
