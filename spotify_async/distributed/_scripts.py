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

# The budget's scripts port the rules of spotify_async.http.limiter (its module docstring) step for step; the names
# there are used here: F units in flight, A accepted responses in the window, O = F + A, the pace P, the ceiling C.
# KEYS (all four, every budget script): in-flight zset (score: admission + unit_ttl), accepted zset (score: receipt +
# window), state hash, interactive-waiters zset (member: a process, score: until when its interactive head waits).
# State hash fields: pace (P; absent while discovering or unlimited), learned (instant P was last learned), last429,
# hold_until, next_creep, pressed (last refusal by the cap), pending (responses still due from a learning) and
# pending_until (when the 429's closure lapses), good (G: the pace before the latest creep step), learn_cap (what
# pending evidence may raise P to: min(C, G) at the learning; '' = no bound), decreases and ignored (counts).
_BUDGET_COMMON = """
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local ceiling = tonumber(ARGV[2])
local function fmt(x) return string.format('%.6f', x) end
local function shown(p) if p == nil then return '' end return fmt(p) end
"""

# ARGV: 1 unit id, 2 ceiling ('' = none), 3 window ms, 4 unit ttl ms, 5 adaptive '1'/'0', 6 increase, 7 probe,
#       8 reserve share, 9 lane, 10 process id, 11 more interactive waiters queued in this process '1'/'0',
#       12 how long an interactive head's mark lasts (ms; it asks again sooner), 13 state ttl ms
# -> {admitted 1/0, pace ('' = none), wait ms ('-1' = a release, not time, frees a unit: poll), state}
ACQUIRE = Script(
    "budget acquire",
    _NOW
    + _BUDGET_COMMON
    + """
local ttl = tonumber(ARGV[4])
local adaptive = ARGV[5] == '1'
local interactive = ARGV[9] == 'interactive'
local mark = tonumber(ARGV[12])
local st = redis.call('HMGET', KEYS[3], 'pace', 'next_creep', 'pressed', 'hold_until', 'last429')
local pace = tonumber(st[1]) or ceiling
local function admit(state)
  redis.call('ZADD', KEYS[1], string.format('%.3f', now + ttl), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl + window))
  if interactive and ARGV[11] == '0' then redis.call('ZREM', KEYS[4], ARGV[10]) end
  return {1, shown(pace), '0', state}
end
if pace == nil and not adaptive then return admit('unlimited') end
local accepted = redis.call('ZCARD', KEYS[2])
local in_flight = redis.call('ZCARD', KEYS[1])
local cap, used, state
if pace ~= nil then
  -- creeping up: once the hold is over, each full window in which the cap refused someone and no 429 came back (one
  -- that taught nothing included) grows P by `increase`
  local next_creep = tonumber(st[2])
  if next_creep == nil or now >= next_creep then
    local pressed, hold_until, last429 = tonumber(st[3]), tonumber(st[4]) or -1, tonumber(st[5])
    local start = next_creep ~= nil and next_creep - window or nil
    if start ~= nil and adaptive and pressed ~= nil and pressed >= math.max(start, hold_until)
        and (last429 == nil or last429 < start) then
      -- G: the pace a whole pressed window held without a 429; a probe above it that meets one falls back under it
      redis.call('HSET', KEYS[3], 'good', fmt(pace))
      pace = pace * (1 + tonumber(ARGV[6]))
      if ceiling ~= nil and pace > ceiling then pace = ceiling end
      if pace > 1e12 then pace = 1e12 end
      redis.call('HSET', KEYS[3], 'pace', fmt(pace))
    end
    redis.call('HSET', KEYS[3], 'next_creep', string.format('%.3f', now + window))
    redis.call('PEXPIRE', KEYS[3], ARGV[13])
  end
  cap, used, state = pace, in_flight + accepted, 'known'
else
  -- discovering: the in-flight count is paced, max(probe, A / 16)
  cap, used, state = math.max(tonumber(ARGV[7]), accepted / 16), in_flight, 'discovering'
end
if not interactive then
  local reserve = tonumber(ARGV[8])
  if reserve > 0 then cap = cap - math.max(1, math.ceil(reserve * cap)) end
  -- a freed unit goes to interactive calls first, whichever process they wait in
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  if redis.call('ZCARD', KEYS[4]) > 0 then return {0, shown(pace), '-1', state} end
end
if used < cap then return admit(state) end
redis.call('HSET', KEYS[3], 'pressed', string.format('%.3f', now))
redis.call('PEXPIRE', KEYS[3], ARGV[13])
-- when time alone frees enough: the need-th oldest accepted response leaves the window
local wait = '-1'
if state == 'known' then
  local need = used - math.ceil(cap) + 1
  if need >= 1 and need <= accepted then
    local nth = redis.call('ZRANGE', KEYS[2], need - 1, need - 1, 'WITHSCORES')
    if nth[2] then wait = string.format('%.3f', math.max(0, tonumber(nth[2]) - now)) end
  elseif need > accepted then
    -- in-flight units must free too: one coming back now cools a whole window, a crashed one expires at its ttl
    local t = window
    local nth = redis.call('ZRANGE', KEYS[1], need - accepted - 1, need - accepted - 1, 'WITHSCORES')
    if nth[2] and tonumber(nth[2]) - now < t then t = tonumber(nth[2]) - now end
    if accepted > 0 then
      local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
      if last[2] and tonumber(last[2]) - now > t then t = tonumber(last[2]) - now end
    end
    wait = string.format('%.3f', math.max(0, t))
  end
end
if interactive then
  -- this process's interactive head waits: background units wait everywhere until it is served (or its mark lapses)
  redis.call('ZADD', KEYS[4], string.format('%.3f', now + mark), ARGV[10])
  redis.call('PEXPIRE', KEYS[4], math.ceil(2 * mark))
end
return {0, shown(pace), wait, state}
""",
)

