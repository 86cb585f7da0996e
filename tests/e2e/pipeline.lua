-- wrk script (test_peer_wrk_pipeline.sh): each write carries one GET per path below, pipelined; every
-- response body must be "<path>\n" of the request in the same position, so a response out of order,
-- lost or doubled is counted. Run with as many connections as threads (-t N -c N): wrk then gives each
-- thread one connection, and a thread's responses arrive in that connection's order.
local paths = {"/p/1", "/p/2", "/p/3", "/p/4", "/p/5", "/p/6"}
threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  local r = {}
  for i, p in ipairs(paths) do r[i] = wrk.format("GET", p) end
  req = table.concat(r)
  n, bad, first_bad = 0, 0, ""
end

request = function()
  return req
end

response = function(status, headers, body)
  local want = paths[(n % #paths) + 1]
  if status ~= 200 or body ~= want .. "\n" then
    bad = bad + 1
    if first_bad == "" then
      first_bad = string.format("response %d: status %d body %q, wanted %s", n, status, body or "", want)
    end
  end
  n = n + 1
end

done = function(summary, latency, requests)
  local total, wrong = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("n")
    wrong = wrong + t:get("bad")
    local fb = t:get("first_bad")
    if fb ~= "" then io.write("pipeline: first mismatch: " .. fb .. "\n") end
  end
  io.write(string.format("pipeline: responses %d mismatched %d\n", total, wrong))
end
