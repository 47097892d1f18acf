-- GET with the cookie from COOKIE (a logged-in staff session) and a fixed User-Agent (the session
-- is bound to it by Flask-Login's strong session protection).
local cookie = os.getenv("COOKIE") or ""
local agent = os.getenv("AGENT") or "portal-bench"
function request()
  return wrk.format("GET", nil, { ["Cookie"] = cookie, ["User-Agent"] = agent })
end
