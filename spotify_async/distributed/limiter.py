"""RedisRateLimiter: one rolling-window budget shared by every process of an app, with the local limiter's rules.

Theory
------
The rules are those of :mod:`spotify_async.http.limiter` (its module docstring), step for step, with the state moved
into Redis so that all processes (on any number of machines) of one client ID draw from one budget and learn one
pace: N processes behave like one. Each rule lives in one Lua script (:mod:`._scripts`), so every read-modify-write
is atomic and costs one round trip; times are the Redis server's clock, so every process measures the window against
the same clock.

* **Accounting.** A unit lives in one of two sorted sets: *in flight* (``F``; score: admission + ``unit_ttl``) and
  *accepted* (``A``; score: receipt + ``window``). The release script moves an accepted response's unit from the
  first to the second; a 429 (or an attempt that never reached the server) only leaves the first: it is never an
  accepted unit. A crashed process cannot leak budget forever: its in-flight units expire after ``unit_ttl`` (a
  generous bound on one HTTP attempt), its accepted ones after their window.
* **The cap** (acquire script), from the shared state hash: *known* (a ceiling ``C = RateBudget.limit`` or a learned
  pace ``P``): admit while ``F + A < min(P, C)``; *discovering* (no limit, nothing learned, ``adaptive=True``): admit
  while ``F < max(probe, A / 16)``, with ``F`` counted over every process, so the first overshoot of N processes costs
  a few 429s, not N times ``max_concurrency``; *unlimited* (no limit, ``adaptive=False``): admit at once.
* **Learning from a 429** (learn script): quota (checked here before any round trip), ``adaptive=False``, the same
  overshoot (a pace learned by any process less than a window ago), too little evidence (``A < floor`` or ``A < F``,
  counted over every process) and isolation (no other 429 in the last window, in any process, and the app not pressing
  on a known pace) teach nothing, except that a 429 met while the pace has crept above ``G`` refutes the creep whatever
  the evidence (``P = G``, held: 'probe refuted'); otherwise ``P = min(C, G, max(floor, decrease * A))``, held for
  ``hold`` windows, with the ``F`` requests then in flight as pending evidence (each of them that comes back accepted
  raises ``P`` by ``decrease``, never above ``min(C, G)``, in the release script). ``G`` is the pace before the latest
  creep step (set by the acquire script when it creeps, forgotten by a learning). One refinement the local limiter does
  not need: pending evidence counts only until the 429's gate closure lapses, because across processes a response can
  come back late from a request sent after the gate reopened, into a later server window (measured, before the scheduler
  gave units back at a shut gate: a pace of 51 for a limit of 50, then a 429 every window that, arriving amid a burst,
  taught nothing). Within the closure, this changes nothing for one process. Creeping up after the hold happens in the
  acquire script, per window in which the cap refused someone and no 429 came back (``last429``, set by the learn
  script for every 429 it judges, one that taught nothing included), in whichever process.
* **Lanes across processes.** The interactive reserve is a share of the one shared cap, so it holds across
  processes exactly as in one: a background unit is admitted only while the app-wide occupancy is under
  ``cap - max(1, ceil(reserve * cap))``, whichever processes hold the units. The priority of interactive waiters
  holds across processes too: while an interactive call of any process waits for budget, its process's head waiter
  keeps a mark in a shared set (expiring a few polls after its last refusal, so a crashed process's mark lapses), and
  no background unit is admitted anywhere while a mark is live. What is *not* global: FIFO order, which holds within
  a process and lane; between processes, waiters of one lane are served in the order their polls arrive.
* **Waiting.** Within a process, waiters queue per lane (interactive first, FIFO within a lane), and only the head
  asks Redis. A refused head sleeps until the instant the script named (when the need-th oldest accepted response
  leaves the window), at most ``max_poll`` seconds, or until this process releases a unit, plus a few milliseconds of
  random jitter so that processes woken for the same freed unit win it in random order (each gets an even share of a
  contended budget); when a release, not time, frees the unit (``-1``: discovering, or a background head behind an
  interactive mark) it polls every ``poll`` seconds. A wait that cannot end within ``max_wait`` raises
  :class:`~spotify_async.errors.RateLimited` (``waiting_for="budget"``) as soon as that is known.

Failure: every Redis call is bounded by ``timeout``; an unreachable Redis raises
:class:`~spotify_async.errors.CoordinationError` from :meth:`acquire` (``fallback="error"``, the default), or, with
``fallback="local"``, this process continues with a :class:`LocalRateLimiter` of its own (so N processes may then send
up to N budgets: the 429 gate and the learned pace catch the excess) and tries Redis again every ``retry_interval``.
:meth:`release` never raises: a unit it could not release expires after ``unit_ttl``. A call cancelled while its
admission was on the wire hands the unit back (unaccepted) rather than leaking it until ``unit_ttl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Literal

from ..config import RateBudget
from ..errors import CoordinationError, InvalidInput, RateLimited
from ..http.limiter import ISOLATION_SHARE, BudgetState, Lane, LocalRateLimiter, is_quota
from . import _scripts
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, open_backend, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Fallback", "RedisRateLimiter"]

log = logging.getLogger("spotify_async.distributed")

#: what to do when Redis cannot be reached: raise CoordinationError, or carry on with a process-local component
Fallback = Literal["error", "local"]

_POLL = 0.025  # a release, not time, frees the next unit: ask again this often
_MAX_POLL = 0.25  # a refused head asks again at least this often (units freed by another process's 429s)
_JITTER = 0.004
_REASON = "client rate budget"
_STATES: dict[str, BudgetState] = {"known": "known", "discovering": "discovering", "unlimited": "unlimited"}


def check_fallback(fallback: str) -> None:
    if fallback not in ("error", "local"):
        raise InvalidInput(f"fallback must be 'error' or 'local', got {fallback!r}")


class _Waiter:
    __slots__ = ("kicked", "lane", "wake")

    def __init__(self, lane: Lane) -> None:
        self.lane: Lane = lane
        self.wake: asyncio.Future[None] | None = None
        self.kicked = False  # woken by a release of this process: ask Redis now, whatever the named wait said


def _set(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


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
        poll: float = _POLL,
        max_poll: float = _MAX_POLL,
    ) -> None:
        if unit_ttl <= 0:
            raise InvalidInput("unit_ttl must be > 0 seconds")
        if not 0 < poll <= max_poll:
            raise InvalidInput("poll and max_poll must satisfy 0 < poll <= max_poll (seconds)")
        check_fallback(fallback)
        self.budget = budget
        self.window = budget.window
        self.unit_ttl = unit_ttl
        self.fallback: Fallback = fallback
        self.retry_interval = retry_interval
        self.poll = poll
        self.max_poll = max_poll
        self._backend = open_backend(redis, timeout=timeout)
        keys = Keys(namespace, client_id)
        self._keys = [
            keys("budget", "inflight"),
            keys("budget", "accepted"),
            keys("budget", "state"),
            keys("budget", "interactive"),
        ]
        window_ms = f"{budget.window * 1000.0:.3f}"
        ceiling = "" if budget.limit is None else str(budget.limit)
        self._state_ttl_ms = int(max(3600.0, (budget.hold + 100) * budget.window) * 1000)
        self._owner = secrets.token_hex(6)
        # ARGV of each script after its first (the unit) or with it, in the scripts' order
        self._acquire_args: list[str | int | float] = [
            ceiling,
            window_ms,
            f"{unit_ttl * 1000.0:.3f}",
            "1" if budget.adaptive else "0",
            repr(budget.increase),
            str(budget.probe),
            repr(budget.reserve),
        ]
        # an interactive head's mark outlives its next poll (at most max_poll away) with a margin for a busy loop
        mark_ms = (2 * max_poll + 4 * poll) * 1000.0
        self._acquire_tail: list[str | int | float] = [self._owner, "", f"{mark_ms:.3f}", self._state_ttl_ms]
        self._release_args: list[str | int | float] = [ceiling, window_ms]
        self._release_tail: list[str | int | float] = [repr(budget.decrease), self._state_ttl_ms]
        self._learn_args: list[str | int | float] = [
            str(budget.floor),
            ceiling,
            window_ms,
            repr(budget.decrease),
            "1" if budget.adaptive else "0",
            self._state_ttl_ms,
            str(budget.hold),
            repr(ISOLATION_SHARE),
        ]
        self._snapshot_args: list[str | int | float] = ["", ceiling, window_ms]
        self._limit: float | None = float(budget.limit) if budget.limit is not None else None
        self._state: BudgetState = (
            "known" if budget.limit is not None else "discovering" if budget.adaptive else "unlimited"
        )
        self._serial = 0
        #: units this process holds: a Redis member name, or None for a unit of the local fallback
        self._held: deque[str | None] = deque()
        self._queues: dict[Lane, deque[_Waiter]] = {"interactive": deque(), "background": deque()}
        self._local: LocalRateLimiter | None = None
        self._retry_at = 0.0
        self._releases: set[asyncio.Task[object]] = set()
        #: paces this process learned from a 429 (the shared count is in :meth:`snapshot`)
        self.decreases = 0
        #: 429s this process reported that taught nothing (quota, not adaptive, same overshoot, evidence, isolated)
        self.ignored = 0
        #: why the last 429 this process reported did or did not teach a pace
        self.last_verdict: str | None = None
        #: times this process fell back to its local limiter
        self.fallbacks = 0

    def __repr__(self) -> str:
        return f"<RedisRateLimiter {self._backend.where} {self._keys[2]} limit={self._limit}>"

    @property
    def current_limit(self) -> float | None:
        """The shared pace per window as of this process's last exchange with Redis (None: no known cap)."""
        if self._local is not None:
            return self._local.current_limit
        return self._limit

    @property
    def state(self) -> BudgetState:
        """``known``, ``discovering`` or ``unlimited``, as of this process's last exchange with Redis."""
        if self._local is not None:
            return self._local.state
        return self._state

    @property
    def using_fallback(self) -> bool:
        return self._local is not None

    @property
    def waiting(self) -> int:
        """Calls of this process queued for a unit (both lanes)."""
        return len(self._queues["interactive"]) + len(self._queues["background"])

    # ------------------------------------------------------------------ synchronous paths (none: Redis is I/O)
    def try_acquire(self, lane: Lane = "interactive") -> bool:
        """No synchronous path: every admission asks Redis (the scheduler then awaits :meth:`acquire`)."""
        return False

    def release_nowait(self, *, accepted: bool = True) -> bool:
        """No synchronous path: a release is a Redis round trip (the scheduler then awaits :meth:`release`)."""
        return False

    # ------------------------------------------------------------------ acquire
    async def _ask(self, lane: Lane) -> tuple[bool, float, str]:
        """One admission attempt: (admitted, seconds until time alone could admit, negative: a release will; the
        unit's name)."""
        self._serial += 1
        unit = f"{self._owner}:{self._serial}"
        more = "1" if lane == "interactive" and len(self._queues["interactive"]) > 1 else "0"
        tail = self._acquire_tail
        args: list[str | int | float] = [unit, *self._acquire_args, lane, tail[0], more, tail[2], tail[3]]
        answer = await self._backend.script(_scripts.ACQUIRE, self._keys, args)
        limit = text(answer[1])
        self._limit = float(limit) if limit else None
        self._state = _STATES.get(text(answer[3]), self._state)
        if int(answer[0]) == 1:
            return True, 0.0, unit
        return False, float(text(answer[2])) / 1000.0, unit

    async def _try(self, lane: Lane) -> tuple[bool, float]:
        """:meth:`_ask`, holding the unit when admitted; a caller cancelled while the answer is on the wire hands
        the unit it would have got straight back (unaccepted) instead of keeping it until ``unit_ttl``."""
        task = asyncio.ensure_future(self._ask(lane))
        try:
            admitted, wait, unit = await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(self._hand_back)
            raise
        if admitted:
            self._held.append(unit)
        return admitted, wait

    def _hand_back(self, task: asyncio.Task[tuple[bool, float, str]]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        admitted, _, unit = task.result()
        if admitted:
            self._spawn_release(unit, accepted=False)

    def _unmark(self) -> None:
        """This process has no interactive call waiting any more: drop its mark now rather than when it expires."""
        task = asyncio.ensure_future(self._backend.execute("budget unmark", "ZREM", self._keys[3], self._owner))
        self._releases.add(task)
        task.add_done_callback(self._discard_unmark)

    def _discard_unmark(self, task: asyncio.Task[object]) -> None:
        self._releases.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("could not drop the interactive mark (it expires by itself): %s", task.exception())

    def _fall_back(self, exc: CoordinationError) -> LocalRateLimiter:
        if self._local is None:
            self.fallbacks += 1
            log.warning("shared rate budget unavailable, continuing with a local one: %s", exc)
            self._local = LocalRateLimiter(self.budget)
        self._retry_at = time.monotonic() + self.retry_interval
        return self._local

    async def _local_acquire(self, local: LocalRateLimiter, max_wait: float, lane: Lane) -> float:
        waited = await local.acquire(max_wait, lane)
        self._held.append(None)
        return waited

    def _queued_ahead(self, lane: Lane) -> bool:
        queues = self._queues
        return bool(queues["interactive"] or (lane == "background" and queues["background"]))

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
            first_wait: float | None = None
            if not self._queued_ahead(lane):
                admitted, first_wait = await self._try(lane)
                if admitted:
                    self._recovered()
                    return 0.0
            return await self._acquire_slow(lane, start, max_wait, first_wait)
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            remaining = max(0.0, max_wait - (time.monotonic() - start))
            return await self._local_acquire(self._fall_back(exc), remaining, lane)

    def _recovered(self) -> None:
        if self._local is not None:
            log.warning("shared rate budget reachable again: leaving the local fallback")
            self._local = None

    def _is_head(self, waiter: _Waiter) -> bool:
        queues = self._queues
        if waiter.lane == "interactive":
            return queues["interactive"][0] is waiter
        return not queues["interactive"] and queues["background"][0] is waiter

    def _wake_heads(self, *, kick: bool = False) -> None:
        queues = self._queues
        head = queues["interactive"][0] if queues["interactive"] else None
        if head is None and queues["background"]:
            head = queues["background"][0]
        if head is not None:
            head.kicked = head.kicked or kick
            _set(head.wake)

    def _pause(self, wait: float) -> float:
        """How long a refused head sleeps before asking again, from the script's answer."""
        if wait < 0:
            return self.poll
        return min(wait, self.max_poll) + random.uniform(0.0, _JITTER)

    async def _acquire_slow(self, lane: Lane, start: float, max_wait: float, first_wait: float | None) -> float:
        deadline = start + max_wait
        loop = asyncio.get_running_loop()
        waiter = _Waiter(lane)
        queue = self._queues[lane]
        queue.append(waiter)
        # the first answer, as an instant (None: not asked yet, because others of this process were queued ahead)
        ask_at = start if first_wait is None else start + self._pause(first_wait)
        admitted = False
        try:
            if first_wait is not None:
                self._check_hopeless(first_wait, start, deadline, max_wait)
            while True:
                now = time.monotonic()
                if self._is_head(waiter) and (waiter.kicked or now >= ask_at):
                    waiter.kicked = False
                    asked = time.monotonic()
                    admitted, wait = await self._try(lane)
                    if admitted:
                        self._recovered()
                        return time.monotonic() - start
                    self._check_hopeless(wait, asked, deadline, max_wait)
                    ask_at = asked + self._pause(wait)
                    continue
                remaining = deadline - now
                if remaining <= 0:
                    raise RateLimited(max(0.0, ask_at - now), reason=_REASON, max_wait=max_wait, waiting_for="budget")
                delay = min(ask_at - now, remaining) if self._is_head(waiter) else remaining
                wake = waiter.wake = loop.create_future()
                timer = loop.call_later(max(0.0, delay), _set, wake)
                try:
                    await wake
                finally:
                    timer.cancel()
                    waiter.wake = None
        finally:
            with contextlib.suppress(ValueError):
                queue.remove(waiter)
            if lane == "interactive" and not admitted and not self._queues["interactive"] and self._local is None:
                self._unmark()  # gave up or was cancelled: background may go again at once
            self._wake_heads()

    def _check_hopeless(self, wait: float, asked: float, deadline: float, max_wait: float) -> None:
        """With a known cap, time alone frees a unit, at the instant the script named: past the deadline, say so now."""
        if wait > 0 and self._state == "known" and asked + wait > deadline:
            raise RateLimited(wait, reason=_REASON, max_wait=max_wait, waiting_for="budget")

    # ------------------------------------------------------------------ release
    async def release(self, *, accepted: bool = True) -> None:
        """End the unit of one attempt: an accepted response starts its cool-down, a 429 frees it at once (never an
        accepted unit). Never raises; survives the caller's cancellation."""
        if not self._held:
            return
        unit = self._held.popleft()
        if unit is None:
            if self._local is not None:
                await self._local.release(accepted=accepted)
            return
        # shielded: a cancelled request must still hand its unit back, or the budget shrinks until unit_ttl
        await asyncio.shield(self._spawn_release(unit, accepted=accepted))

    def _spawn_release(self, unit: str, *, accepted: bool) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._release(unit, accepted))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)
        return task

    async def _release(self, unit: str, accepted: bool) -> None:
        args: list[str | int | float] = [unit, *self._release_args, "1" if accepted else "0", *self._release_tail]
        try:
            await self._backend.script(_scripts.RELEASE, self._keys, args)
        except CoordinationError as exc:
            log.debug("could not release a budget unit (it expires after unit_ttl): %s", exc)
        else:
            if self.waiting:
                self._wake_heads(kick=True)  # a unit of ours changed state: our head asks again at once

    # ------------------------------------------------------------------ 429
    async def on_rate_limited(self, retry_after: float, reason: str | None = None) -> None:
        """A 429 arrived (its unit already released): learn a shared pace from it by the rules, or nothing."""
        if is_quota(retry_after, reason, self.budget):
            self.ignored += 1
            self.last_verdict = "quota"
            return
        if self._local is not None:
            await self._local.on_rate_limited(retry_after, reason)
            return
        args = [*self._learn_args, f"{max(0.0, retry_after) * 1000.0:.3f}"]
        try:
            answer = await self._backend.script(_scripts.RATE_LIMITED, self._keys, args)
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            await self._fall_back(exc).on_rate_limited(retry_after, reason)
            return
        limit = text(answer[1])
        self._limit = float(limit) if limit else None
        if limit:
            self._state = "known"
        self.last_verdict = text(answer[3])
        if int(answer[0]) == 1:
            self.decreases += 1
            log.debug("shared pace learned: %s per %gs", self._limit, self.window)
        else:
            self.ignored += 1

    # ------------------------------------------------------------------ introspection, lifecycle
    async def snapshot(self) -> dict[str, float | int | None]:
        """The shared state now: ``limit`` (the pace; None: no known cap), units ``in_flight`` and ``cooling``
        (accepted, within the window), ``decreases`` (paces learned), ``ignored`` (429s that taught nothing),
        ``pending`` (responses still due from the last learning), ``interactive_waiting`` (processes whose
        interactive calls wait for budget)."""
        answer = await self._backend.script(_scripts.SNAPSHOT, self._keys, self._snapshot_args)
        limit = text(answer[0])
        return {
            "limit": float(limit) if limit else None,
            "in_flight": int(answer[1]),
            "cooling": int(answer[2]),
            "decreases": int(answer[3]),
            "ignored": int(answer[4]),
            "pending": int(answer[5]),
            "interactive_waiting": int(answer[6]),
        }

    async def reset(self) -> None:
        """Forget the shared state of this app (units, pace, marks): for tests and operators."""
        await self._backend.execute("budget reset", "DEL", *self._keys)

    async def aclose(self) -> None:
        """Wait (bounded) for pending releases, then close the Redis client if this limiter created it."""
        if self._releases:
            await asyncio.wait(set(self._releases), timeout=self._backend.timeout)
        await self._backend.aclose()
