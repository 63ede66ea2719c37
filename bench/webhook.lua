-- wrk script: POSTs the pre-signed webhook events in turn (one per request).
-- EVENTS_FILE names the file written by make_webhook_requests.py (signature TAB body a line).
events = {}
for line in io.lines(os.getenv("EVENTS_FILE")) do
  local sig, body = line:match("^(%x+)\t(.*)$")
  events[#events + 1] = {body, sig}
end
assert(#events > 0, "no events in " .. tostring(os.getenv("EVENTS_FILE")))
local i = 0
request = function()
  i = i % #events + 1
  local e = events[i]
  return wrk.format("POST", "/webhook",
    {["Content-Type"] = "application/json", ["momento-signature"] = e[2]}, e[1])
end
-- Count non-2xx answers so a run that is all errors cannot pass for fast.
local bad = 0
response = function(status, headers, body)
  if status ~= 204 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
