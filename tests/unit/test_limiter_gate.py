"""The local rate limiter (rolling window, discovery, evidence-only learning, lanes) and the 429 gate, on a FakeClock.

Every wait here runs on virtual time and is asserted between a lower and an upper bound.
"""

from __future__ import annotations

import asyncio

import pytest

from spotify_async import RateBudget, RateLimited
from spotify_async.http.gate import LocalGate
from spotify_async.http.limiter import LocalRateLimiter
from spotify_async.testing import FakeClock


def limiter(clock: FakeClock, **kwargs: object) -> LocalRateLimiter:
    return LocalRateLimiter(RateBudget(**kwargs), clock=clock)  # type: ignore[arg-type]


def fill(lim: LocalRateLimiter, accepted: int, in_flight: int = 0) -> None:
    """``accepted`` responses received now, and ``in_flight`` requests still out."""
    for _ in range(accepted):
        lim._in_flight += 1
        lim.release_nowait()
    lim._in_flight += in_flight


async def learned(clock: FakeClock, accepted: int, **budget: object) -> LocalRateLimiter:
    """A limiter whose pace was learned from ``accepted`` responses: two 429s with a full window's evidence."""
    lim = limiter(clock, **budget)
    fill(lim, accepted)
    await lim.on_rate_limited(1.0)
    await lim.on_rate_limited(1.0)
    return lim


async def test_unlimited_when_not_adaptive_never_waits() -> None:
    clock = FakeClock()
    lim = limiter(clock, adaptive=False)
    for _ in range(1000):
        assert lim.try_acquire()
    assert lim.current_limit is None
    assert lim.state == "unlimited"


async def test_a_known_limit_holds_each_unit_for_a_window_after_its_response() -> None:
    clock = FakeClock()
    lim = limiter(clock, limit=3, window=30)
    for _ in range(3):
        assert await lim.acquire(60) == 0.0
        clock.advance(0.5)
        await lim.release()
    assert not lim.try_acquire()
    async with clock.autojump():
        waited = await lim.acquire(60)
    # the first response came back at +0.5 s; its unit frees a window later, 1.5 s after the third release
    assert 29.0 - 1e-9 <= waited <= 29.0 + 1e-9


async def test_a_wait_longer_than_max_wait_raises_at_once_saying_budget() -> None:
    clock = FakeClock()
    lim = limiter(clock, limit=1, window=30)
    await lim.acquire(60)
    await lim.release()
    start = clock.now()
    with pytest.raises(RateLimited) as info:
        await lim.acquire(5)
    assert clock.now() == start  # no sleep at all: the unit frees in 30 s, past the 5 s allowed
    assert info.value.waiting_for == "budget"
    assert 29.9 <= info.value.retry_after <= 30.0


async def test_discovery_paces_in_flight_and_ramps_with_what_was_accepted() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=30)
    assert lim.state == "discovering"
    admitted = sum(lim.try_acquire() for _ in range(64))
    assert admitted == 4  # probe: the first overshoot can cost only a few 429s
    for _ in range(4):
        lim.release_nowait()
    fill(lim, 156)  # 160 accepted in the window: up to 10 in flight
    admitted = sum(lim.try_acquire() for _ in range(64))
    assert admitted == 10


async def test_an_early_429_with_no_evidence_teaches_nothing() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=30)
    fill(lim, 0, in_flight=3)
    lim._in_flight += 1
    lim.release_nowait(accepted=False)  # the first response of the session is a 429
    await lim.on_rate_limited(1.0)
    assert lim.current_limit is None
    assert lim.decreases == 0
    fill(lim, 5, in_flight=40)  # a burst: most of it still in flight when its 429 comes back first
    await lim.on_rate_limited(1.0)
    assert lim.current_limit is None


async def test_a_429_with_evidence_learns_what_the_server_accepted_once_per_window() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=3)
    fill(lim, 48, in_flight=2)
    await lim.on_rate_limited(1.0)
    assert lim.current_limit is None  # one 429 while discovering is isolated: it may be a blip
    clock.advance(1.0)
    await lim.on_rate_limited(1.0)  # the next request after the gate reopened is refused too: a limit
    assert lim.current_limit == 48
    lim.release_nowait()
    lim.release_nowait()  # the two in flight when it learned come back accepted: pending evidence
    assert lim.current_limit == 50
    lim._accepted.pop()  # fewer accepted now: still the same overshoot, no second cut
    await lim.on_rate_limited(1.0)
    assert lim.current_limit == 50
    assert lim.decreases == 1


async def test_a_429_is_never_an_accepted_unit() -> None:
    clock = FakeClock()
    lim = limiter(clock, limit=2, window=30)
    for _ in range(5):
        assert lim.try_acquire()
        lim.release_nowait(accepted=False)
    assert lim.accepted_in_window() == 0
    assert lim.try_acquire()
    assert lim.try_acquire()
    assert not lim.try_acquire()


