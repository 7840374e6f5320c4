"""The Lua scripts: every read-modify-write on shared state is one script, so it is atomic and costs one round trip.

Times are the Redis server's clock (``TIME``, in milliseconds, fractional), read inside the scripts: every process of an
app, on whatever machine, then measures the rolling window against the same clock, and only durations ("wait N ms")
travel back to the clients. Numbers that are not integers go back as strings, because Redis truncates a Lua number to
an integer reply. Requires Redis 5 or later (scripts replicated by effects, so ``TIME`` before a write is allowed).
"""

from __future__ import annotations

from ._backend import Script

__all__ = [
    "ACQUIRE",
    "GATE_CLOSE",
    "GATE_PEEK",
    "LOCK_ACQUIRE",
    "LOCK_RELEASE",
    "RATE_LIMITED",
    "RELEASE",
    "SNAPSHOT",
    "STATE_TAKE",
    "TOKEN_PEEK",
    "TOKEN_SAVE",
]

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
"""

# KEYS: in-flight zset, released zset, state hash
# ARGV: unit id, ceiling ('' = none), window ms, unit ttl ms, adaptive '1'/'0', increase
# -> {admitted 1/0, limit ('' = unlimited), wait ms ('-1' = the units to free are in flight: poll), occupied}
ACQUIRE = Script(
    "budget acquire",
    _NOW
    + """
local window = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local ceiling = tonumber(ARGV[2])
local limit = tonumber(redis.call('HGET', KEYS[3], 'limit'))
if limit ~= nil and ARGV[5] == '1' then
  -- creep back up by `increase` of itself for every full window since the last adjustment
  local adjusted = tonumber(redis.call('HGET', KEYS[3], 'adjusted')) or now
  local windows = math.floor((now - adjusted) / window)
  if windows > 0 then
    limit = limit * math.pow(1 + tonumber(ARGV[6]), math.min(windows, 1000))
    if ceiling ~= nil and limit > ceiling then limit = ceiling end
    if limit > 1e12 then limit = 1e12 end
    redis.call('HSET', KEYS[3], 'limit', string.format('%.6f', limit),
               'adjusted', string.format('%.3f', adjusted + windows * window))
  end
end
if limit == nil then limit = ceiling end
local occupied = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
local shown = ''
if limit ~= nil then shown = string.format('%.6f', limit) end
if limit == nil or occupied < limit then
  redis.call('ZADD', KEYS[1], string.format('%.3f', now + ttl), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl + window))
  return {1, shown, '0', occupied + 1}
end
-- admitted once `need` units have left: the need-th oldest cooling unit says when (after a decrease that may be many)
local need = occupied - math.ceil(limit) + 1
local wait = '-1'
if need >= 1 then
  local nth = redis.call('ZRANGE', KEYS[2], need - 1, need - 1, 'WITHSCORES')
  if nth[2] then wait = string.format('%.3f', tonumber(nth[2]) - now) end
end
return {0, shown, wait, occupied}
""",
)

# KEYS: in-flight zset, released zset; ARGV: unit id, window ms
# The unit's cool-down starts now: it leaves the budget one window after the response arrived. A unit that already
# expired from the in-flight set (its process stalled past unit_ttl) is still counted for its window.
RELEASE = Script(
    "budget release",
    _NOW
    + """
local window = tonumber(ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], string.format('%.3f', now + window), ARGV[1])
redis.call('PEXPIRE', KEYS[2], math.ceil(window + 1000))
return 1
""",
)

# KEYS: in-flight zset, released zset, state hash
# ARGV: window ms, floor, decrease, adaptive '1'/'0', ceiling ('' = none), state ttl ms, hold (windows)
# -> {decreased 1/0, limit ('' = unlimited), decreases so far}
RATE_LIMITED = Script(
    "budget decrease",
    _NOW
    + """
