-- wrk script: every request GETs the next query string of a list file (bench/endpoint.py writes it).
--
--   wrk -t2 -c8 -d10s -s bench/wrk/cycle.lua http://127.0.0.1:PORT -- LIST_FILE THREADS PATH
--
-- LIST_FILE: one URL-encoded query string per line ("query=..."); PATH: the endpoint's path
-- ("/sparql", "/query"). Thread k of THREADS starts at line k * lines / THREADS and then cycles
-- through the whole list, so every server driven with the same list and threads sees the same
-- sequence of requests. Headers given with -H (Accept) are sent with every request.

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      lines[#lines + 1] = line
    end
  end
  assert(#lines > 0, "empty query list " .. args[1])
  local threads = tonumber(args[2] or "1")
  prefix = (args[3] or "/sparql") .. "?"
  i = math.floor((id or 0) * #lines / threads)
end

function request()
  i = i % #lines + 1
  return wrk.format(nil, prefix .. lines[i])
end
