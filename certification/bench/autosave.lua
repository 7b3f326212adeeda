-- wrk script for the autosave benchmark: cycles through (save token, attempt, item)
-- rows written by bench_exam, sending a growing revision each time, as the exam
-- page does (the X-Attempt-Token header takes the autosave fast path).
local rows = {}
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local token, attempt, item, choice = line:match("(%S+) (%S+) (%S+) (%S+)")
    rows[#rows + 1] = {token = token, attempt = attempt, item = item, choice = choice}
  end
  counter = id * 7919
end

function request()
  counter = counter + 1
  local row = rows[(counter % #rows) + 1]
  local body = string.format('{"response": {"choice": "%s"}, "revision": %d}', row.choice, counter)
  return wrk.format("PUT", "/api/v1/attempts/" .. row.attempt .. "/answers/" .. row.item .. "/",
    {["X-Attempt-Token"] = row.token, ["Content-Type"] = "application/json"}, body)
end
