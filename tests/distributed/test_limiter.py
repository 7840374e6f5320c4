"""RedisRateLimiter against a real redis-server: the local limiter's rules (spotify_async.http.limiter) held by several
clients sharing one budget, as separate processes would: atomic admission, a 429 never an accepted unit, paced
discovery counted over every process, evidence-only learning, isolation, quota and adaptive=False, the hold and the
creep, the interactive reserve and priority across processes, expiry of a crashed process's units, cancellation.

Windows are short (real time: Redis keeps its own clock), and every wait is bounded above as well as below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from spotify_async.config import RateBudget
from spotify_async.distributed import RedisRateLimiter
from spotify_async.errors import RateLimited
from spotify_async.http.limiter import LocalRateLimiter

from .conftest import RedisServer

LimiterFactory = Callable[..., RedisRateLimiter]


@pytest.fixture
async def limiters(redis_server: RedisServer, namespace: str) -> AsyncIterator[LimiterFactory]:
    """Build limiters that each own a Redis client (one per simulated process); closed after the test."""
    made: list[RedisRateLimiter] = []

    def make(budget: RateBudget, client_id: str = "app1", **kwargs: Any) -> RedisRateLimiter:
        limiter = RedisRateLimiter(redis_server.url, client_id=client_id, budget=budget, namespace=namespace, **kwargs)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


async def fill(limiter: RedisRateLimiter | LocalRateLimiter, accepted: int, in_flight: int = 0) -> None:
    """``accepted`` responses received now (one at a time, so discovery's pacing never holds them up), and
    ``in_flight`` requests still out."""
    for _ in range(accepted):
        await limiter.acquire(1.0)
        await limiter.release()
    for _ in range(in_flight):
        await limiter.acquire(1.0)


async def learned(
    limiters: LimiterFactory, budget: RateBudget, accepted: int
) -> tuple[RedisRateLimiter, RedisRateLimiter]:
    """Two processes' limiters on one app, with a pace learned from ``accepted`` responses in the first: two 429s,
    met by the second, with a full window's evidence."""
    a, b = limiters(budget), limiters(budget)
    await fill(a, accepted)
    await b.on_rate_limited(1.0)
    await b.on_rate_limited(1.0)
    return a, b


async def take_all(limiter: RedisRateLimiter) -> int:
    """Admit units until the cap refuses one (a burst pressing on it); they stay in flight. Returns how many."""
    out = 0
    while True:
        try:
            await limiter.acquire(0.0)
        except RateLimited:
            return out
        out += 1


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = lo = 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_two_clients_share_one_budget_and_neither_starves(limiters: LimiterFactory) -> None:
    budget = RateBudget(limit=20, window=0.5)
    a, b = limiters(budget), limiters(budget)
    admitted: dict[str, list[float]] = {"a": [], "b": []}
    stop = time.monotonic() + 1.8

    async def crawl(name: str, limiter: RedisRateLimiter) -> None:
        while time.monotonic() < stop:
            await limiter.acquire(5.0)
            admitted[name].append(time.monotonic())
            await asyncio.sleep(0.005)  # the "request"
            await limiter.release()

    await asyncio.gather(*(crawl(n, lim) for n, lim in (("a", a), ("b", b)) for _ in range(4)))
    everything = admitted["a"] + admitted["b"]
    # never more than the budget in any window, counting both clients together
    assert _max_in_window(everything, 0.5) <= 20
    # and the budget was really used: ~3 windows' worth in 1.8 s (a unit is busy for window + latency)
    assert len(everything) >= 50
    # fair: each client got a real share of the contended budget
    assert min(len(admitted["a"]), len(admitted["b"])) >= 0.3 * len(everything)


async def test_admission_is_atomic_under_concurrency(limiters: LimiterFactory) -> None:
    budget = RateBudget(limit=37, window=5.0)
    clients = [limiters(budget) for _ in range(4)]

    async def try_one(limiter: RedisRateLimiter) -> bool:
        try:
            await limiter.acquire(0.3)
        except RateLimited:
            return False
        return True

    started = time.monotonic()
    outcomes = await asyncio.gather(*(try_one(c) for c in clients for _ in range(50)))
    # 200 racing acquires from 4 clients, no releases: exactly the budget is admitted, not one more
    assert sum(outcomes) == 37
    assert time.monotonic() - started < 3.0  # the refused ones gave up at once (their wait is ~5 s; slack for load)
    snap = await clients[0].snapshot()
    assert snap["in_flight"] == 37


async def test_rate_limited_when_the_wait_exceeds_max_wait(limiters: LimiterFactory) -> None:
    limiter = limiters(RateBudget(limit=1, window=2.0))
    await limiter.acquire(1.0)
    await limiter.release()
    started = time.monotonic()
    with pytest.raises(RateLimited) as info:
        await limiter.acquire(0.5)
    assert time.monotonic() - started < 0.3  # raised at once: the wait (~2 s) is known to exceed max_wait
    assert 1.5 < info.value.retry_after <= 2.0
    assert info.value.reason == "client rate budget"
    assert info.value.waiting_for == "budget"


async def test_a_wait_for_budget_ends_when_the_oldest_response_leaves_the_window(limiters: LimiterFactory) -> None:
    a, b = limiters(RateBudget(limit=2, window=0.5)), limiters(RateBudget(limit=2, window=0.5))
    await fill(a, 2)
    started = time.monotonic()
    waited = await b.acquire(2.0)  # another process's units: free half a second after their responses
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 0.8
    assert waited == pytest.approx(elapsed, abs=0.05)


async def test_a_429_is_never_an_accepted_unit(limiters: LimiterFactory) -> None:
    limiter = limiters(RateBudget(limit=2, window=30.0))
    for _ in range(5):
        await limiter.acquire(0.1)
        await limiter.release(accepted=False)  # a 429: freed at once, counted nowhere
    assert (await limiter.snapshot())["cooling"] == 0
    await limiter.acquire(0.1)
    await limiter.acquire(0.1)
    with pytest.raises(RateLimited):
        await limiter.acquire(0.1)


async def test_discovery_paces_the_in_flight_count_of_every_process_together(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=30.0)
    a, b = limiters(budget), limiters(budget)
    for _ in range(3):
        assert await a.acquire(0.1) == 0.0
    assert await b.acquire(0.1) == 0.0
    assert a.state == "discovering"
    started = time.monotonic()
    with pytest.raises(RateLimited):
        await b.acquire(0.2)  # probe=4 in flight across both processes: the fifth waits for a response
    assert 0.15 <= time.monotonic() - started < 0.6
    waiter = asyncio.ensure_future(b.acquire(2.0))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await a.release()  # a response in one process admits the next request in the other
    assert await asyncio.wait_for(waiter, 1.0) < 0.5
    for limiter in (a, a, b, b):
        await limiter.release()
    assert (await a.snapshot())["cooling"] == 5
    await fill(a, 155)  # 160 accepted in the window: up to 160/16 = 10 in flight, over both processes
    for _ in range(6):
        await a.acquire(0.1)
    for _ in range(4):
        await b.acquire(0.1)
    with pytest.raises(RateLimited):
        await a.acquire(0.1)
    assert a.current_limit is None  # nothing learned: discovery alone held the pace


async def test_an_early_429_with_little_evidence_teaches_nothing(limiters: LimiterFactory) -> None:
    a, b = limiters(RateBudget(window=30.0)), limiters(RateBudget(window=30.0))
    await fill(a, 0, in_flight=3)
    await b.acquire(0.1)
    await b.release(accepted=False)  # the first response of the session is a 429
    await b.on_rate_limited(1.0)
    assert b.current_limit is None
    assert b.last_verdict == "little evidence"
    # a restart while another process of the app is busy: a ceiling is known, 40 requests are out, 20 came back
    given = RateBudget(limit=100, window=30.0)
    c, d = limiters(given, client_id="app2"), limiters(given, client_id="app2")
    await fill(c, 20, in_flight=40)
    await d.on_rate_limited(1.0)
    assert d.last_verdict == "little evidence"
    snap = await d.snapshot()
    assert snap["limit"] == 100.0
    assert snap["decreases"] == 0


async def test_a_429_with_evidence_teaches_all_processes_once_like_one_process(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=3.0)
    a, b = limiters(budget), limiters(budget)
    alone = LocalRateLimiter(budget)  # the same story told to one process: the shared state must end the same
    for limiter in (a, alone):
        await fill(limiter, 50, in_flight=2)
    await b.on_rate_limited(1.0)  # a lone 429 while discovering: a blip, it costs only its pause
    await alone.on_rate_limited(1.0)
    assert b.last_verdict == "isolated"
    assert (await b.snapshot())["limit"] is None is alone.current_limit
    await a.on_rate_limited(1.0)  # a second one within the window, in another process: the limit speaks
    await alone.on_rate_limited(1.0)
    snap = await b.snapshot()
    assert snap["limit"] == alone.current_limit == 50
    assert snap["decreases"] == 1
    assert snap["pending"] == 2
    await b.on_rate_limited(1.0)  # the same overshoot seen elsewhere: one signal, not two
    assert b.last_verdict == "same overshoot"
    assert (await a.snapshot())["decreases"] == 1
    for limiter in (a, alone):  # the two in flight come back accepted: pending evidence raises the pace
        await limiter.release()
        await limiter.release()
    assert (await a.snapshot())["limit"] == alone.current_limit == 52
    assert a.state == b.state == alone.state == "known"


async def test_pending_evidence_ends_when_the_gate_reopens(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=3.0)
    a, b = limiters(budget), limiters(budget)
    await fill(a, 50, in_flight=2)  # two admitted in another process, that come back after the closure lapsed
    await b.on_rate_limited(0.2)
    await b.on_rate_limited(0.2)
    assert b.last_verdict == "learned"
    await asyncio.sleep(0.25)
    await a.release()  # sent after the closure, into a later server window: no evidence about this one
    await a.release()
    snap = await a.snapshot()
    assert (snap["limit"], snap["pending"]) == (50, 0)


async def test_an_isolated_429_costs_no_pace_but_a_second_one_teaches(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=1.0)
    a, b = limiters(budget), limiters(budget)
    await fill(a, 100)
    await b.on_rate_limited(1.0)
    assert b.last_verdict == "isolated"  # while discovering too: one 429 alone is a blip
    await a.on_rate_limited(1.0)
    assert (await a.snapshot())["limit"] == 100
    await asyncio.sleep(1.05)  # the learned pace stands; the app now sends 30 per window
    await fill(a, 30)
    await b.on_rate_limited(1.0)  # a blip while far under the pace (30 < 0.8 x 100)
    assert b.last_verdict == "isolated"
    assert (await a.snapshot())["limit"] == 100
    await a.on_rate_limited(1.0)  # but a second 429 within a window, in any process, is a signal
    assert a.last_verdict == "learned"
    assert (await b.snapshot())["limit"] == 30


async def test_a_429_while_pressing_on_a_known_pace_teaches_at_once(limiters: LimiterFactory) -> None:
    a, b = limiters(RateBudget(limit=40, window=3.0)), limiters(RateBudget(limit=40, window=3.0))
    await fill(a, 34)  # 34 >= 0.8 x 40: our own traffic met the limit
    await b.on_rate_limited(1.0)
    assert b.last_verdict == "learned"
    assert (await a.snapshot())["limit"] == 34


async def crept_to_30(limiters: LimiterFactory) -> tuple[RedisRateLimiter, RedisRateLimiter]:
    """Two processes' limiters on one app: a pace learned at 20 (two 429s with a full window's evidence), then crept
    20 -> 30 over one window pressed on it (so G, the last pace a pressed window held, is 20)."""
    budget = RateBudget(window=1.0, hold=0, increase=0.5)
    a, b = await learned(limiters, budget, 20)
    assert b.current_limit == 20
    grown = 20.0
    until = time.monotonic() + 3.0
    while grown < 30 and time.monotonic() < until:  # a pressed window: the pace creeps 20 -> 30
        try:
            await a.acquire(0.0)
        except RateLimited:
            await asyncio.sleep(0.01)
        else:
            await a.release()
        grown = (await a.snapshot())["limit"] or 0.0
    assert grown == 30
    return a, b


async def test_a_creep_probe_that_meets_a_429_falls_back_under_the_last_good_pace(limiters: LimiterFactory) -> None:
    a, b = await crept_to_30(limiters)
    while True:  # the probe: use the new room at once
        try:
            await a.acquire(0.0)
        except RateLimited:
            break
        await a.release()
    await a.on_rate_limited(1.0)  # and it meets a 429 while pressing on the pace
    assert a.last_verdict == "probe refuted"  # the creep is undone before any evidence rule is asked
    # back under the last pace a pressed window held (G = 20), however many the window holds now
    assert (await b.snapshot())["limit"] == 20


async def test_a_creep_probe_refuted_at_a_window_start_falls_back_with_most_of_it_in_flight(
    limiters: LimiterFactory,
) -> None:
    # The probe's 429 comes while the window's accepted responses have left it and the probe's own requests are still
    # out (A < F): the evidence rule alone would let it teach nothing, and the pace would creep on past the limit
    a, b = await crept_to_30(limiters)
    await asyncio.sleep(1.1)  # the pressed window's accepted responses leave the window: A = 0
    out = await take_all(a)  # the probe's burst, all still in flight
    assert out == 30
    assert (await a.snapshot())["in_flight"] == 30
    await b.on_rate_limited(1.0)  # another process meets the 429
    assert b.last_verdict == "probe refuted"
    assert (await a.snapshot())["limit"] == 20


async def test_a_pressed_window_that_met_a_429_does_not_creep_in_any_process(limiters: LimiterFactory) -> None:
    # as the local limiter: a window whose burst met a 429, one that taught nothing included, is no evidence that more
    # would pass, so the acquire script does not creep after it (G stays a pace a whole pressed window bore)
    budget = RateBudget(window=1.0, hold=0, increase=0.5)
    a, b = await learned(limiters, budget, 20)
    assert b.current_limit == 20

    async def burst(met_429: bool) -> int:
        await asyncio.sleep(1.05)  # a new window: the last one's accepted responses have left it
        out = await take_all(a)  # the burst that opens it, pressing on the cap
        if met_429:
            await b.on_rate_limited(1.0)  # refused amid the burst, in the other process: A < F
            assert b.last_verdict == "little evidence"
        for _ in range(out):
            await a.release()
        return out

    assert await burst(met_429=True) == 20
    assert await burst(met_429=True) == 20  # no creep after a window that met a 429
    assert await burst(met_429=False) == 20
    assert await burst(met_429=False) == 30  # a pressed window without one: 20 -> 30
    assert (await a.snapshot())["limit"] == 30


async def test_quotas_and_a_non_adaptive_budget_never_learn(limiters: LimiterFactory) -> None:
    a = limiters(RateBudget(window=3.0))
    await fill(a, 50)
    await a.on_rate_limited(3600.0)  # a long Retry-After is a quota
    await a.on_rate_limited(1.0, "QUOTA_EXCEEDED")
    assert a.last_verdict == "quota"
    assert (await a.snapshot())["limit"] is None
    fixed = limiters(RateBudget(window=3.0, adaptive=False), client_id="app2")
    await fill(fixed, 50)
    await fixed.on_rate_limited(1.0)
    assert fixed.last_verdict == "not adaptive"
    assert (await fixed.snapshot())["limit"] is None
    started = time.monotonic()
    for _ in range(200):  # unlimited: nothing waits, however many are in flight
        assert await fixed.acquire(0.0) == 0.0
    assert time.monotonic() - started < 2.0
    assert fixed.state == "unlimited"


async def test_the_pace_is_held_then_creeps_only_while_demand_presses_on_it(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=0.25, hold=2, increase=0.5)
    a, b = await learned(limiters, budget, 30)
    assert b.current_limit == 30
    for _ in range(6):  # idle windows (the hold, then one more): nobody presses, nothing grows
        await asyncio.sleep(0.26)
        await fill(a, 1)
    assert (await a.snapshot())["limit"] == 30
    grow_until = time.monotonic() + 0.8  # about three saturated windows: it probes upwards
    while time.monotonic() < grow_until:
        try:
            await a.acquire(0.0)
        except RateLimited:
            await asyncio.sleep(0.01)
        else:
            await a.release()
    limit = (await b.snapshot())["limit"]
    assert limit is not None
    assert 30 < limit <= 30 * 1.5**4


async def test_the_pace_never_creeps_past_a_given_ceiling(limiters: LimiterFactory) -> None:
    a = limiters(RateBudget(limit=10, window=0.2, increase=1.0, hold=0))
    until = time.monotonic() + 1.0
    while time.monotonic() < until:
        try:
            await a.acquire(0.0)
        except RateLimited:
            await asyncio.sleep(0.01)
        else:
            await a.release()
    assert (await a.snapshot())["limit"] == 10


async def test_the_interactive_reserve_holds_across_processes(limiters: LimiterFactory) -> None:
    budget = RateBudget(limit=20, window=10.0, reserve=0.1)
    a, b = limiters(budget), limiters(budget)
    for _ in range(10):
        await a.acquire(0.1, "background")
    for _ in range(8):
        await b.acquire(0.1, "background")
    with pytest.raises(RateLimited):  # 18 background units app-wide: 2 kept for interactive calls, in any process
        await a.acquire(0.1, "background")
    await a.acquire(0.1, "interactive")
    await b.acquire(0.1, "interactive")
    with pytest.raises(RateLimited):
        await b.acquire(0.1, "interactive")


async def test_a_waiting_interactive_call_goes_before_background_waiters_of_other_processes(
    limiters: LimiterFactory,
) -> None:
    budget = RateBudget(limit=1, window=30.0, reserve=0.0)
    bot = limiters(budget)  # asks Redis again at most every 0.25 s while it waits
    crawler = limiters(budget, poll=0.005, max_poll=0.005)  # asks every 5 ms: it would win any plain race
    other = limiters(budget)
    await other.acquire(0.1)  # a third process holds the one unit
    started = time.monotonic()
    order: list[tuple[str, float]] = []

    async def go(limiter: RedisRateLimiter, lane: str) -> None:
        await limiter.acquire(60.0, lane)  # type: ignore[arg-type]
        order.append((lane, time.monotonic() - started))
        await limiter.release(accepted=False)  # a 429: the unit frees at once for the next one

    background = asyncio.ensure_future(go(crawler, "background"))
    await asyncio.sleep(0.05)
    interactive = asyncio.ensure_future(go(bot, "interactive"))
    await asyncio.sleep(0.15)
    assert not order
    await other.release(accepted=False)  # the unit frees now, in neither waiter's process
    freed = time.monotonic() - started
    await asyncio.wait_for(asyncio.gather(background, interactive), 3.0)
    assert [lane for lane, _ in order] == ["interactive", "background"]
    assert freed <= order[0][1] < freed + 0.45  # at the bot's next ask, the crawler's asks notwithstanding
    assert order[0][1] <= order[1][1] < order[0][1] + 0.3


async def test_an_interactive_call_that_gives_up_lets_background_go_at_once(limiters: LimiterFactory) -> None:
    budget = RateBudget(window=5.0, probe=1, reserve=0.0)  # discovering: one request in flight at a time
    bot, crawler = limiters(budget), limiters(budget, poll=0.005, max_poll=0.02)
    await bot.acquire(0.1)  # in flight
    give_up = asyncio.ensure_future(bot.acquire(0.3, "interactive"))
    await asyncio.sleep(0.1)
    assert (await crawler.snapshot())["interactive_waiting"] == 1  # the waiting bot holds background back
    with pytest.raises(RateLimited):
        await give_up
    await bot.release()
    started = time.monotonic()
    await crawler.acquire(2.0, "background")
    # at once: the mark went with the call that gave up, it did not linger for its lifetime (0.6 s here)
    assert time.monotonic() - started < 0.2
    assert (await crawler.snapshot())["interactive_waiting"] == 0


async def test_a_budget_that_does_not_adapt_learns_nothing_from_a_429(limiters: LimiterFactory) -> None:
    # RateBudget(adaptive=False) with no limit: unlimited, the gate alone answers 429s (as the local limiter does).
    limiter = limiters(RateBudget(window=5.0, adaptive=False))
    for _ in range(40):
        assert await limiter.acquire(0.0) == 0.0
    for _ in range(40):
        await limiter.release()
    await limiter.on_rate_limited(1.0)
    assert limiter.current_limit is None
    assert limiter.decreases == 0
    assert await limiter.acquire(0.0) == 0.0  # still admitted at once


async def test_units_of_a_crashed_process_expire(limiters: LimiterFactory) -> None:
    budget = RateBudget(limit=3, window=10.0)
    crashed = limiters(budget, unit_ttl=0.6)
    for _ in range(3):
        await crashed.acquire(1.0)  # ... and the process dies without releasing
    survivor = limiters(budget, unit_ttl=0.6)
    started = time.monotonic()
    waited = await survivor.acquire(3.0)
    assert 0.4 < time.monotonic() - started < 1.5
    assert waited > 0.4


async def test_release_survives_cancellation(limiters: LimiterFactory) -> None:
    limiter = limiters(RateBudget(limit=5, window=5.0))
    await limiter.acquire(1.0)
    task = asyncio.ensure_future(limiter.release())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):
        snap = await limiter.snapshot()
        if snap["cooling"] == 1:
            break
        await asyncio.sleep(0.01)
    assert (snap["limit"], snap["in_flight"], snap["cooling"], snap["decreases"]) == (5.0, 0, 1, 0)


