"""RedisRateLimiter: one rolling-window budget shared by every process of an app, with the local limiter's semantics.

Theory
------
Exactly the rules of :class:`~spotify_async.http.limiter.LocalRateLimiter`, with the state moved into Redis so that
all processes (on any number of machines) of one client ID draw from one budget:

* A request holds a unit from admission until ``window`` seconds after its response arrived. Units live in two sorted
  sets scored by the Redis clock: *in flight* (admitted, no response yet) and *cooling down* (response arrived; score =
  arrival + window). The budget in use is the sum of both sizes after dropping expired members.
* One Lua script admits a unit (one round trip in the common case): it drops expired units, applies the adaptive
  creep, and either adds the unit or answers "wait N ms" (when the oldest cooling unit leaves the window; ``-1`` when
  every unit is still in flight, which is answered by polling briefly, as locally).
* The adaptive limit is one hash shared by every process: a 429 anywhere lowers it (to ``decrease`` times the units
  in use, at most once per window for the whole app), and it creeps back up by ``increase`` per clean window, never
  above the configured ``limit``. All processes should be given the same :class:`~spotify_async.config.RateBudget`.
* A crashed process cannot leak budget forever: an in-flight unit expires ``unit_ttl`` seconds after admission (a
  generous bound on one HTTP attempt; the scheduler holds a unit for one attempt only), a cooling unit after its window.
* Fairness: within a process, waiters queue behind one ``asyncio.Lock`` (first come, first served), so only one
  coroutine per process polls Redis; across processes, each process's head waiter sleeps for the time the script
  named plus a few milliseconds of random jitter, so processes that wake for the same freed unit win it in random
  order and each process gets an even share of a contended budget. Nothing starves.

Failure: every Redis call is bounded by ``timeout``; an unreachable Redis raises
:class:`~spotify_async.errors.CoordinationError` from :meth:`acquire` (``fallback="error"``, the default), or, with
``fallback="local"``, this process continues with a :class:`LocalRateLimiter` of its own (so N processes may then send
up to N budgets: the 429 gate and the adaptive pace catch the excess) and tries Redis again every ``retry_interval``.
:meth:`release` never raises: a unit it could not release expires after ``unit_ttl``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Literal

from ..config import RateBudget
from ..errors import CoordinationError, InvalidInput, RateLimited
from ..http.limiter import Lane, LocalRateLimiter, is_quota
from . import _scripts
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, open_backend, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Fallback", "RedisRateLimiter"]

log = logging.getLogger("spotify_async.distributed")

#: what to do when Redis cannot be reached: raise CoordinationError, or carry on with a process-local component
Fallback = Literal["error", "local"]

_POLL = 0.025  # every unit is in flight: their responses are on the way
_JITTER = 0.004


def check_fallback(fallback: str) -> None:
    if fallback not in ("error", "local"):
        raise InvalidInput(f"fallback must be 'error' or 'local', got {fallback!r}")


class RedisRateLimiter:
    """The :class:`~spotify_async.http.limiter.RateLimiter` of every process of one app, kept in Redis."""

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str,
        budget: RateBudget,
        namespace: str = DEFAULT_NAMESPACE,
        unit_ttl: float = 120.0,
        timeout: float = 2.0,
        fallback: Fallback = "error",
        retry_interval: float = 5.0,
    ) -> None:
        if unit_ttl <= 0:
            raise InvalidInput("unit_ttl must be > 0 seconds")
        check_fallback(fallback)
        self.budget = budget
        self.window = budget.window
        self.unit_ttl = unit_ttl
        self.fallback: Fallback = fallback
        self.retry_interval = retry_interval
        self._backend = open_backend(redis, timeout=timeout)
        keys = Keys(namespace, client_id)
        self._keys = [keys("budget", "inflight"), keys("budget", "cooling"), keys("budget", "state")]
        self._window_ms = budget.window * 1000.0
        self._ceiling = "" if budget.limit is None else str(budget.limit)
        self._acquire_args_tail: list[str | int | float] = [
            self._ceiling,
            f"{self._window_ms:.3f}",
            f"{unit_ttl * 1000.0:.3f}",
            "1" if budget.adaptive else "0",
            repr(budget.increase),
        ]
        self._state_ttl_ms = int(max(3600.0, 100 * budget.window) * 1000)
        self._limit: float | None = float(budget.limit) if budget.limit is not None else None
        self._owner = secrets.token_hex(6)
        self._serial = 0
        #: units this process holds: a Redis member name, or None for a unit of the local fallback
        self._held: deque[str | None] = deque()
        self._lock = asyncio.Lock()
        self._local: LocalRateLimiter | None = None
        self._retry_at = 0.0
        self._releases: set[asyncio.Task[None]] = set()
        #: adaptive decreases this process triggered (the shared count is in :meth:`snapshot`)
        self.decreases = 0
        #: times this process fell back to its local limiter
        self.fallbacks = 0

    def __repr__(self) -> str:
        return f"<RedisRateLimiter {self._backend.where} {self._keys[2]} limit={self._limit}>"

    @property
    def current_limit(self) -> float | None:
        """The shared budget per window as of this process's last exchange with Redis (None: unlimited)."""
        if self._local is not None:
            return self._local.current_limit
        return self._limit

    @property
    def using_fallback(self) -> bool:
        return self._local is not None

    # ------------------------------------------------------------------ acquire
    async def _try(self) -> tuple[bool, float]:
        """One attempt: (admitted, seconds to wait before the next attempt, negative = poll)."""
        self._serial += 1
        unit = f"{self._owner}:{self._serial}"
        answer = await self._backend.script(_scripts.ACQUIRE, self._keys, [unit, *self._acquire_args_tail])
        limit = text(answer[1])
        self._limit = float(limit) if limit else None
        if int(answer[0]) == 1:
            self._held.append(unit)
            return True, 0.0
        return False, float(text(answer[2])) / 1000.0

    def _fall_back(self, exc: CoordinationError) -> LocalRateLimiter:
        if self._local is None:
            self.fallbacks += 1
            log.warning("shared rate budget unavailable, continuing with a local one: %s", exc)
            self._local = LocalRateLimiter(self.budget)
        self._retry_at = time.monotonic() + self.retry_interval
        return self._local

    def try_acquire(self, lane: Lane = "interactive") -> bool:
        """No synchronous path: every admission asks Redis (the scheduler then awaits :meth:`acquire`)."""
        return False

    def release_nowait(self, *, accepted: bool = True) -> bool:
        """No synchronous path: a release is a Redis round trip (the scheduler then awaits :meth:`release`)."""
        return False

    async def _local_acquire(self, local: LocalRateLimiter, max_wait: float, lane: Lane = "interactive") -> float:
        waited = await local.acquire(max_wait, lane)
        self._held.append(None)
        return waited

    async def acquire(self, max_wait: float, lane: Lane = "interactive") -> float:
        """Wait for a unit of the shared budget; seconds waited. RateLimited past max_wait; CoordinationError when
        Redis is unreachable (unless ``fallback="local"``)."""
        local = self._local
        if local is not None:
            if time.monotonic() < self._retry_at:
                return await self._local_acquire(local, max_wait, lane)
            self._retry_at = time.monotonic() + self.retry_interval  # one probe per interval, not one per caller
        start = time.monotonic()
        try:
            if not self._lock.locked():
                admitted, wait = await self._try()
                if admitted:
                    self._recovered()
                    return 0.0
            else:
                wait = 0.0
            return await self._acquire_slow(start, max_wait, wait)
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            remaining = max(0.0, max_wait - (time.monotonic() - start))
            return await self._local_acquire(self._fall_back(exc), remaining, lane)

    def _recovered(self) -> None:
        if self._local is not None:
            log.warning("shared rate budget reachable again: leaving the local fallback")
            self._local = None

    async def _acquire_slow(self, start: float, max_wait: float, first_wait: float) -> float:
        deadline = start + max_wait
        # the first answer as an instant: after queueing behind this process's other waiters it may already be past
        wake_at = start + (first_wait if first_wait >= 0 else _POLL)
        lock = self._lock
        if lock.locked():
            try:
                await asyncio.wait_for(lock.acquire(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise RateLimited(time.monotonic() - start, reason="client rate budget", max_wait=max_wait) from None
        else:
            await lock.acquire()
        try:
            while True:
                now = time.monotonic()
                if wake_at > now:
                    # jitter: processes told to wake for the same freed unit must not always arrive in the same order
                    delay = wake_at - now + random.uniform(0.0, _JITTER)
                    if now + delay > deadline:
                        raise RateLimited(delay, reason="client rate budget", max_wait=max_wait)
                    await asyncio.sleep(delay)
                asked = time.monotonic()
                admitted, wait = await self._try()
                if admitted:
                    self._recovered()
                    return time.monotonic() - start
                wake_at = asked + (wait if wait > 0 else _POLL if wait < 0 else 0.001)
        finally:
            lock.release()

    # ------------------------------------------------------------------ release
    async def release(self, *, accepted: bool = True) -> None:
        """Start the cool-down of one unit this process holds. Never raises; survives the caller's cancellation."""
        if not self._held:
            return
        unit = self._held.popleft()
        if unit is None:
            if self._local is not None:
                await self._local.release(accepted=accepted)
            return
        task = asyncio.ensure_future(self._release(unit))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)
        # shielded: a cancelled request must still hand its unit back, or the budget shrinks until unit_ttl
        await asyncio.shield(task)

    async def _release(self, unit: str) -> None:
        try:
            await self._backend.script(_scripts.RELEASE, self._keys[:2], [unit, f"{self._window_ms:.3f}"])
        except CoordinationError as exc:
            log.debug("could not release a budget unit (it expires after unit_ttl): %s", exc)

    # ------------------------------------------------------------------ 429
    async def on_rate_limited(self, retry_after: float, reason: str | None = None) -> None:
        """A 429 arrived: lower the shared pace (at most once per window for all processes); a quota teaches nothing."""
        if is_quota(retry_after, reason, self.budget):
            return
        if self._local is not None:
            await self._local.on_rate_limited(retry_after, reason)
            return
        args: list[str | int | float] = [
            f"{self._window_ms:.3f}",
            str(self.budget.floor),
            repr(self.budget.decrease),
            "1" if self.budget.adaptive else "0",
            self._ceiling,
            self._state_ttl_ms,
            str(self.budget.hold),
        ]
        try:
            answer = await self._backend.script(_scripts.RATE_LIMITED, self._keys, args)
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            await self._fall_back(exc).on_rate_limited(retry_after, reason)
            return
        limit = text(answer[1])
        self._limit = float(limit) if limit else None
        if int(answer[0]) == 1:
            self.decreases += 1
            log.debug("shared budget lowered to %s per %gs", self._limit, self.window)

    # ------------------------------------------------------------------ introspection, lifecycle
    async def snapshot(self) -> dict[str, float | int | None]:
        """The shared state now: ``limit`` (None: unlimited), units ``in_flight`` and ``cooling``, ``decreases``."""
        answer = await self._backend.script(_scripts.SNAPSHOT, self._keys, [self._ceiling])
        limit = text(answer[0])
        return {
            "limit": float(limit) if limit else None,
            "in_flight": int(answer[1]),
            "cooling": int(answer[2]),
            "decreases": int(answer[3]),
        }

    async def reset(self) -> None:
        """Forget the shared state of this app (units and adaptive limit): for tests and operators."""
        await self._backend.execute("budget reset", "DEL", *self._keys)

    async def aclose(self) -> None:
        """Wait (bounded) for pending releases, then close the Redis client if this limiter created it."""
        if self._releases:
            await asyncio.wait(set(self._releases), timeout=self._backend.timeout)
        await self._backend.aclose()
