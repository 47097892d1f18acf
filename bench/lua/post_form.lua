-- POST a urlencoded form read from the file named by the BODY_FILE environment variable,
-- with the cookie from COOKIE. Each request gets a fresh value substituted for {{NONCE}}.
local body_template, cookie
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
  body_template = f:read("*a")
  f:close()
  cookie = os.getenv("COOKIE") or ""
  math.randomseed(os.time() + id * 7919)
end

function request()
  counter = counter + 1
  local nonce = string.format("b%d%d%08x", id, counter, math.random(0, 0x7fffffff))
  local body = body_template:gsub("{{NONCE}}", nonce)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

