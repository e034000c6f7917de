-- wrk: the comparison workload W as a raw request stream. Each connection alternates
-- POST /api/v1/orders (expects 201, captures order_id) and GET /api/v1/orders/{order_id}
-- (expects 200). Env: BENCH_TOKEN. Bodies are parsed only with string.match: the ceiling.
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN unset")
local auth = "Bearer " .. token
local body = os.getenv("BENCH_ORDER_JSON") or error("BENCH_ORDER_JSON unset")
local hex = "0123456789abcdef"
local pending = {}   -- order ids created on this thread, not yet read back
local bad = 0

local function uuid4()
  local t = {}
  for i = 1, 32 do
    local r = math.random(1, 16)
    if i == 13 then r = 5 end
    if i == 17 then r = 9 + (r % 4) end
    t[#t + 1] = hex:sub(r, r)
  end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

local threads = {}
function setup(thread)
  thread:set("seed", math.random(1, 2^30))
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local id = table.remove(pending)
  if id then
    return wrk.format("GET", "/api/v1/orders/" .. id,
      { ["Authorization"] = auth, ["X-Request-ID"] = uuid4() })
  end
  return wrk.format("POST", "/api/v1/orders",
    { ["Authorization"] = auth, ["X-Request-ID"] = uuid4(), ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, b)
  if status == 201 then
    local id = b:match('"order_id":"(ORD%-%d+)"')
    if id and b:find('"status":"pending"', 1, true) then
      table.insert(pending, id)
    else
      bad = bad + 1
    end
  elseif status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + (t:get("bad") or 0) end
  io.write(string.format("LAT_US p50=%d p90=%d p99=%d p999=%d max=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
  io.write(string.format("BAD %d\n", b))
end
