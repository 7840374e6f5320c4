"""Beyond one process: every process of an app shares one rate budget, one 429 gate and one token through Redis.

Spotify's rate limit is per app (client ID), so a crawler that grows to several processes or machines must pace itself
as one. This package gives the scheduler Redis-backed implementations of its two protocols, with the same semantics as
the local ones (read :mod:`spotify_async.http.limiter` and :mod:`spotify_async.http.gate` first):

* :class:`RedisRateLimiter`: one rolling-window budget for all processes; a unit is held from admission until
  ``window`` after its response; the adaptive limit (down on a 429, once per window; creeping back up) is shared.
  One Lua script per admission.
* :class:`RedisGate`: a 429 anywhere shuts the gate everywhere for ``Retry-After`` (a key with a ``PX`` expiry, a
  pub/sub message so peers learn at once; an open gate costs no round trip while the subscription is live).
* :class:`RedisTokenStore` (the :class:`~spotify_async.auth.stores.TokenStore` protocol) and :class:`DistributedAuth`:
  one token request per expiry for all processes (a refresh lock with an expiry and a fencing number), for the app's
  token and for each user's (rotating refresh tokens stored before use, ``invalid_grant`` seen by every process).
* :class:`RedisStateStore` (the :class:`~spotify_async.auth.state.StateStore` protocol): pending logins shared by
  every worker, so a login started on one completes on another, and a state is taken once.
* :class:`RedisCacheStore` (the :class:`~spotify_async.http.store.CacheStore` protocol): one HTTP cache for every
  process, ``Config(cache=HttpCache(store=RedisCacheStore(url, client_id=CLIENT_ID)))``.

Usage, in every process (``pip install 'spotify_async[redis]'``)::

    budget = RateBudget(limit=..., window=30)          # the same in every process
    async with connect("redis://host:6379/0", client_id=CLIENT_ID, budget=budget) as co:
        auth = co.auth(ClientCredentials(CLIENT_ID, CLIENT_SECRET))
        async with Spotify(auth, config=Config(budget=budget), limiter=co.limiter, gate=co.gate) as sp:
            ...

Keys are ``<namespace>:{<client_id>}:...`` (budget units and state, gate, token, lock, fencing counter); nothing
secret is stored except the tokens themselves (see :mod:`spotify_async.distributed.tokens`). Every Redis call is bounded
by a timeout; an unreachable Redis raises :class:`~spotify_async.errors.CoordinationError`, or with
``fallback="local"`` each process carries on alone (documented per class). Needs Redis 5 or later.

This package imports without redis-py installed; building any of its objects without it raises an ImportError naming
the ``[redis]`` extra.
"""

from __future__ import annotations

from ..errors import CoordinationError
from .cache import RedisCacheStore
from .coordination import Coordination, connect
from .gate import RedisGate
from .limiter import Fallback, RedisRateLimiter
from .state import RedisStateStore
from .tokens import DistributedAuth, RedisRefreshLock, RedisTokenStore, StoredToken

__all__ = [
    "Coordination",
    "CoordinationError",
    "DistributedAuth",
    "Fallback",
    "RedisCacheStore",
    "RedisGate",
    "RedisRateLimiter",
    "RedisRefreshLock",
    "RedisStateStore",
    "RedisTokenStore",
    "StoredToken",
    "connect",
]
