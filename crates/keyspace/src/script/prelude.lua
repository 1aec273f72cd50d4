-- keel's scripting prelude: runs once in every new script state, after
-- the libraries are installed and before the user's code. It builds the
-- parts of Redis's Lua API that are easiest to state in Lua (error
-- objects, pcall, tostring); protect.lua makes the globals read-only last.
local host, where, budget_hit = ...

local raw_pcall, raw_xpcall, raw_resume = pcall, xpcall, coroutine.resume
local type, tostring, error, select, unpack = type, tostring, error, select, unpack
local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local format = string.format

local function pack(...)
  return { n = select('#', ...), ... }
end

-- A budget error is final: no pcall, xpcall or coroutine may swallow it.
local function final(ok, ...)
  if not ok and budget_hit() then
    error((...), 0)
  end
  return ok, ...
end

-- Redis 7.0's pcall: an error object with an 'err' field becomes its text.
pcall = function(...)
  local r = pack(raw_pcall(...))
  if not r[1] then
    final(false, r[2])
    local e = r[2]
    if type(e) == 'table' then
      local text = rawget(e, 'err')
      if type(text) == 'string' or type(text) == 'number' then
        r[2] = text
      end
    end
  end
  return unpack(r, 1, r.n)
end

xpcall = function(f, handler)
  return final(raw_xpcall(f, handler))
end

coroutine.resume = function(...)
  return final(raw_resume(...))
end

-- coroutine.wrap over the budgeted coroutine.create.
local create = coroutine.create
coroutine.wrap = function(f)
  local co = create(f)
  return function(...)
    local r = pack(raw_resume(co, ...))
    if not r[1] then
      error(r[2], 0)
    end
    return unpack(r, 2, r.n)
  end
end

-- Deterministic tostring: objects without __tostring are numbered in the
-- order the script first prints them instead of showing their address,
-- which differs between replicas.
local raw_tostring = tostring
local ids, last_id = setmetatable({}, { __mode = 'k' }), 0
rawset(_G, 'tostring', function(v)
  local t = type(v)
  if t == 'table' or t == 'function' or t == 'thread' or t == 'userdata' then
    local mt = getmetatable(v)
    if not (type(mt) == 'table' and rawget(mt, '__tostring')) then
      local id = ids[v]
      if not id then
        last_id = last_id + 1
        id = last_id
        ids[v] = id
      end
      return format('%s: 0x%08x', t, id)
    end
  end
  return raw_tostring(v)
end)

-- A reused state starts every call with the numbering of a new one.
function host.reset()
  ids, last_id = setmetatable({}, { __mode = 'k' }), 0
end

-- Redis's error handler: the error object gets the source and line of the
-- user code that raised it.
function host.handler(e)
  local source, line = where()
  if type(e) ~= 'table' then
    e = { err = 'ERR ' .. raw_tostring(e) }
  end
  if source then
    rawset(e, 'source', source)
    rawset(e, 'line', line)
  end
  return e
end

rawset(_G, '__redis__err__handler', host.handler)

function host.run(f)
  return raw_xpcall(f, host.handler)
end

function host.fcall(f, keys, args)
  return raw_xpcall(function()
    return f(keys, args)
  end, host.handler)
end

