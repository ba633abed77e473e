"""The per-sender send rate, shared by every process through Redis, with a lane for citizens.

A token bucket per (transport, sender) refilled at `rate` tokens a second, holding at most
CAPACITY. A priority send (an ack, a reply, a staff message) takes a token at once, or books
the next one and sleeps until it is due. A bulk send (a broadcast row) takes a token only while
RESERVE tokens stay behind for citizens; otherwise it books nothing, sleeps, and asks again.
So a broadcast never makes an ack wait, and over any stretch of time the sender never goes
faster than `rate` (at most CAPACITY messages at once).

The key names the transport and the sender (`twilio:+1500…`, later a relay phone with its own
rate), so a second transport plugs in with its own bucket. If Redis cannot be reached, each
process keeps the same bucket in memory (the rate then holds per process only).
"""

from __future__ import annotations

import logging
import threading
import time

import redis as redis_lib

from handlers import queue

log = logging.getLogger(__name__)
CAPACITY = 2.0
RESERVE = 1.0
MAX_NAP = 1.0  # a bulk sender asks again at least this often
# KEYS[1] bucket; ARGV rate (tokens/s), capacity, need (tokens that must be there), book (1/0).
# Returns the microseconds to wait: 0 = a token was taken.
SCRIPT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local need, book = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or cap
local at = tonumber(state[2]) or t
tokens = math.min(cap, tokens + math.max(0, t - at) * rate)
local wait = 0
if tokens >= need then
  tokens = tokens - 1
elseif book == 1 then
  tokens = tokens - 1
  wait = (need - 1 - tokens) / rate
else
  wait = (need - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', t)
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / rate * 1000) + 60000)
return math.ceil(wait * 1000000)
"""


class LocalBucket:
    """The same bucket in this process's memory: used while Redis is unreachable."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, rate: float, need: float, book: bool) -> float:
        with self.lock:
            now = time.monotonic()
            tokens, at = self.state.get(key, (CAPACITY, now))
            tokens = min(CAPACITY, tokens + (now - at) * rate)
            wait = 0.0
            if tokens >= need:
                tokens -= 1
            elif book:
                tokens -= 1
                wait = (need - 1 - tokens) / rate
            else:
                wait = (need - tokens) / rate
            self.state[key] = (tokens, now)
            return wait


_local = LocalBucket()
_scripts: dict[int, object] = {}


def _script(client):
    """The script registered once per client (EVALSHA afterwards)."""
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts.setdefault(id(client), client.register_script(SCRIPT))
    return script


def bucket_key(transport: str, sender: str) -> str:
    return f"aspirasi:rate:{transport}:{sender}"


def _take(redis_url: str | None, key: str, rate: float, need: float, book: bool) -> float:
    """Seconds to wait (0: a token is ours)."""
    if redis_url:
        try:
            micros = _script(queue.shared(redis_url))(keys=[key],
                                                      args=[rate, CAPACITY, need, int(book)])
            return int(micros) / 1_000_000
        except (redis_lib.RedisError, OSError) as exc:
            log.warning("rate limiter: redis unreachable (%s); limiting in this process", exc)
    return _local.take(key, rate, need, book)


def wait_turn(redis_url: str | None, transport: str, sender: str, rate: float,
              bulk: bool) -> None:
    """Block until this send may go out at `rate` per second (0 = no limit)."""
    if rate <= 0:
        return
    key = bucket_key(transport, sender)
    if not bulk:
        delay = _take(redis_url, key, rate, 1.0, True)
        if delay > 0:
            time.sleep(delay)
        return
    while True:
        delay = _take(redis_url, key, rate, 1.0 + RESERVE, False)
        if delay <= 0:
            return
        time.sleep(min(delay, MAX_NAP))
