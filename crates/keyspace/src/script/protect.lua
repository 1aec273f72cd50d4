-- Runs last in every fresh script state: Redis's read-only globals and
-- library tables, and its error for reading an undefined global.
local error, format, tostring, setmetatable, ipairs = error, string.format, tostring, setmetatable, ipairs

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
