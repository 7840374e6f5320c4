"""Rate limiters: the client-side rolling-window budget, as a protocol with a local (in-process) implementation.

Theory
------
Spotify counts requests per app over a rolling window (30 s) and answers 429 past a number it does not publish. The
limiter decides *how many* requests may be out per window; the 429 gate (:mod:`~spotify_async.http.gate`) decides
*when* after a 429 anything may go; the two never stand in for each other. The rules, precisely enough to port (the
Redis limiter's Lua script follows them step for step, so N processes behave like one):

**Accounting.** A request holds a *unit* from its admission until ``window`` seconds after its response arrived.
Counting from the response, not the send, makes the bound exact: the server saw the request somewhere between our
send and our receipt, so a unit released ``window`` after the receipt can no longer share a server window with its
successor, whatever the latency did. The state is: ``F`` units in flight (admitted, no response yet) and the receipt
times of *accepted* responses within the last window (``A`` of them: the evidence). A response is accepted unless it
is a 429: a 429 releases its unit at once and is never counted in ``A`` (it is not something the server let through,
and counting it made the learned pace too high). Occupancy is ``O = F + A``. Units are held only by requests on the
wire: the scheduler gives a unit back unaccepted (``release(accepted=False)``) when its call finds the gate shut, and
takes one again after the wait; a request that never reached the server (a refused connection) is unaccepted too.

**The cap.** ``cap`` is the number of units per window now allowed, one of three states:

1. *Known*: ``RateBudget.limit`` was given (the ceiling ``C``), or a pace ``P`` was learned. ``cap = min(P, C)``
   (``P`` starts at ``C`` when one is given). A unit is admitted while ``O < cap``. Nothing else paces sends: the
   rolling window alone keeps every server window under ``cap``, so bursts up to what is unused go at once.
2. *Discovering*: no limit given, nothing learned yet, ``adaptive=True`` (the default). The limit is unknown, so
   releasing the whole concurrency cap at once would, at the first overshoot, have ``max_concurrency`` requests on the
   wire, all refused (429s come back *before* the accepted requests of the same burst: they have no work behind them).
   Instead the in-flight count is paced: a unit is admitted while ``F < max(probe, A / 16)`` (``RateBudget.probe``, 4
   by default). Sends are then spread in time by the responses themselves (each one admits the next), and the ramp is
   automatic: the allowance grows with what the server accepted in the last window. At the first overshoot only the
   few requests in flight can be refused, and the window holds ``A`` accepted responses against ``F`` tiny: strong
   evidence of the limit.
3. *Unlimited*: no limit and ``adaptive=False``. Every unit is admitted at once; only the gate acts.

**Lanes.** Calls run in the ``"interactive"`` lane (the default) or the ``"background"`` one. A share of the cap is
kept for interactive calls: with ``R = RateBudget.reserve`` (0.1), a background unit is admitted only while
``O < cap - max(1, ceil(R * cap))`` (the same rule on the in-flight allowance while discovering; no reserve while
unlimited: there is nothing to share). Waiters queue per lane, FIFO within a lane, and a freed unit goes to the
interactive queue first. Background is held back only by the reserve and by interactive calls actually waiting.

**Learning from a 429** (``on_rate_limited(retry_after, reason)``; the 429's unit was already released unaccepted).
With ``A``, ``F``, ``O`` as above, and ``now`` the clock:

1. *Quota, not pace*: ``reason == "QUOTA_EXCEEDED"`` or ``retry_after > RateBudget.quota_after`` (120 s): learn
   nothing (a daily quota says nothing about a 30-second window). The scheduler raises
   :class:`~spotify_async.errors.RateLimited` at once for ``QUOTA_EXCEEDED``, and for any closure longer than what
   remains of the call's ``max_wait``.
2. ``adaptive=False``: learn nothing, ever. Only the gate acts.
3. *One overshoot, one signal*: a pace learned less than one ``window`` ago is left alone (the other 429s of the
   same overshoot carry no new information).
4. *A refuted probe*: when the pace has crept above ``G`` (see "Creeping up": the pace before the latest creep step,
   which a whole window pressed on without a 429), a 429 refutes the creep whatever the evidence: ``P = G`` (never
   above ``C``), ``G`` is forgotten, and ``P`` is held and takes pending evidence as in step 7 (up to ``G``). Without
   this a 429 met at a window's start, with most of the window's requests still in flight, taught nothing (step 5),
   and the pace crept on a window at a time, each window's 429s more than the last.
5. *Evidence*: when ``A < floor`` or ``A < F`` (few responses in the window, or most requests still in flight, as on
   a cold start, a restart while another process of the app is busy, or the first burst of a session), learn nothing:
   the 429 costs only its ``Retry-After`` at the gate, never a cut below what was recently accepted.
6. *Isolation*: a 429 with no other 429 in the last window is isolated (a blip, someone else's share, a server
   hiccup), and teaches nothing, unless the pace is known and the app was pressing on it (``O >= 0.8 * cap``: our
   own traffic just met the limit). A second 429 within a window is not isolated. So while discovering, one 429 in a
   burst costs only its pause, and a real limit shows itself at once after the gate reopens (the window is still
   full, so the next request is refused too): that one teaches.
7. Otherwise learn: ``P = min(C, max(floor, decrease * A))`` (``decrease`` is 1.0 by default: exactly what the
   server accepted in the last window). Record the instant, and hold ``P`` for ``hold`` windows. The ``F`` requests
   still in flight are *pending evidence* (a 429 comes back before the accepted requests sent just ahead of it): of
   the next ``F`` responses, each accepted one raises ``P`` by ``decrease``; a 429 among them adds nothing. Without
   this the pace settles a few requests under the limit for good. Neither the learned ``P`` nor this growth ever
   exceeds ``C``, nor ``G`` when the pace had crept: ``G`` is the pace before the latest creep step, which a whole
   window pressed on without a 429, so a probe that met a 429 falls back under it (and ``G`` is then forgotten).

Every 429 that reaches step 3 or later counts as "a 429 in the last window" for step 6, and keeps its window from
creeping (below).

**Creeping up.** Once the hold is over, each full window in which the cap refused at least one admission (demand
pressed on it) and no 429 came back lets ``P`` grow by ``increase`` of itself (5 %), never above ``C``; the pace
before that step is ``G``. A pace nobody presses on never grows, so an idle app does not drift into a burst the server
refuses, and a window that met a 429, even one that taught nothing, is no evidence that more would pass.

**Waiting.** A call that cannot be admitted joins its lane's queue. Only the head of a queue re-checks, when a unit
is released or when the oldest accepted response leaves the window (a timer on the injected clock), so a queue of 64
costs one wake-up per change, not 64. A call whose deadline (the scheduler's ``max_wait`` for the whole call) passes
first raises :class:`~spotify_async.errors.RateLimited` saying it waited for the budget and when a unit frees; at
the head of the queue it raises at once when no unit can free before its deadline (with a known cap, only time frees
units, so the oldest accepted response's expiry says when).

Clock and sleep are injected (:class:`~spotify_async.http.clock.Clock`), so tests run this on virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable

from ..config import RateBudget
from ..errors import RateLimited
from .clock import SYSTEM_CLOCK, Clock

__all__ = [
    "DISCOVERY_SHARE",
    "LANES",
    "ISOLATION_SHARE",
    "QUOTA_REASON",
    "BudgetState",
    "Lane",
    "LocalRateLimiter",
    "RateLimiter",
    "is_quota",
    "reserved_units",
]

#: the two priority lanes: interactive calls (the default) go ahead of background ones for slots and budget
Lane = Literal["interactive", "background"]
#: every lane, in priority order
LANES: tuple[Lane, ...] = ("interactive", "background")
#: what the budget is doing: a known cap, discovering an unknown one, or unlimited (``adaptive=False``, no limit)
BudgetState = Literal["known", "discovering", "unlimited"]

#: while discovering, at most ``max(probe, DISCOVERY_SHARE * A)`` requests are in flight
DISCOVERY_SHARE = 1 / 16
#: a 429 met while the occupancy is under this share of a known cap (and no other 429 in the window) is isolated
ISOLATION_SHARE = 0.8
#: Spotify's reason for a quota (not a pace) answer
QUOTA_REASON = "QUOTA_EXCEEDED"


def is_quota(retry_after: float, reason: str | None, budget: RateBudget) -> bool:
    """Whether a 429 is a quota (raise RateLimited, learn no pace) rather than a pace signal."""
    return reason == QUOTA_REASON or retry_after > budget.quota_after


def reserved_units(cap: float, reserve: float) -> float:
    """Units of ``cap`` a background call may not take (``max(1, ceil(reserve * cap))``; none when reserve is 0)."""
    if reserve <= 0:
        return 0.0
    return float(max(1, math.ceil(reserve * cap)))


@runtime_checkable
class RateLimiter(Protocol):
    """What the scheduler asks of a rate budget: a synchronous fast path and an awaited slow path for each step.

    The scheduler calls :meth:`try_acquire` first and awaits :meth:`acquire` only when it returns False; after the
    attempt it calls :meth:`release_nowait` and awaits :meth:`release` only when that returns False. A limiter with no
    synchronous path (Redis) simply returns False from both.
    """

    def try_acquire(self, lane: Lane = "interactive") -> bool:
        """Admit one unit now if the budget allows it without waiting; False means: call :meth:`acquire`."""
        ...

    async def acquire(self, max_wait: float, lane: Lane = "interactive") -> float:
        """Wait for a unit; return the seconds waited. Raise RateLimited rather than wait past ``max_wait``."""
        ...

    def release_nowait(self, *, accepted: bool = True) -> bool:
        """End the unit of one attempt now if possible (False: call :meth:`release`). ``accepted=False`` for a 429."""
        ...

    async def release(self, *, accepted: bool = True) -> None:
        """End the unit of one attempt: an accepted response starts its cool-down; a 429 frees it at once."""
        ...

    async def on_rate_limited(self, retry_after: float, reason: str | None = None) -> None:
        """A 429 arrived (its unit already released): learn from it by the rules of the module docstring."""
        ...

    @property
    def current_limit(self) -> float | None:
        """The units per window now in force (``None``: no known cap, discovering or unlimited)."""
        ...


class _Waiter:
    __slots__ = ("lane", "wake")

    def __init__(self, lane: Lane) -> None:
        self.lane: Lane = lane
        self.wake: asyncio.Future[None] | None = None


def _set(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


class LocalRateLimiter:
    """The adaptive rolling-window budget of one process (the rules are in the module docstring)."""

    def __init__(self, budget: RateBudget, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.budget = budget
        self.window = budget.window
        self.clock = clock
        self._now: Callable[[], float] = time.monotonic if clock is SYSTEM_CLOCK else clock.now
        self._ceiling: float | None = float(budget.limit) if budget.limit is not None else None
        #: the learned pace P (starts at the ceiling when one is given)
        self._pace: float | None = self._ceiling
        self._in_flight = 0
        self._accepted: deque[float] = deque()  # receipt times of accepted responses within the window
        self._last_learned = -math.inf
        self._last_429 = -math.inf
        self._hold_until = -math.inf
        self._next_creep = -math.inf
        self._pressed_at = -math.inf  # last time the cap refused an admission
        self._pending = 0  # responses still to come that were in flight when the pace was learned
        self._good: float | None = None  # G: the pace before the latest creep step
        self._learn_cap = math.inf  # what pending evidence may raise the pace to: min(C, G)
        self._queues: dict[Lane, deque[_Waiter]] = {"interactive": deque(), "background": deque()}
        self._iq = self._queues["interactive"]
        self._bq = self._queues["background"]
        self._adaptive = budget.adaptive
        self._probe = budget.probe
        #: times a pace was learned from a 429 (demo and tests read it)
        self.decreases = 0
        #: 429s that taught nothing (quota, no evidence, isolated, same overshoot)
        self.ignored = 0

    # ----------------------------------------------------------------- state
    @property
    def current_limit(self) -> float | None:
        return self._pace

    @property
    def state(self) -> BudgetState:
        if self._pace is not None:
            return "known"
        return "discovering" if self.budget.adaptive else "unlimited"

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def accepted_in_window(self) -> int:
        """``A``: accepted responses received within the last window."""
        self._prune(self._now())
        return len(self._accepted)

    @property
    def waiting(self) -> int:
        """Calls queued for a unit (both lanes)."""
        return len(self._queues["interactive"]) + len(self._queues["background"])

    def _prune(self, now: float) -> None:
        cutoff = now - self.window
        accepted = self._accepted
        while accepted and accepted[0] <= cutoff:
            accepted.popleft()

    def _creep(self, now: float) -> None:
        if now < self._next_creep:
            return
        pace = self._pace
        # grow only for a window that began after the hold, in which demand pressed on the cap and no 429 came back
        # (one that taught nothing included): G must be a pace a whole pressed window bore without a 429
        window_start = self._next_creep - self.window
        if (
            pace is not None
            and self.budget.adaptive
            and self._pressed_at >= max(window_start, self._hold_until)
            and self._last_429 < window_start
        ):
            self._good = pace
            grown = pace * (1 + self.budget.increase)
            ceiling = self._ceiling
            self._pace = grown if ceiling is None else min(grown, ceiling)
        self._next_creep = now + self.window

    def _admissible(self, lane: Lane, now: float) -> bool:
        """Whether one unit may be admitted for ``lane`` now (the cap of the module docstring)."""
        pace = self._pace
        if pace is None and not self.budget.adaptive:
            return True
        self._prune(now)
        accepted = len(self._accepted)
        if pace is not None:
            self._creep(now)
            cap = self._pace if self._pace is not None else pace
            used = self._in_flight + accepted
        else:
            cap = max(float(self.budget.probe), DISCOVERY_SHARE * accepted)
            used = self._in_flight
        if lane == "background":
            cap -= reserved_units(cap, self.budget.reserve)
        if used < cap:
            return True
        self._pressed_at = now
        return False

    # ----------------------------------------------------------------- acquire
    def try_acquire(self, lane: Lane = "interactive") -> bool:
        """Admit at once when nobody of this lane (or, for background, of any lane) is queued and the cap allows."""
        if self._iq or (lane == "background" and self._bq):
            return False
        if self._pace is None and (
            not self._adaptive or (lane == "interactive" and self._in_flight < self._probe)
        ):  # unlimited, or discovering under the probe: no need to count the window
            self._in_flight += 1
            return True
        if self._admissible(lane, self._now()):
            self._in_flight += 1
            return True
        return False

    async def acquire(self, max_wait: float, lane: Lane = "interactive") -> float:
        if self.try_acquire(lane):
            return 0.0
        return await self._acquire_slow(lane, max_wait)

    def _is_head(self, waiter: _Waiter) -> bool:
        queues = self._queues
        if waiter.lane == "interactive":
            return queues["interactive"][0] is waiter
        return not queues["interactive"] and queues["background"][0] is waiter

    def _next_change(self, now: float) -> float:
        """Seconds until time alone could admit someone (the oldest accepted response leaves the window)."""
        if self._accepted:
            return max(0.0, self._accepted[0] + self.window - now)
        if self._pace is not None and self._in_flight:
            return self.window  # a response arriving now cools for a whole window: the earliest a unit frees
        return math.inf  # only a release can help: wait for one

    async def _acquire_slow(self, lane: Lane, max_wait: float) -> float:
        clock = self.clock
        start = self._now()
        deadline = start + max_wait
        waiter = _Waiter(lane)
        queue = self._queues[lane]
        queue.append(waiter)
        loop = asyncio.get_running_loop()
        try:
            while True:
                now = self._now()
                head = self._is_head(waiter)
                if head and self._admissible(lane, now):
                    self._in_flight += 1
                    return now - start
                remaining = deadline - now
                change = self._next_change(now) if head else math.inf
                # known cap: a response moves its unit from in flight to cooling, so only time frees one
                hopeless = head and change > remaining and (self._in_flight == 0 or self._pace is not None)
                if remaining <= 0 or hopeless:
                    could_go = change if math.isfinite(change) else 0.0
                    raise RateLimited(could_go, reason="client rate budget", max_wait=max_wait, waiting_for="budget")
                wake = waiter.wake = loop.create_future()
                delay = min(change, remaining)
                # no timer for an unbounded wait (max_wait=inf was the caller's choice): a release wakes the head
                timer = clock.call_later(delay, _set, wake) if math.isfinite(delay) else None
                try:
                    await wake
                finally:
                    if timer is not None:
                        timer.cancel()
                    waiter.wake = None
        finally:
            with contextlib.suppress(ValueError):
                queue.remove(waiter)
            self._wake_heads()

    def _wake_heads(self) -> None:
        queues = self._queues
        interactive = queues["interactive"]
        if interactive:
            _set(interactive[0].wake)
        elif queues["background"]:
            _set(queues["background"][0].wake)

    # ----------------------------------------------------------------- release
    def release_nowait(self, *, accepted: bool = True) -> bool:
        self._in_flight -= 1
        if self._pending:
            self._settle_pending(accepted)
        if accepted:
            now = self._now()
            released = self._accepted
            released.append(now)
            # prune here too: while unlimited nothing else would, and the deque would grow forever
            cutoff = now - self.window
            while released[0] <= cutoff:
                released.popleft()
        if self._iq or self._bq:
            self._wake_heads()
        return True

    def _settle_pending(self, accepted: bool) -> None:
        self._pending -= 1
        pace = self._pace
        if accepted and pace is not None:
            self._pace = max(pace, min(pace + self.budget.decrease, self._learn_cap))

    async def release(self, *, accepted: bool = True) -> None:
        self.release_nowait(accepted=accepted)

    # ----------------------------------------------------------------- learning
    async def on_rate_limited(self, retry_after: float, reason: str | None = None) -> None:
        self.learn(retry_after, reason)

    def learn(self, retry_after: float, reason: str | None = None) -> bool:
        """Apply the seven steps of the module docstring to one 429; True when a pace was learned."""
        budget = self.budget
        if is_quota(retry_after, reason, budget) or not budget.adaptive:
            self.ignored += 1
            return False
        now = self._now()
        if now - self._last_learned < self.window:
            self._last_429 = now
            self.ignored += 1
            return False
        self._prune(now)
        accepted = len(self._accepted)
        in_flight = self._in_flight
        recent_429 = now - self._last_429 < self.window
        self._last_429 = now
        good = self._good
        if good is not None and self._pace is not None and self._pace > good:
            # a refuted probe: the pace crept above G, which a whole pressed window bore without a 429, and met one.
            # That needs no evidence of the limit (the creep was our own guess): back to G, held like a learned pace
            self._good = None
            self._settle(now, good, good, in_flight)
            return True
        if accepted < budget.floor or accepted < in_flight:
            self.ignored += 1
            return False
        pace = self._pace
        pressing = pace is not None and accepted + in_flight >= ISOLATION_SHARE * pace
        if not recent_429 and not pressing:
            self.ignored += 1
            return False
        learned = max(float(budget.floor), budget.decrease * accepted)
        ceiling = self._ceiling
        cap = math.inf if ceiling is None else ceiling
        if self._good is not None:  # the probe above G met this 429: G stood a whole pressed window, keep under it
            cap = min(cap, self._good)
            self._good = None
        self._settle(now, min(learned, cap), cap, in_flight)
        return True

    def _settle(self, now: float, pace: float, cap: float, in_flight: int) -> None:
        """A pace learned from a 429 (step 7, or a refuted probe): set it, hold it, and count the in-flight requests
        as pending evidence that may raise it up to ``cap``."""
        self._pace = pace
        self._learn_cap = cap
        self._last_learned = now
        self._hold_until = now + self.budget.hold * self.window
        self._next_creep = self._hold_until + self.window
        self._pending = in_flight
        self.decreases += 1