local window = tonumber(ARGV[1])
local floor = tonumber(ARGV[2])
local ceiling = tonumber(ARGV[5])
local current = tonumber(redis.call('HGET', KEYS[3], 'limit')) or ceiling
local decreases = tonumber(redis.call('HGET', KEYS[3], 'decreases')) or 0
local shown = ''
if current ~= nil then shown = string.format('%.6f', current) end
-- adaptive=False learns nothing, ever (a given limit stays the ceiling; no limit stays unlimited)
if ARGV[4] ~= '1' then return {0, shown, decreases} end
local last = tonumber(redis.call('HGET', KEYS[3], 'decreased'))
if last ~= nil and now - last < window then return {0, shown, decreases} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
-- what the server accepted: responses back within the window, less this 429 (in-flight units are not counted)
local base = redis.call('ZCARD', KEYS[2]) - 1
if base <= 0 then base = current or floor end
local limit = base * tonumber(ARGV[3])
if limit < floor then limit = floor end
if ceiling ~= nil and limit > ceiling then limit = ceiling end
decreases = decreases + 1
-- hold the learned pace for ARGV[7] windows before creeping again (the creep counts windows from 'adjusted')
redis.call('HSET', KEYS[3], 'limit', string.format('%.6f', limit), 'decreased', string.format('%.3f', now),
           'adjusted', string.format('%.3f', now + tonumber(ARGV[7]) * window), 'decreases', decreases)
redis.call('PEXPIRE', KEYS[3], ARGV[6])
return {1, string.format('%.6f', limit), decreases}
""",
)

# KEYS: in-flight zset, released zset, state hash; ARGV: ceiling ('' = none)
# -> {limit ('' = unlimited), in flight, cooling down, decreases}
SNAPSHOT = Script(
    "budget snapshot",
    _NOW
    + """
local limit = redis.call('HGET', KEYS[3], 'limit') or ARGV[1]
return {limit, redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf'), redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf'),
        tonumber(redis.call('HGET', KEYS[3], 'decreases')) or 0}
""",
)

# KEYS: gate key; ARGV: closure ms (integer >= 1), reason, channel
# Never shortens a longer closure; publishes the new closure so every process learns of it at once.
# -> {extended 1/0, closure ms now in force}
GATE_CLOSE = Script(
    "gate close",
    """
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if left >= ms then return {0, left} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
redis.call('PUBLISH', ARGV[3], ARGV[1] .. '|' .. ARGV[2])
return {1, ms}
""",
)

# KEYS: gate key -> {ms left (<= 0: open), reason}
GATE_PEEK = Script(
    "gate check",
    """
return {redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1]) or ''}
""",
)

# KEYS: token hash, fence counter; ARGV: token JSON, fence ('' = a new, newest fence), saved_at (epoch s)
# A write whose fence is older than the stored token's is refused: a late lock holder cannot replace a newer token.
# -> {written 1/0, fence}
TOKEN_SAVE = Script(
    "token save",
    """
local fence = tonumber(ARGV[2])
if fence == nil then fence = redis.call('INCR', KEYS[2]) end
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence'))
if stored ~= nil and fence < stored then return {0, stored} end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'fence', fence, 'saved_at', ARGV[3])
return {1, fence}
""",
)

# KEYS: token hash, refresh lock
# -> {token JSON or '', saved_at or '', fence or '', lock ms left (-2: free), digest of a refused refresh token or ''}
TOKEN_PEEK = Script(
    "token load",
    """
local v = redis.call('HMGET', KEYS[1], 'token', 'saved_at', 'fence', 'refused')
return {v[1] or '', v[2] or '', v[3] or '', redis.call('PTTL', KEYS[2]), v[4] or ''}
""",
)

# KEYS: refresh lock, fence counter; ARGV: holder id, ttl ms
# -> {1, fence} when taken (the lock's value is "holder|fence"), {0, ms left} when someone else holds it
LOCK_ACQUIRE = Script(
    "refresh lock",
    """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return {1, fence}
""",
)

# KEYS: refresh lock; ARGV: "holder|fence". Deletes the lock only if it is still ours (it may have expired and been
# taken by another process).
LOCK_RELEASE = Script(
    "refresh unlock",
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""",
)

# KEYS: pending login -> its JSON, deleted in the same step ('' when there is none): a state is taken once
STATE_TAKE = Script(
    "login state take",
    """
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) return v end
return ''
""",
)
