-- wrk script for bench/run. Configured through the environment, so one file serves every scenario:
--   BENCH_COOKIE       sent as the Cookie header of every request (e.g. BALANCEID=balancer.node1)
--   BENCH_EXPECT_NODE  check that every response carries X-Node: <this> and status 200, and count
--                      the ones that do not (defining response() makes wrk parse every response's
--                      headers, so only the sticky scenarios pay for it)
--   BENCH_BODY_BYTES   POST a form body of this many bytes to the URL instead of a GET (post-*)
--   BENCH_MODE=warmup  rotate over the three request kinds the scenarios send (/, / with the
--                      sticky cookie, /64k), so every code path is warm before measuring; and a
--                      POST of BENCH_WARM_POST_BYTES to / as a fourth when that is set
-- done() prints one line, "BENCH_RESULT {json}", that bench/bench.py reads.

local cookie = os.getenv("BENCH_COOKIE") or ""
local expect = os.getenv("BENCH_EXPECT_NODE") or ""
local mode = os.getenv("BENCH_MODE") or ""
local body_bytes = tonumber(os.getenv("BENCH_BODY_BYTES") or "") or 0
local warm_post_bytes = tonumber(os.getenv("BENCH_WARM_POST_BYTES") or "") or 0

if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

-- A form body of n bytes: "field=" and then letters.
local function form(n)
  return "field=" .. string.rep("a", n - 6)
end

if body_bytes > 0 then
  wrk.method = "POST"
  wrk.body = form(body_bytes)
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

-- Per-thread counters: each wrk thread runs its own copy of this script; done() adds them up.
checked = 0
wrong_node = 0
wrong_status = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if mode == "warmup" then
  local kinds = nil
  local i = 0
  function init(args)
    kinds = {
      wrk.format("GET", "/"),
      wrk.format("GET", "/", { ["Cookie"] = "BALANCEID=balancer.node1" }),
      wrk.format("GET", "/64k"),
    }
    if warm_post_bytes > 0 then
      table.insert(kinds, wrk.format("POST", "/",
        { ["Content-Type"] = "application/x-www-form-urlencoded" }, form(warm_post_bytes)))
    end
  end
  function request()
    i = i + 1
    return kinds[(i % #kinds) + 1]
  end
end

if expect ~= "" then
  function response(status, headers, body)
    checked = checked + 1
    -- Header names arrive as each proxy spelled them (HAProxy sends them in lower case).
    local node = headers["X-Node"] or headers["x-node"]
    if node ~= expect then
      wrong_node = wrong_node + 1
    end
    if status ~= 200 then
      wrong_status = wrong_status + 1
    end
  end
end

function done(summary, latency, requests)
  local c, wn, ws = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("checked") or 0)
    wn = wn + (t:get("wrong_node") or 0)
    ws = ws + (t:get("wrong_status") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"checked":%d,"wrong_node":%d,"wrong_status":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, c, wn, ws))
end
