/*
 * Lua scripts of the session store. Each runs atomically in Redis and touches only keys of one
 * user, all carrying the `{userId}` hash tag, so they also run on Redis Cluster.
 */

/**
 * Access check, one round trip per request.
 * KEYS: session, revoked-jti, valid-after, the user's facts. ARGV: now (ms), token iatMs.
 * Returns {status, facts}: status 'ok', 'no_session' or 'revoked' (revocations first: a
 * logged-out token says so, not just that its session is gone); facts is the user's facts
 * record (JSON) when the status is 'ok' and there is one. Refreshes the session's lastSeenAt.
 */
export const CHECK_ACCESS = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'revoked'} end
local validAfter = redis.call('GET', KEYS[3])
if validAfter and tonumber(ARGV[2]) <= tonumber(validAfter) then return {'revoked'} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_session'} end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1])
return {'ok', redis.call('GET', KEYS[4])}
`;

/**
 * Refresh rotation with reuse detection.
 * KEYS: session, user's session index, valid-after. ARGV: presented jti, new jti, now (ms),
 * token iatMs, session TTL (s), session id.
 * A presented jti that is not the session's current one is a replay: the session dies.
 */
export const ROTATE_REFRESH = `
local current = redis.call('HGET', KEYS[1], 'refreshJti')
if not current then return 'no_session' end
local validAfter = redis.call('GET', KEYS[3])
if validAfter and tonumber(ARGV[4]) <= tonumber(validAfter) then return 'revoked' end
if current ~= ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[6])
  return 'reused'
end
redis.call('HSET', KEYS[1], 'refreshJti', ARGV[2], 'lastSeenAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 'ok'
`;
