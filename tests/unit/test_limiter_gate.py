"""The local rate limiter (rolling window, adaptive) and the 429 gate (FIFO, max_wait)."""

from __future__ import annotations

import asyncio
import time

import pytest

from spotify_async import RateBudget, RateLimited
from spotify_async.http.gate import LocalGate
from spotify_async.http.limiter import LocalRateLimiter


async def test_unlimited_by_default_never_waits() -> None:
    limiter = LocalRateLimiter(RateBudget())
    for _ in range(1000):
        assert await limiter.acquire(60) == 0.0
    assert limiter.current_limit is None


async def test_a_known_limit_holds_each_unit_for_a_window_after_its_response() -> None:
    limiter = LocalRateLimiter(RateBudget(limit=3, window=0.3))
    for _ in range(3):
        assert await limiter.acquire(60) == 0.0
        await limiter.release()
    started = time.monotonic()
    waited = await limiter.acquire(60)
    elapsed = time.monotonic() - started
    assert 0.2 < elapsed < 0.6
    assert waited == pytest.approx(elapsed, abs=0.05)


async def test_a_wait_longer_than_max_wait_raises() -> None:
    limiter = LocalRateLimiter(RateBudget(limit=1, window=30))
    await limiter.acquire(60)
    await limiter.release()
    started = time.monotonic()
    with pytest.raises(RateLimited):
        await limiter.acquire(0.1)
    assert time.monotonic() - started < 0.5


async def test_a_429_lowers_the_pace_once_per_window_then_it_creeps_back() -> None:
    limiter = LocalRateLimiter(RateBudget(window=0.2, decrease=0.5, increase=0.5, floor=2, hold=0))
    for _ in range(40):  # 40 responses came back within the window...
        await limiter.acquire(60)
        await limiter.release()
    for _ in range(10):  # ...and 10 requests are still in flight: sent blind, they say nothing about the limit
        await limiter.acquire(60)
    await limiter.acquire(60)
    await limiter.release()  # the 429 itself
    await limiter.on_rate_limited(1.0)
    assert limiter.current_limit == pytest.approx(20)  # half of the 40 the server accepted
    await limiter.on_rate_limited(1.0)  # same overshoot, same window: one signal
    assert limiter.current_limit == pytest.approx(20)
    assert limiter.decreases == 1
    for _ in range(10):
        await limiter.release()
    await asyncio.sleep(0.45)
    await limiter.acquire(60)
    await limiter.release()
    limit = limiter.current_limit
    assert limit is not None
    assert limit > 20


async def test_the_adaptive_pace_respects_a_given_ceiling() -> None:
    limiter = LocalRateLimiter(RateBudget(limit=10, window=0.05, increase=1.0))
    await limiter.on_rate_limited(1.0)
    assert limiter.current_limit == pytest.approx(10)  # floor 10 and ceiling 10
    await asyncio.sleep(0.2)
    await limiter.acquire(60)
    assert limiter.current_limit == pytest.approx(10)


async def test_the_gate_holds_everyone_then_releases_them_in_order() -> None:
    gate = LocalGate()
    await gate.close(0.3, None)
    order: list[int] = []

    async def waiter(i: int) -> None:
        await gate.wait(5)
        order.append(i)

    started = time.monotonic()
    await asyncio.gather(*(waiter(i) for i in range(20)))
    assert time.monotonic() - started >= 0.28
    assert order == list(range(20))


async def test_the_gate_refuses_a_wait_past_max_wait_at_once() -> None:
    gate = LocalGate()
    await gate.close(100, "QUOTA_EXCEEDED")
    started = time.monotonic()
    with pytest.raises(RateLimited) as info:
        await gate.wait(1)
    assert time.monotonic() - started < 0.1
    assert info.value.reason == "QUOTA_EXCEEDED"
    assert info.value.retry_after > 99


async def test_a_second_429_extends_but_never_shortens_the_closure() -> None:
    gate = LocalGate()
    await gate.close(0.4, None)
    await gate.close(0.1, None)
    assert gate.closed_for > 0.3
    await gate.close(0.6, None)
    assert gate.closed_for > 0.5
    started = time.monotonic()
    await gate.wait(5)
    assert time.monotonic() - started >= 0.55


async def test_an_unlimited_budget_forgets_old_responses() -> None:
    limiter = LocalRateLimiter(RateBudget(window=0.05))
    for _ in range(200):
        await limiter.acquire(60)
        await limiter.release()
    await asyncio.sleep(0.06)
    assert limiter.try_acquire()
    limiter.release_nowait()
    assert len(limiter._released) == 1  # only the response within the window is remembered


async def test_slots_serve_waiters_in_order_and_survive_cancellation() -> None:
    from spotify_async.http.scheduler import Slots

    slots = Slots(1)
    assert slots.try_acquire()
    order: list[int] = []

    async def waiter(i: int) -> None:
        await slots.acquire()
        order.append(i)
        await asyncio.sleep(0)
        slots.release()

    tasks = [asyncio.ensure_future(waiter(i)) for i in range(5)]
    await asyncio.sleep(0)
    tasks[2].cancel()  # a cancelled waiter gives up its place and takes no slot
    slots.release()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [0, 1, 3, 4]
    assert slots.in_use == 0


async def test_the_learned_pace_is_held_before_it_creeps_again() -> None:
    limiter = LocalRateLimiter(RateBudget(window=0.05, increase=1.0, hold=4))
    for _ in range(31):  # 30 accepted and the 429
        await limiter.acquire(60)
        await limiter.release()
    await limiter.on_rate_limited(1.0)
    assert limiter.current_limit == pytest.approx(30)  # exactly what the server accepted (decrease 1.0)
    await asyncio.sleep(0.12)  # two windows: still held
    assert limiter.try_acquire()
    limiter.release_nowait()
    assert limiter.current_limit == pytest.approx(30)
    await asyncio.sleep(0.2)  # past the hold: it probes upwards again
    assert limiter.try_acquire()
    limit = limiter.current_limit
    assert limit is not None
    assert limit > 30
