-- wrk script for bench/bench_webhook.py: replays pre-signed Twilio webhooks.
--
--   wrk -t2 -c16 -d10s -s bench/wrk_signed.lua URL -- FILE 2
--
-- FILE has one request per line, "signature<TAB>form body", signed for URL by the bench with
-- twilio's own RequestValidator (wrk's LuaJIT has no HMAC-SHA1, and signing here would cost
-- the load generator CPU). Thread i of n takes lines i, i+n, ...: every request is sent once;
-- a thread that runs out starts again and counts it in `wrapped` (the bench refuses such a run:
-- a repeated MessageSid is a cheaper duplicate, not a capture). No response() callback: wrk
-- then parses only the status line and headers, keeping the generator's own CPU low.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(args[2]) or 1  -- the number of wrk threads (-t)
  prepared, count, position, wrapped = {}, 0, 0, 0
  local line_number = 0
  for line in io.lines(args[1]) do
    if line_number % stride == index then
      local signature, body = line:match("^([^\t]*)\t(.*)$")
      count = count + 1
      prepared[count] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
        ["User-Agent"] = "TwilioProxy/1.1",
      }, body)
    end
    line_number = line_number + 1
  end
end

function request()
  position = position + 1
  if position > count then
    position, wrapped = 1, wrapped + 1
  end
  return prepared[position]
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f, "wrapped": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, wraps))
end
