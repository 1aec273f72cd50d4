-- Builds the environment FUNCTION LOAD runs library code in: only
-- redis.register_function, redis.log, redis.setresp and the constants are
-- reachable while the library loads; once it has, `open` points the same
-- environment at the full, read-only globals the functions run with.
local register = ...
local error, format, tostring, setmetatable = error, string.format, tostring, setmetatable

local function missing(_, name)
  error(format("Script attempted to access nonexistent global variable '%s'", tostring(name)), 2)
end
local function readonly()
  error('Attempt to modify a readonly table', 2)
end

local api_redis = {
  register_function = register,
  log = redis.log,
  setresp = redis.setresp,
  REDIS_VERSION = redis.REDIS_VERSION,
  REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
  LOG_DEBUG = redis.LOG_DEBUG,
  LOG_VERBOSE = redis.LOG_VERBOSE,
  LOG_NOTICE = redis.LOG_NOTICE,
  LOG_WARNING = redis.LOG_WARNING,
}
setmetatable(api_redis, { __index = missing, __newindex = readonly, __metatable = false })
local load_api = setmetatable({ redis = api_redis }, { __index = missing, __newindex = readonly, __metatable = false })
local current = setmetatable({}, { __index = load_api })
local env = setmetatable({}, { __index = current, __newindex = readonly, __metatable = false })

local function open()
  setmetatable(current, { __index = _G })
end

return env, open
