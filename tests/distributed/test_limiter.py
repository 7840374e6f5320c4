"""RedisRateLimiter against a real redis-server: one budget shared by separate clients (as separate processes would
have), atomic admission, the shared adaptive pace, expiry of a crashed process's units, fairness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from spotify_async.config import RateBudget
from spotify_async.distributed import RedisRateLimiter
from spotify_async.errors import RateLimited

from .conftest import RedisServer

LimiterFactory = Callable[..., RedisRateLimiter]


@pytest.fixture
async def limiters(redis_server: RedisServer, namespace: str) -> AsyncIterator[LimiterFactory]:
    """Build limiters that each own a Redis client (one per simulated process); closed after the test."""
    made: list[RedisRateLimiter] = []

    def make(budget: RateBudget, **kwargs: object) -> RedisRateLimiter:
        limiter = RedisRateLimiter(
            redis_server.url,
            client_id="app1",
            budget=budget,
            namespace=namespace,
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


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

    outcomes = await asyncio.gather(*(try_one(c) for c in clients for _ in range(50)))
    # 200 racing acquires from 4 clients, no releases: exactly the budget is admitted, not one more
    assert sum(outcomes) == 37
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
    assert info.value.retry_after > 1.5
    assert info.value.reason == "client rate budget"


async def test_a_429_in_one_process_lowers_the_pace_of_all_once_per_window(limiters: LimiterFactory) -> None:
    budget = RateBudget(limit=100, window=0.6, decrease=0.5, increase=0.25, hold=0)
    a, b = limiters(budget), limiters(budget)
    for _ in range(41):
        await a.acquire(1.0)
    for _ in range(41):
        await a.release()  # 40 accepted units cooling down, and the 429 itself
    await a.on_rate_limited(1.0)
    decreased_at = time.monotonic()
    await b.on_rate_limited(1.0)  # the same overshoot seen by another process: one signal, not two
    snap = await b.snapshot()
    assert snap["decreases"] == 1
    assert snap["limit"] == pytest.approx(20.0)  # decrease x what the server accepted (40)
    assert b.current_limit == pytest.approx(20.0)  # b learned the shared pace (its 429 was not a second signal)
    # one clean window later (1.5 windows after the decrease) the pace has crept up by `increase` of itself
    await asyncio.sleep(max(0.0, decreased_at + 0.9 - time.monotonic()))
    await b.acquire(5.0)
    assert b.current_limit == pytest.approx(25.0)
    # and after another window, a second 429 decreases again
    await a.on_rate_limited(1.0)
    assert (await a.snapshot())["decreases"] == 2


async def test_unknown_limit_admits_freely_until_a_429_then_adapts(limiters: LimiterFactory) -> None:
    limiter = limiters(RateBudget(window=5.0, decrease=0.5))
    assert limiter.current_limit is None
    for _ in range(40):
        assert await limiter.acquire(0.0) == 0.0
    assert limiter.current_limit is None
    for _ in range(31):
        await limiter.release()  # 30 accepted and the 429; 9 still in flight (sent blind: not counted)
    await limiter.on_rate_limited(1.0)
    assert limiter.current_limit == pytest.approx(15.0)  # half of the 30 the server accepted
    with pytest.raises(RateLimited):
        await limiter.acquire(0.1)  # 40 in use >= 15: must wait now


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
    assert snap == {"limit": 5.0, "in_flight": 0, "cooling": 1, "decreases": 0}


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
