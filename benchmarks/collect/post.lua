-- wrk script: POST a tracker batch; each request comes from a random client address
-- (X-Forwarded-For, trusted from 127.0.0.1 in the benchmark) so visits spread out.
local body = os.getenv("BENCH_BODY_FILE")
local f = io.open(body, "rb")
local payload = f:read("*a")
f:close()
math.randomseed(os.time())
request = function()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("POST", nil, {
    ["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    ["X-Forwarded-For"] = ip,
  }, payload)
end