# ARGV: 1 unit id, 2 ceiling ('' = none), 3 window ms, 4 accepted '1'/'0', 5 decrease, 6 state ttl ms
# An accepted response starts its unit's cool-down (it leaves the window one window after the receipt); a 429 (or an
# attempt that never reached the server) frees it at once and is never counted in A. A unit that already expired
# from the in-flight set (its process stalled past unit_ttl) is still counted for its window when accepted.
# While responses are pending from a learning, each accepted one raises P by `decrease`, never above C.
RELEASE = Script(
    "budget release",
    _NOW
    + _BUDGET_COMMON
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
local accepted = ARGV[4] == '1'
local st = redis.call('HMGET', KEYS[3], 'pending', 'pending_until')
local pending = tonumber(st[1]) or 0
if pending > 0 and now > (tonumber(st[2]) or 0) then
  -- the gate has reopened: what comes back now was sent after it (admitted, then held at the gate, maybe by another
  -- process that had not yet heard of the closure), into a later server window: no evidence about the 429's one
  redis.call('HSET', KEYS[3], 'pending', 0)
  pending = 0
end
if pending > 0 then
  redis.call('HSET', KEYS[3], 'pending', pending - 1)
  local pv = redis.call('HMGET', KEYS[3], 'pace', 'learn_cap')
  local pace = tonumber(pv[1])
  if accepted and pace ~= nil then
    -- never above min(C, G) as it stood when the pace was learned (and never lowered by this)
    local most = tonumber(pv[2]) or ceiling
    local grown = pace + tonumber(ARGV[5])
    if most ~= nil and grown > most then grown = most end
    if grown > pace then redis.call('HSET', KEYS[3], 'pace', fmt(grown)) end
  end
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
if accepted then
  redis.call('ZADD', KEYS[2], string.format('%.3f', now + window), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.ceil(window + 1000))
end
return 1
""",
)

# ARGV: 1 floor, 2 ceiling ('' = none), 3 window ms, 4 decrease, 5 adaptive '1'/'0', 6 state ttl ms, 7 hold (windows),
#       8 isolation share, 9 the gate's closure for this 429 (ms): pending evidence is what comes back before it lapses
# The caller has already released the 429's unit (unaccepted) and filtered out quotas.
# -> {learned 1/0, pace ('' = none), decreases so far, why ('learned', 'probe refuted', 'not adaptive',
#     'same overshoot', 'little evidence', 'isolated')}
RATE_LIMITED = Script(
    "budget learn",
    _NOW
    + _BUDGET_COMMON
    + """
local floor = tonumber(ARGV[1])
local st = redis.call('HMGET', KEYS[3], 'pace', 'learned', 'last429', 'decreases', 'good')
local pace = tonumber(st[1]) or ceiling
local decreases = tonumber(st[4]) or 0
local function ignore(why)
  redis.call('HINCRBY', KEYS[3], 'ignored', 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
  return {0, shown(pace), decreases, why}
end
-- adaptive=False: never learn, only the gate acts
if ARGV[5] ~= '1' then return ignore('not adaptive') end
-- one overshoot, one signal: a pace learned less than a window ago is left alone
local learned = tonumber(st[2])
if learned ~= nil and now - learned < window then
  redis.call('HSET', KEYS[3], 'last429', string.format('%.3f', now))
  return ignore('same overshoot')
end
local accepted = redis.call('ZCARD', KEYS[2])
local in_flight = redis.call('ZCARD', KEYS[1])
local last = tonumber(st[3])
local recent = last ~= nil and now - last < window
redis.call('HSET', KEYS[3], 'last429', string.format('%.3f', now))
local good = tonumber(st[5])
local function settle(limit, most, why)
  local learn_cap = ''
  if most ~= nil then learn_cap = fmt(most) end
  local hold_until = now + tonumber(ARGV[7]) * window
  decreases = decreases + 1
  redis.call('HSET', KEYS[3], 'pace', fmt(limit), 'learned', string.format('%.3f', now),
             'hold_until', string.format('%.3f', hold_until), 'next_creep', string.format('%.3f', hold_until + window),
             'pending', in_flight, 'pending_until', string.format('%.3f', now + tonumber(ARGV[9])),
             'decreases', decreases, 'learn_cap', learn_cap)
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
  return {1, fmt(limit), decreases, why}
end
-- a refuted probe: the pace crept above G, which a whole pressed window bore without a 429, and met one; that needs
-- no evidence of the limit (the creep was our own guess): back to G, held like a learned pace
if good ~= nil and pace ~= nil and pace > good then
  redis.call('HDEL', KEYS[3], 'good')
  return settle(good, good, 'probe refuted')
end
-- evidence: few responses in the window, or most requests still in flight, teach nothing
if accepted < floor or accepted < in_flight then return ignore('little evidence') end
-- isolation: no other 429 within a window, and the app was not pressing on a known pace (O >= share x P)
local pressing = pace ~= nil and accepted + in_flight >= tonumber(ARGV[8]) * pace
if not recent and not pressing then return ignore('isolated') end
local limit = math.max(floor, tonumber(ARGV[4]) * accepted)
local most = ceiling
if good ~= nil then
  -- the probe above G met this 429: G stood a whole pressed window, keep under it (and forget G)
  if most == nil or good < most then most = good end
  redis.call('HDEL', KEYS[3], 'good')
end
if most ~= nil and limit > most then limit = most end
return settle(limit, most, 'learned')
""",
)

# ARGV: 1 (unused), 2 ceiling ('' = none), 3 window ms
# -> {pace ('' = none), in flight, accepted (cooling down), decreases, ignored, pending, interactive waiters}
SNAPSHOT = Script(
    "budget snapshot",
    _NOW
    + _BUDGET_COMMON
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local st = redis.call('HMGET', KEYS[3], 'pace', 'decreases', 'ignored', 'pending')
return {shown(tonumber(st[1]) or ceiling), redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]),
        tonumber(st[2]) or 0, tonumber(st[3]) or 0, tonumber(st[4]) or 0, redis.call('ZCARD', KEYS[4])}
""",
)

# KEYS: gate key; ARGV: closure ms (integer >= 1), reason, channel, longest closure ms
# Never shortens a longer closure, never stores one longer than ARGV[4] (the caller caps it too: this guards the key
# against any client), and publishes the new closure so every process learns of it at once.
# -> {extended 1/0, closure ms now in force}
GATE_CLOSE = Script(
    "gate close",
    """
local most = tonumber(ARGV[4])
local ms = tonumber(ARGV[1])
if ms == nil or ms ~= ms then ms = 1 end
if ms > most then ms = most end
if ms < 1 then ms = 1 end
ms = math.ceil(ms)
local left = redis.call('PTTL', KEYS[1])
if left > most then redis.call('PEXPIRE', KEYS[1], most); left = most end
if left >= ms then return {0, left} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
redis.call('PUBLISH', ARGV[3], ms .. '|' .. ARGV[2])
return {1, ms}
""",
)

# KEYS: gate key; ARGV: longest closure ms -> {ms left (<= 0: open), reason}
# A closure longer than the longest allowed (stored by an older or foreign client) is cut to it here.
GATE_PEEK = Script(
    "gate check",
    """
local left = redis.call('PTTL', KEYS[1])
local most = tonumber(ARGV[1])
if left > most then redis.call('PEXPIRE', KEYS[1], most); left = most end
return {left, redis.call('GET', KEYS[1]) or ''}
""",
)

# KEYS: token hash, fence counter, failure mark; ARGV: token JSON, fence ('' = a new, newest fence), saved_at (epoch s)
# A write whose fence is older than the stored token's is refused: a late lock holder cannot replace a newer token.
# A token written clears the mark of a failed refresh (there is a token now).
# -> {written 1/0, fence}
TOKEN_SAVE = Script(
    "token save",
    """
local fence = tonumber(ARGV[2])
if fence == nil then fence = redis.call('INCR', KEYS[2]) end
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence'))
if stored ~= nil and fence < stored then return {0, stored} end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'fence', fence, 'saved_at', ARGV[3])
redis.call('DEL', KEYS[3])
return {1, fence}
""",
)

# KEYS: token hash, refresh lock, failure mark
# -> {token JSON or '', saved_at or '', fence or '', lock ms left (-2: free), digest of a refused refresh token or '',
#     what the last refresh failed with or '', the failure mark's ms left (-2: none)}
TOKEN_PEEK = Script(
    "token load",
    """
local v = redis.call('HMGET', KEYS[1], 'token', 'saved_at', 'fence', 'refused')
local failed = redis.call('GET', KEYS[3])
return {v[1] or '', v[2] or '', v[3] or '', redis.call('PTTL', KEYS[2]), v[4] or '', failed or '',
        redis.call('PTTL', KEYS[3])}
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
