-- Runs last in every new script state: Redis's read-only globals and
-- library tables, and its error for reading an undefined global; then
-- records what a script could change, for host.pristine.
local host = ...
local error, format, tostring, setmetatable, ipairs = error, string.format, tostring, setmetatable, ipairs
local next, rawequal, getmetatable = next, rawequal, getmetatable

local function readonly()
  error('Attempt to modify a readonly table', 2)
end

local protect = { __newindex = readonly, __metatable = false }
for _, lib in ipairs({ redis, string, math, table, coroutine, cjson, cmsgpack, bit, struct }) do
  setmetatable(lib, protect)
end
setmetatable(_G, {
  __index = function(_, name)
    error(format("Script attempted to access nonexistent global variable '%s'", tostring(name)), 2)
  end,
  __newindex = readonly,
  __metatable = false,
})

-- Everything a script can reach and change: the globals, the library
-- tables and the metatable of strings. Their metatables are protected
-- (__metatable = false), except the string metatable's, checked as well.
local string_mt = getmetatable('')
local watched = { _G, redis, string, math, table, coroutine, cjson, cmsgpack, bit, struct, string_mt }
assert(type(string_mt) == 'table', 'strings have a metatable table')
local per_call = { KEYS = true, ARGV = true }
local baseline, sizes = {}, {}
for i, t in ipairs(watched) do
  local copy, n = {}, 0
  for k, v in next, t do
    if not (t == _G and per_call[k]) then
      copy[k] = v
      n = n + 1
    end
  end
  baseline[i], sizes[i] = copy, n
end

-- True if every watched table holds exactly what it held when the state
-- was built (KEYS and ARGV aside, which every call sets), so that the
-- next call sees the state a new one would have.
function host.pristine()
  if getmetatable(string_mt) ~= nil then
    return false
  end
  for i, t in ipairs(watched) do
    local copy, n = baseline[i], 0
    for k, v in next, t do
      if not (t == _G and per_call[k]) then
        if not rawequal(copy[k], v) then
          return false
        end
        n = n + 1
      end
    end
    if n ~= sizes[i] then
      return false
    end
  end
  return true
end