async def test_an_isolated_429_in_a_steady_stream_costs_no_pace() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=30)
    fill(lim, 100)
    await lim.on_rate_limited(1.0)
    clock.advance(1.0)
    await lim.on_rate_limited(1.0)
    assert lim.current_limit == 100
    clock.advance(31)  # the learned pace stands; the app now sends 30 per window
    fill(lim, 30)
    await lim.on_rate_limited(1.0)  # a blip while far under the pace
    assert lim.current_limit == 100
    clock.advance(1)
    await lim.on_rate_limited(1.0)  # but a second 429 within a window is a signal
    assert lim.current_limit == 30


async def test_quota_429s_and_a_non_adaptive_budget_never_learn() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=3)
    fill(lim, 50)
    await lim.on_rate_limited(3600.0)  # a long Retry-After is a quota
    await lim.on_rate_limited(1.0, "QUOTA_EXCEEDED")
    assert lim.current_limit is None
    fixed = limiter(clock, window=3, adaptive=False)
    fill(fixed, 50)
    await fixed.on_rate_limited(1.0)
    assert fixed.current_limit is None
    assert fixed.try_acquire()


async def test_the_learned_pace_is_held_then_creeps_only_while_demand_presses_on_it() -> None:
    clock = FakeClock()
    lim = await learned(clock, 30, window=1, hold=4, increase=0.5)
    assert lim.current_limit == 30
    for _ in range(8):  # idle windows: nobody presses, nothing grows
        clock.advance(1)
        assert lim.try_acquire()
        lim.release_nowait()
    assert lim.current_limit == 30
    for _ in range(3):  # saturated windows after the hold: it probes upwards
        clock.advance(1)
        while lim.try_acquire():
            lim.release_nowait()
    limit = lim.current_limit
    assert limit is not None
    assert 30 < limit <= 30 * 1.5**3


async def test_the_adaptive_pace_respects_a_given_ceiling() -> None:
    clock = FakeClock()
    lim = limiter(clock, limit=10, window=1, increase=1.0, hold=0)
    for _ in range(5):
        clock.advance(1)
        while lim.try_acquire():
            lim.release_nowait()
    assert lim.current_limit == 10


async def test_background_leaves_the_reserve_and_interactive_goes_first() -> None:
    clock = FakeClock()
    lim = limiter(clock, limit=20, window=10, reserve=0.1)
    admitted = 0
    while lim.try_acquire("background"):
        admitted += 1
    assert admitted == 18  # 2 units kept for interactive calls
    assert lim.try_acquire("interactive")
    assert lim.try_acquire("interactive")
    assert not lim.try_acquire("interactive")
    for _ in range(20):
        lim.release_nowait()
    clock.advance(1)
    order: list[str] = []

    async def go(lane: str, i: int) -> None:
        await lim.acquire(60, lane)  # type: ignore[arg-type]
        order.append(f"{lane[0]}{i}")

    async with clock.autojump():
        tasks = [asyncio.ensure_future(go("background", i)) for i in range(3)]
        await asyncio.sleep(0)
        tasks += [asyncio.ensure_future(go("interactive", i)) for i in range(2)]
        await asyncio.gather(*tasks)
    assert order == ["i0", "i1", "b0", "b1", "b2"]  # FIFO within a lane, interactive first
    assert 9.0 - 1e-9 <= clock.now() - 1001.0 <= 9.0 + 1e-9


async def test_an_unlimited_budget_forgets_old_responses() -> None:
    clock = FakeClock()
    lim = limiter(clock, window=0.05, adaptive=False)
    for _ in range(200):
        assert lim.try_acquire()
        lim.release_nowait()
    clock.advance(0.06)
    assert lim.try_acquire()
    lim.release_nowait()
    assert len(lim._accepted) == 1  # only the response within the window is remembered


async def test_the_gate_holds_everyone_then_releases_them_in_order() -> None:
    clock = FakeClock()
    gate = LocalGate(clock=clock)
    await gate.close(30, None)
    order: list[int] = []
    waits: list[float] = []

    async def waiter(i: int) -> None:
        waits.append(await gate.wait(60))
        order.append(i)

    async with clock.autojump():
        await asyncio.gather(*(waiter(i) for i in range(20)))
    assert order == list(range(20))
    assert all(w == 30 for w in waits)


async def test_the_gate_refuses_a_wait_past_max_wait_at_once() -> None:
    clock = FakeClock()
    gate = LocalGate(clock=clock)
    await gate.close(100, "QUOTA_EXCEEDED")
    with pytest.raises(RateLimited) as info:
        await gate.wait(1)
    assert clock.delays == [100]  # only the gate's own timer: the caller never slept
    assert info.value.reason == "QUOTA_EXCEEDED"
    assert info.value.waiting_for == "gate"
    assert info.value.retry_after == 100


