-- wrk script for the baseline: GET /healthz through the same Lua request() path as
-- bench/webhook.lua, so both runs pay the same client cost per request.
local prepared = wrk.format("GET", "/healthz", {["Host"] = "127.0.0.1"})  -- HTTP/1.1 needs Host
request = function()
  return prepared
end
done = function(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
