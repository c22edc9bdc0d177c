-- wrk script: cycle GETs through the pages of the synthetic site
-- (src/benchsite), or through files named like them under nginx.
--
--   wrk -s bench/site_wrk.lua http://127.0.0.1:PORT/ -- PAGES [PREFIX]
--
-- PAGES (default 1000): pages 0..PAGES-1, page 0 being PREFIX itself and
-- page i "PREFIX p/<i>.html". PREFIX defaults to "/".
-- Each wrk thread starts at a different page so that they do not march in
-- step.

local pages = 1000
local prefix = "/"
local counter = 0
local thread_index = 0

function setup(thread)
  thread:set("thread_index", thread_index)
  thread_index = thread_index + 1
end

function init(args)
  if args[1] then pages = tonumber(args[1]) end
  if args[2] then prefix = args[2] end
  counter = (thread_index * 7919) % pages
end

function request()
  local i = counter
  counter = (counter + 1) % pages
  if i == 0 then
    return wrk.format("GET", prefix)
  end
  return wrk.format("GET", prefix .. "p/" .. i .. ".html")
end
