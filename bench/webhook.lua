-- wrk script: POSTs the pre-signed webhook events in turn (one per request).
-- EVENTS_FILE names the file written by make_webhook_requests.py (signature TAB body a line).
-- Requests are formatted once at start, so per request wrk only returns a prepared string,
-- exactly as bench/healthz.lua does for the baseline: the client costs the same on both.
requests = {}
for line in io.lines(os.getenv("EVENTS_FILE")) do
  local sig, body = line:match("^(%x+)\t(.*)$")
  requests[#requests + 1] = wrk.format("POST", "/webhook",
    {["Host"] = "127.0.0.1", ["Content-Type"] = "application/json", ["momento-signature"] = sig}, body)
end
assert(#requests > 0, "no events in " .. tostring(os.getenv("EVENTS_FILE")))
local i = 0
request = function()
  i = i % #requests + 1
  return requests[i]
end
-- Count non-2xx answers so a run that is all errors cannot pass for fast.
done = function(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