async def test_a_second_429_extends_but_never_shortens_the_closure() -> None:
    clock = FakeClock()
    gate = LocalGate(clock=clock)
    await gate.close(4, None)
    await gate.close(1, None)
    assert gate.closed_for == 4
    clock.advance(0.5)
    async with clock.autojump():
        task = asyncio.ensure_future(gate.wait(60))
        await asyncio.sleep(0)
        await gate.close(6, None)  # extended while a call waits: it waits for the new end
        waited = await task
    assert waited == 6


async def test_a_closure_extended_past_a_waiters_max_wait_raises_for_it() -> None:
    clock = FakeClock()
    gate = LocalGate(clock=clock)
    await gate.close(2, None)
    async with clock.autojump():
        task = asyncio.ensure_future(gate.wait(5))
        await asyncio.sleep(0)
        await gate.close(10, None)
        with pytest.raises(RateLimited):
            await task
    assert clock.now() == 1000.0  # it gave up when the closure was extended past its max_wait, without sleeping


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


async def crept_to_60_5() -> tuple[FakeClock, LocalRateLimiter]:
    """A pace learned at 50 (two 429s with a full window's evidence), then crept 50 -> 55 -> 60.5 over pressed
    windows (hold 0, +10 % a window): G is 55."""
    clock = FakeClock()
    lim = await learned(clock, 50, window=1, hold=0, increase=0.1)
    assert lim.current_limit == 50
    for _ in range(3):  # pressed windows: 50 -> 55 -> 60.5
        clock.advance(1)
        while lim.try_acquire():
            lim.release_nowait()
    assert lim.current_limit == pytest.approx(60.5)
    return clock, lim


async def test_a_creep_probe_that_meets_a_429_falls_back_under_the_last_good_pace() -> None:
    clock, lim = await crept_to_60_5()
    clock.advance(0.5)
    lim._in_flight += 3  # the probe: three on the wire when its 429 comes back
    await lim.on_rate_limited(1.0)
    assert lim.current_limit == pytest.approx(
        55
    )  # G, the pace before the step that met the 429 (it accepted 60 meanwhile)
    for _ in range(3):
        lim.release_nowait()  # the three in flight come back accepted: still never above G
    assert lim.current_limit == pytest.approx(55)


async def test_a_creep_probe_refuted_by_a_429_falls_back_even_with_most_of_the_window_in_flight() -> None:
    # the hole this closes: the 429 of a probe meets a window whose requests are mostly still on the wire (A < F, "too
    # little evidence"), which taught nothing, so the pace crept on past the limit a window at a time
    clock, lim = await crept_to_60_5()
    clock.advance(1.01)  # a new window: what was accepted has left it...
    lim._accepted.clear()
    fill(lim, 5, in_flight=40)  # ...and the burst that opened it is on the wire
    decreases = lim.decreases
    assert lim.learn(1.0) is True  # the probe refuted
    assert lim.decreases == decreases + 1
    assert lim.current_limit == pytest.approx(55)  # G: the pace before the step that met the 429
    await lim.on_rate_limited(1.0)  # the rest of the same overshoot: one signal
    assert lim.current_limit == pytest.approx(55)
    clock.advance(1.5)
    before = lim.decreases
    await lim.on_rate_limited(1.0)  # G is forgotten: a later 429 is judged by the evidence rules again
    assert lim.decreases == before  # A < F still: nothing learned
    assert lim.current_limit == pytest.approx(55)


async def test_a_pressed_window_that_met_a_429_does_not_creep_even_when_the_429_taught_nothing() -> None:
    # G must be a pace a whole pressed window bore without a 429. A window whose burst met one (amid the burst, A < F,
    # so it taught nothing) is no evidence that more would pass: before, it crept, and G became a pace that kept
    # meeting 429s, so every refuted probe fell back to it and met the next
    clock = FakeClock()
    lim = await learned(clock, 50, window=1, hold=0, increase=0.1)
    assert lim.current_limit == 50

    def press(met_429: bool) -> bool | None:
        clock.advance(1.01)  # a new window; the last one's accepted responses have left it
        sent = 0
        while lim.try_acquire():  # the burst that opens it, pressing on the cap
            sent += 1
        assert sent > 0
        verdict = lim.learn(1.0) if met_429 else None  # the server refuses one while the burst is on the wire
        for _ in range(sent):
            lim.release_nowait()
        return verdict

    assert press(met_429=True) is False  # too little evidence: nothing learned...
    assert press(met_429=True) is False
    assert lim.current_limit == 50  # ...and no creep either: each window met a 429
    assert lim._good is None
    press(met_429=False)  # a pressed window without one
    press(met_429=False)  # (its creep is judged when the next window opens)
    assert lim.current_limit == pytest.approx(55)
    assert lim._good == 50


async def test_without_a_creep_a_429_amid_a_burst_still_teaches_nothing() -> None:
    clock = FakeClock()
    lim = await learned(clock, 50, window=1, hold=0)
    assert lim.current_limit == 50
    clock.advance(1.01)
    lim._accepted.clear()
    fill(lim, 5, in_flight=40)
    await lim.on_rate_limited(1.0)
    assert lim.current_limit == 50  # no probe to refute, and too little evidence
