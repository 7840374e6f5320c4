"""RedisGate: the 429 gate of every process of an app, kept in Redis with a pub/sub wake-up.

Theory
------
A 429 in any process shuts the gate for all of them: :meth:`RedisGate.close` runs one script that sets the key
``<ns>:{<client_id>}:gate`` with a ``PX`` expiry of ``Retry-After`` (never shortening a longer closure) and publishes
the closure on a channel. The key's expiry *is* the closure: when it lapses the gate is open, whether or not the
process that shut it is still alive.

Every request checks the gate right before it is sent, so the open-gate path must be cheap. Each process keeps a local
copy of "closed until" and a background listener subscribed to the channel; while the subscription is live, an open
gate costs no round trip at all (a clock read). The copy is refreshed by every published closure, by this process's own
closures, and by a full re-read every ``resync_interval`` and after each (re)subscription, so a missed message heals.
Without a live subscription (not started yet, lost, or ``listen=False``), every check reads the key's PTTL instead
(one round trip). Measured on one machine: about 1 microsecond per open check with the listener, one Redis round trip
(about 0.1 to 0.3 ms on localhost) without.

Waiters sleep for the remaining closure (the wake-up is local: the expiry is known), then re-read the key once per
process (one shared read, however many coroutines wait) in case another process extended the closure meanwhile. A
closure longer than the caller's ``max_wait`` raises :class:`~spotify_async.errors.RateLimited` at once.

Closures are finite and bounded: :meth:`RedisGate.close` ignores a non-finite, negative or NaN ``Retry-After`` it may
be handed (``inf`` is taken as the longest closure) and caps every closure at :data:`MAX_CLOSURE` (the scheduler's own
cap on ``Retry-After``, a week); the scripts cap the key's expiry at the same bound, and a closure heard on the
channel or read back from Redis is capped too, so no client, however old or foreign, can shut the gate of every
process forever.

Failure: reads and closes are bounded by ``timeout`` and raise :class:`~spotify_async.errors.CoordinationError`, or
with ``fallback="local"`` continue with a :class:`~spotify_async.http.gate.LocalGate` of this process (which then
hears of no other process's 429 until Redis answers again; it is probed every ``retry_interval``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from ..errors import CoordinationError, RateLimited
from ..http.gate import LocalGate
from ..http.scheduler import MAX_RETRY_AFTER
from . import _scripts
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, open_backend, text
from .limiter import Fallback, check_fallback

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["MAX_CLOSURE", "RedisGate", "closure_ms"]

log = logging.getLogger("spotify_async.distributed")

#: the longest closure the gate stores or believes (seconds): the scheduler's cap on ``Retry-After``
MAX_CLOSURE = MAX_RETRY_AFTER
_MAX_MS = int(MAX_CLOSURE * 1000)


def closure_ms(seconds: float) -> int | None:
    """A closure in whole milliseconds, capped at :data:`MAX_CLOSURE`; None for NaN, zero or negative (no closure).
    ``inf`` is the longest closure, not an error: whatever said it meant "a long time"."""
    if math.isnan(seconds) or seconds <= 0:
        return None
    if seconds >= MAX_CLOSURE:
        return _MAX_MS
    return max(1, math.ceil(seconds * 1000))


class RedisGate:
    """The :class:`~spotify_async.http.gate.Gate` of every process of one app, kept in Redis."""

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str,
        namespace: str = DEFAULT_NAMESPACE,
        timeout: float = 2.0,
        fallback: Fallback = "error",
        listen: bool = True,
        resync_interval: float = 5.0,
        retry_interval: float = 5.0,
    ) -> None:
        check_fallback(fallback)
        self._backend = open_backend(redis, timeout=timeout)
        keys = Keys(namespace, client_id)
        self._key = keys("gate")
        self._channel = keys("gate", "events")
        self.fallback: Fallback = fallback
        self.listen = listen
        self.resync_interval = resync_interval
        self.retry_interval = retry_interval
        self._retry_at = 0.0
        self._until = 0.0  # monotonic instant the gate opens, as last learned
        self._reason: str | None = None
        self._live = False  # the subscription is up: published closures reach _until
        self._listener: asyncio.Task[None] | None = None
        self._peek: asyncio.Task[float] | None = None
        self._local: LocalGate | None = None
        self._stopped = False
        #: closures this process made (that shut or extended the gate)
        self.closures = 0
        #: closures learned from other processes through the channel
        self.heard = 0

    def __repr__(self) -> str:
        return f"<RedisGate {self._backend.where} {self._key} live={self._live}>"

    @property
    def closed_for(self) -> float:
        """Seconds until the gate opens, as this process last learned it."""
        if self._local is not None:
            return self._local.closed_for
        return max(0.0, self._until - time.monotonic())

    @property
    def live(self) -> bool:
        """Whether the pub/sub listener is subscribed (open checks cost no round trip)."""
        return self._live

    # ------------------------------------------------------------------ listener
    def _ensure_listener(self) -> None:
        if self.listen and self._listener is None and not self._stopped:
            self._listener = asyncio.ensure_future(self._listen())

    async def _listen(self) -> None:
        backoff = 0.1
        while not self._stopped:
            pubsub = self._backend.pubsub()
            close_pubsub = cast("Callable[[], Awaitable[None]]", pubsub.aclose)
            try:
                await asyncio.wait_for(pubsub.subscribe(self._channel), self._backend.timeout)
                await self._read()  # anything published before the subscription was up
                self._live = True
                backoff = 0.1
                next_sync = time.monotonic() + self.resync_interval
                while not self._stopped:
                    message = await asyncio.wait_for(
                        pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0), self._backend.timeout + 1.0
                    )
                    if message is not None and message.get("type") == "message":
                        self._heard(message.get("data"))
                    if time.monotonic() >= next_sync:
                        await self._read()
                        next_sync = time.monotonic() + self.resync_interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: drop to one read per check until resubscribed
                log.debug("gate subscription lost (%s); checks read Redis until it is back", type(exc).__name__)
            finally:
                self._live = False
                try:
                    await asyncio.wait_for(close_pubsub(), self._backend.timeout)
                except Exception:
                    pass
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    def _heard(self, data: Any) -> None:
        ms_text, _, reason = text(data).partition("|")
        try:
            ms = float(ms_text)
        except ValueError:
            return
        if not ms > 0:  # NaN, zero, negative: nothing to honour
            return
        until = time.monotonic() + min(ms, _MAX_MS) / 1000.0
        if until > self._until:
            self._until = until
            self._reason = reason or None
            self.heard += 1

    # ------------------------------------------------------------------ reads
    async def _read(self) -> float:
        """Read the closure from Redis (authoritative: may also shorten the local copy); seconds left."""
        answer = await self._backend.script(_scripts.GATE_PEEK, [self._key], [_MAX_MS])
        ms = min(int(answer[0]), _MAX_MS)
        if ms > 0:
            self._until = time.monotonic() + ms / 1000.0
            self._reason = text(answer[1]) or None
            return ms / 1000.0
        self._until = 0.0
        return 0.0

    async def _shared_read(self) -> float:
        # one read per process however many coroutines wake at once
        task = self._peek
        if task is None or task.done():
            task = self._peek = asyncio.ensure_future(self._read())
        return await asyncio.shield(task)

    # ------------------------------------------------------------------ Gate protocol
    def is_open(self) -> bool:
        """Open as far as the live subscription tells (no round trip); False sends the caller to :meth:`wait`."""
        return self._local is None and self._live and self._until <= time.monotonic()

    async def wait(self, max_wait: float) -> float:
        """Return once the gate is open for every process (seconds waited); RateLimited past max_wait."""
        local = self._local
        if local is not None:
            local = await self._local_or_back(local)
            if local is not None:
                return await local.wait(max_wait)
        now = time.monotonic()
        if self._live and self._until <= now:
            return 0.0
        self._ensure_listener()
        start = now
        try:
            remaining = self._until - now if self._live else await self._shared_read()
            if remaining <= 0:
                return 0.0  # open: reading the key is not waiting at the gate
            while True:
                if remaining <= 0:
                    return time.monotonic() - start
                if (time.monotonic() - start) + remaining > max_wait:
                    raise RateLimited(remaining, reason=self._reason, max_wait=max_wait)
                await asyncio.sleep(remaining)
                remaining = await self._shared_read()
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            gate = await self._fall_back(exc)
            return await gate.wait(max(0.0, max_wait - (time.monotonic() - start)))

    async def close(self, retry_after: float, reason: str | None = None) -> None:
        """Shut the gate of every process for ``retry_after`` seconds (never shortens a longer closure; capped at
        :data:`MAX_CLOSURE`; a NaN, zero or negative value closes nothing)."""
        ms = closure_ms(retry_after)
        if ms is None:
            return
        retry_after = ms / 1000.0
        local = self._local
        if local is not None:
            await local.close(retry_after, reason)
            return
        self._ensure_listener()
        try:
            answer = await self._backend.script(
                _scripts.GATE_CLOSE, [self._key], [ms, reason or "", self._channel, _MAX_MS]
            )
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            gate = await self._fall_back(exc)
            await gate.close(retry_after, reason)
            return
        extended, in_force = int(answer[0]), int(answer[1])
        until = time.monotonic() + in_force / 1000.0
        if until > self._until:
            self._until = until
        if extended:
            self._reason = reason
            self.closures += 1

    async def _fall_back(self, exc: CoordinationError) -> LocalGate:
        self._retry_at = time.monotonic() + self.retry_interval
        if self._local is None:
            log.warning("shared 429 gate unavailable, continuing with a local one: %s", exc)
            gate = self._local = LocalGate()
            remaining = self._until - time.monotonic()
            if remaining > 0:  # keep honouring the closure we already knew of
                await gate.close(remaining, self._reason)
        return self._local

    async def _local_or_back(self, local: LocalGate) -> LocalGate | None:
        """While in fallback: the local gate, or None once Redis answers again (probed once per retry_interval)."""
        if time.monotonic() < self._retry_at:
            return local
        self._retry_at = time.monotonic() + self.retry_interval
        try:
            await self._read()
        except CoordinationError:
            return local
        log.warning("shared 429 gate reachable again: leaving the local fallback")
        self._local = None
        return None

    # ------------------------------------------------------------------ lifecycle
    async def aclose(self) -> None:
        """Stop the listener and close the Redis client if this gate created it."""
        self._stopped = True
        for task in (self._listener, self._peek):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._listener = None
        self._live = False
        await self._backend.aclose()