async def test_a_call_cancelled_while_its_admission_is_on_the_wire_hands_the_unit_back(
    limiters: LimiterFactory,
) -> None:
    limiter = limiters(RateBudget(limit=5, window=5.0))
    original = limiter._backend.script

    async def slow_script(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.1)
        return await original(*args, **kwargs)

    limiter._backend.script = slow_script  # type: ignore[method-assign]
    task = asyncio.ensure_future(limiter.acquire(1.0))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    limiter._backend.script = original  # type: ignore[method-assign]
    for _ in range(100):
        snap = await limiter.snapshot()
        if snap["in_flight"] == 0 and not limiter._releases:
            break
        await asyncio.sleep(0.01)
    assert snap["in_flight"] == 0  # admitted on the server, handed straight back
    assert snap["cooling"] == 0  # and never counted as accepted
    assert not limiter._held


async def test_budgets_are_namespaced_per_client_id(redis_server: RedisServer, namespace: str) -> None:
    budget = RateBudget(limit=1, window=5.0)
    one = RedisRateLimiter(redis_server.url, client_id="appA", budget=budget, namespace=namespace)
    other = RedisRateLimiter(redis_server.url, client_id="appB", budget=budget, namespace=namespace)
    try:
        await one.acquire(0.1)
        assert await other.acquire(0.1) == 0.0  # another app's budget is untouched
        with pytest.raises(RateLimited):
            await one.acquire(0.1)
    finally:
        await one.aclose()
        await other.aclose()
