"""Scenario ``isolated_429`` (issue #9): one 429 with ``Retry-After: 1`` in a steady stream of calls, and what the
throughput does after the gate reopens.

The server is FakeSpotify in its own process with no hidden limit and 20 ms latency; one 429 (``Retry-After: 1``) is
injected as a fault on the next track lookup. The client is ``Config(budget=RateBudget(window=W))`` (limit unknown,
so the limiter may learn from the 429), ``W`` scaled down from Spotify's 30 s (10 s in the full profile, 5 s in the
quick one). The stream is open loop: a call is started every ``1 / rate`` seconds (100 per second) whatever happened
to the others, as requests arrive at a web backend, so the throughput before the 429 is the offered rate and a
client that throttles itself afterwards falls visibly behind it.

Two cases:

* ``steady``: the 429 comes after one full window of the stream (the goal's case);
* ``first_request``: the 429 answers the very first request of the session, before any response came back (a cold
  start or a restart while another process of the app is busy); "before" is then the offered rate.

Figures per case (``t429``: the moment the client saw the 429; the gate reopens at ``t429 + 1``):

* ``before_per_s``: calls completed per second in ``[t429 - W, t429]`` (the offered rate for ``first_request``);
* ``after_per_s``: calls completed per second in ``[reopen, reopen + W]`` (the calls queued while the gate was shut
  are completed in it too, so a healthy client shows slightly more than ``before``);
* ``after_ratio``: the two divided;
* ``recovered_after_s``: the least ``d`` such that every 1-second span from ``reopen + d`` to the end of the after
  window completed at least 90 % of ``before``'s rate (``null``: not within the window): back, and staying back;
* ``first_back_s``: the least ``d`` at which one 1-second span first reaches 90 % (the goal's words read literally),
  and ``worst_span_after_back``: the smallest share of ``before`` a 1-second span completed after that (a dip);
* ``per_second``: calls completed in each second from ``t429`` (the gate's closed second first), to see where a dip
  is: a limiter that counts units over its window sees the closed second again one window later.

Goal (issue #9): throughput back to >= 90 % of what it was within 2 s of the gate reopening. It is judged on
``recovered_after_s <= 2`` (back and staying back for the rest of the window), the stricter reading: a stall one
window later (a pace learned from the 429 echoing the gate's closed second) is a loss the user feels.
The stream stops at the end of the after window; calls still queued then are cancelled (bounded run).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from typing import Any

from spotify_async import ClientCredentials, Config, RateBudget, Spotify

from ._common import Profile, Table
from ._server import fake_process

__all__ = ["GOAL", "LATENCY", "RETRY_AFTER", "recovery", "run"]

LATENCY = 0.020
RETRY_AFTER = 1.0
GOAL = "after one 429 (Retry-After: 1), >= 90 % of the throughput before within 2 s of the gate reopening"


def count_between(done: list[float], start: float, end: float) -> int:
    """Completions in ``[start, end)`` of a sorted list of instants."""
    return bisect.bisect_left(done, end) - bisect.bisect_left(done, start)


def recovery(done: list[float], reopen: float, window: float, rate: float, share: float = 0.9) -> float | None:
    """The least delay ``d`` (0.1 s steps) after ``reopen`` from which every 1-second span up to ``reopen + window``
    completed at least ``share * rate`` calls; None when no such delay exists within the window."""
    step, span = 0.1, 1.0
    need = share * rate * span
    starts = [reopen + i * step for i in range(round((window - span) / step) + 1)]
    ok = [count_between(done, t, t + span) >= need for t in starts]
    # the last failing span: recovery starts just after it
    for i in range(len(ok) - 1, -1, -1):
        if not ok[i]:
            return None if i == len(ok) - 1 else round((i + 1) * step, 1)
    return 0.0


def first_back(done: list[float], reopen: float, window: float, rate: float, share: float = 0.9) -> float | None:
    """The least delay ``d`` (0.1 s steps) after ``reopen`` at which a 1-second span first completes at least
    ``share * rate`` calls (whatever comes after); None when none does within the window."""
    step, span = 0.1, 1.0
    for i in range(round((window - span) / step) + 1):
        t = reopen + i * step
        if count_between(done, t, t + span) >= share * rate * span:
            return round(i * step, 1)
    return None


def worst_span(done: list[float], start: float, end: float, rate: float) -> float | None:
    """The smallest share of ``rate`` any 1-second span in ``[start, end]`` completed (0.1 s steps)."""
    if end - start < 1.0:
        return None
    spans = [
        count_between(done, start + i * 0.1, start + i * 0.1 + 1.0) for i in range(round((end - start - 1) / 0.1) + 1)
    ]
    return round(min(spans) / rate, 3)


class _Stream:
    """Open-loop calls: one started every ``1 / rate`` s; records when each successful call completed."""

    def __init__(self, sp: Spotify, ids: list[str], rate: float) -> None:
        self.sp = sp
        self.ids = ids
        self.rate = rate
        self.done: list[float] = []
        self.failed = 0
        self.started = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()

    async def _one(self, track_id: str) -> None:
        try:
            await self.sp.tracks.get(track_id)
        except Exception:
            self.failed += 1
        else:
            self.done.append(time.perf_counter())

    async def run(self) -> None:
        t0 = time.perf_counter()
        i = 0
        while not self._stop.is_set():
            delay = t0 + i / self.rate - time.perf_counter()
            if delay > 0:
                try:
                    await asyncio.wait_for(self._stop.wait(), delay)
                    break
                except asyncio.TimeoutError:
                    pass
            task = asyncio.ensure_future(self._one(self.ids[i % len(self.ids)]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self.started += 1
            i += 1

    async def stop(self, grace: float = 1.0) -> int:
        """Stop starting calls, give those in flight ``grace`` seconds, cancel the rest; how many were cancelled."""
        self._stop.set()
        pending = set(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=grace)
            return len(still)
        return 0


async def _saw_429(sp: Spotify, timeout: float = 10.0) -> float:
    """The instant (perf_counter) the session met its first 429, polled every 2 ms (bounded)."""
    deadline = time.perf_counter() + timeout
    while sp.stats["rate_limited"] < 1:
        if time.perf_counter() > deadline:
            raise TimeoutError("the injected 429 never reached the client")
        await asyncio.sleep(0.002)
    return time.perf_counter()


async def _case(server: Any, ids: list[str], window: float, rate: float, cold: bool) -> dict[str, Any]:
    config = Config(budget=RateBudget(window=window))
    fault = {"kind": "status", "status": 429, "headers": {"Retry-After": f"{RETRY_AFTER:g}"}, "path": "/tracks"}
    async with Spotify(
        ClientCredentials(server.client_id, server.client_secret),
        api_base=server.api_base,
        accounts_base=server.accounts_base,
        mode="extended",
        config=config,
    ) as sp:
        await sp.tokens.get()
        if cold:
            await server.control_async("inject", **fault)
        stream = _Stream(sp, ids, rate)
        runner = asyncio.ensure_future(stream.run())
        try:
            if not cold:
                await asyncio.sleep(window + 0.5)  # one full window of steady traffic (and half a second to settle)
                await server.control_async("inject", **fault)
            t429 = await _saw_429(sp)
            reopen = t429 + RETRY_AFTER
            await asyncio.sleep(max(0.0, reopen + window - time.perf_counter()))
        finally:
            cancelled = await stream.stop()
            await runner
        limit = sp.scheduler.limiter.current_limit
        stats = sp.stats
    done = sorted(stream.done)
    before = rate if cold else count_between(done, t429 - window, t429) / window
    after = count_between(done, reopen, reopen + window) / window
    recovered = recovery(done, reopen, window, before)
    back = first_back(done, reopen, window, before)
    return {
        "before_per_s": round(before, 2),
        "after_per_s": round(after, 2),
        "after_ratio": round(after / before, 4) if before else None,
        "recovered_after_s": recovered,
        "met": recovered is not None and recovered <= 2.0,
        "first_back_s": back,
        "worst_span_after_back": None if back is None else worst_span(done, reopen + back, reopen + window, before),
        # completions in each second from the 429 (the gate's second first): where a dip is, and how deep
        "per_second": [count_between(done, t429 + i, t429 + i + 1) for i in range(int(RETRY_AFTER + window))],
        "calls_started": stream.started,
        "calls_ok": len(done),
        "failed": stream.failed,
        "cancelled_at_end": cancelled,
        "limit_after": limit,
        "rate_limited_seen": stats["rate_limited"],
        "budget_waited_s": round(stats["budget_waited"], 3),
        "gate_waited_s": round(stats["gate_waited"], 3),
    }


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    window, rate = prof.isolated_window, prof.isolated_rate
    print(
        f"isolated_429: {rate:g} calls/s offered (open loop), RateBudget(window={window:g}), one 429 with "
        f"Retry-After: {RETRY_AFTER:g}; throughput over the window before it and the window after the gate reopens"
    )
    out: dict[str, Any] = {"window_s": window, "rate_per_s": rate, "latency_ms": LATENCY * 1000, "cases": {}}
    async with fake_process(latency=LATENCY) as server:
        ids: list[str] = list(server.catalog.tracks)
        for name, cold in (("steady", False), ("first_request", True)):
            figures = out["cases"][name] = await _case(server, ids, window, rate, cold)
            recovered, back = figures["recovered_after_s"], figures["first_back_s"]
            table.add(
                "isolated_429",
                name,
                f"{figures['after_ratio']:.0%} of before",
                "",
                f"first back to 90 % after {'never' if back is None else f'{back:g} s'}, "
                f"stays after {'never' if recovered is None else f'{recovered:g} s'} "
                f"(goal <= 2 s: {'met' if figures['met'] else 'MISSED'}); {figures['before_per_s']:g}/s before, "
                f"{figures['after_per_s']:g}/s after, failed {figures['failed']}",
            )
    return out
