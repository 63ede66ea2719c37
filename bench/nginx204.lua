-- wrk script for the baseline: GET /204 through the same Lua request() path as
-- bench/webhook.lua, so both runs pay the same client cost per request.
local prepared = wrk.format("GET", "/204")
request = function()
  return prepared
end
done = function(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
