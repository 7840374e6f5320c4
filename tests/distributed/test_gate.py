"""RedisGate against a real redis-server: a 429 seen by one client stops the others, the wake-up when it lifts,
closures never shortened, max_wait, and the cost of an open gate."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable

import pytest

from spotify_async.distributed import RedisGate
from spotify_async.distributed.gate import MAX_CLOSURE, closure_ms
from spotify_async.errors import RateLimited

from .conftest import RedisServer

GateFactory = Callable[..., RedisGate]


@pytest.fixture
async def gates(redis_server: RedisServer, namespace: str) -> AsyncIterator[GateFactory]:
    made: list[RedisGate] = []

    def make(**kwargs: object) -> RedisGate:
        gate = RedisGate(redis_server.url, client_id="app1", namespace=namespace, **kwargs)  # type: ignore[arg-type]
        made.append(gate)
        return gate

    yield make
    for gate in made:
        await gate.aclose()


async def _until_live(gate: RedisGate) -> None:
    await gate.wait(1.0)  # starts the listener
    for _ in range(200):
        if gate.live:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the gate's subscription never came up")


async def test_a_429_in_one_process_stops_the_other_until_it_lifts(gates: GateFactory) -> None:
    a, b = gates(), gates()
    await _until_live(b)
    await a.close(0.5, "QUOTA_EXCEEDED")
    started = time.monotonic()
    for _ in range(1000):  # the publication is in flight for well under a millisecond
        if b.heard:
            break
        await asyncio.sleep(0.001)
    waited = await b.wait(5.0)
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 0.8
    assert waited == pytest.approx(elapsed, abs=0.05)
    assert await b.wait(5.0) == 0.0  # open again, for everyone


async def test_the_other_process_hears_of_the_closure_without_asking(gates: GateFactory) -> None:
    a, b = gates(), gates()
    await _until_live(b)
    assert b.closed_for == 0.0
    await a.close(2.0, "X")
    for _ in range(100):
        if b.heard:
            break
        await asyncio.sleep(0.005)
    assert b.heard == 1  # through the pub/sub message, not a read
    assert 1.8 < b.closed_for <= 2.0


async def test_a_closure_longer_than_max_wait_raises_at_once(gates: GateFactory) -> None:
    a, b = gates(), gates()
    await a.close(3.0, "QUOTA_EXCEEDED")
    started = time.monotonic()
    with pytest.raises(RateLimited) as info:
        await b.wait(1.0)
    assert time.monotonic() - started < 0.2
    assert 2.5 < info.value.retry_after <= 3.0
    assert info.value.reason == "QUOTA_EXCEEDED"


async def test_a_closure_is_never_shortened(gates: GateFactory) -> None:
    a, b = gates(), gates(listen=False)
    await a.close(2.0, "long")
    await b.close(0.2, "short")
    assert a.closures == 1
    assert b.closures == 0  # did not extend anything
    with pytest.raises(RateLimited) as info:
        await b.wait(1.0)  # listen=False: reads the key itself
    assert info.value.retry_after > 1.5
    assert info.value.reason == "long"


async def test_a_waiter_honours_an_extension_made_while_it_waits(gates: GateFactory) -> None:
    a, b = gates(), gates()
    await _until_live(b)
    await a.close(0.3)
    started = time.monotonic()
    # b learns of a's closure through pub/sub a moment later (on a loaded machine, tens of ms): wait until it has,
    # or the waiter would find the gate open and return at once, which is what this test is not about
    while b.is_open():  # polling the gate's own view, bounded below
        assert time.monotonic() - started < 0.25, "b never learned of the closure"
        await asyncio.sleep(0.002)
    waiter = asyncio.ensure_future(b.wait(5.0))
    await asyncio.sleep(0.1)
    await a.close(0.8)  # another 429 elsewhere, 0.1 s in: now closed until ~0.9 s
    await waiter
    assert 0.85 < time.monotonic() - started < 1.4


async def test_many_waiters_wake_together_with_one_read(gates: GateFactory) -> None:
    a, b = gates(), gates()
    await _until_live(b)
    closed_at = time.monotonic()
    await a.close(0.3)
    reads = 0
    original = b._read

    async def counting_read() -> float:
        nonlocal reads
        reads += 1
        return await original()

    b._read = counting_read  # type: ignore[method-assign]
    for _ in range(1000):  # the closure reaches b through the channel (well under a millisecond when idle)
        if b.heard:
            break
        await asyncio.sleep(0.001)
    waited = await asyncio.gather(*(b.wait(5.0) for _ in range(100)))
    elapsed = time.monotonic() - closed_at
    # every waiter waited, and they all woke when the closure lapsed (0.3 s after it began), not later
    assert min(waited) > 0.0
    assert 0.29 <= elapsed < 0.8
    assert max(waited) - min(waited) < 0.1
    assert reads <= 2  # one shared confirmation per wake-up, not one per waiter


async def test_an_open_gate_costs_no_round_trip_while_subscribed(gates: GateFactory) -> None:
    gate = gates()
    await _until_live(gate)
    calls = 0
    original = gate._backend.script

    async def counting_script(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    gate._backend.script = counting_script  # type: ignore[method-assign]
    started = time.perf_counter()
    for _ in range(1000):
        assert await gate.wait(1.0) == 0.0
    per_check = (time.perf_counter() - started) / 1000
    assert calls == 0
    assert per_check < 50e-6  # a clock read, not a network call


async def test_gates_are_namespaced_per_client_id(redis_server: RedisServer, namespace: str) -> None:
    one = RedisGate(redis_server.url, client_id="appA", namespace=namespace, listen=False)
    other = RedisGate(redis_server.url, client_id="appB", namespace=namespace, listen=False)
    try:
        await one.close(5.0)
        assert await other.wait(0.0) == 0.0
    finally:
        await one.aclose()
        await other.aclose()


@pytest.mark.parametrize("bad", [math.nan, -1.0, 0.0])
async def test_a_meaningless_closure_shuts_nothing(gates: GateFactory, bad: float) -> None:
    gate = gates(listen=False)
    await gate.close(bad)
    assert gate.closed_for == 0.0
    assert await gate.wait(0.0) == 0.0


@pytest.mark.parametrize("huge", [math.inf, 1e309, 1e12, MAX_CLOSURE * 10])
async def test_an_infinite_or_absurd_closure_is_stored_capped(gates: GateFactory, huge: float) -> None:
    a, b = gates(), gates(listen=False)
    await a.close(huge, "QUOTA_EXCEEDED")
    ms = await a._backend.execute("ttl", "PTTL", a._key)
    assert 0 < ms <= MAX_CLOSURE * 1000  # finite: the key expires within a week, like any Retry-After we honour
    assert MAX_CLOSURE - 5 <= a.closed_for <= MAX_CLOSURE
    with pytest.raises(RateLimited) as info:
        await b.wait(60.0)  # another process reads it back: long, and finite
    assert MAX_CLOSURE - 5 <= info.value.retry_after <= MAX_CLOSURE


async def test_a_closure_stored_or_published_by_a_foreign_client_is_capped(gates: GateFactory) -> None:
    a = gates()
    await _until_live(a)
    # an old or foreign client stored a closure of thirty years, and published one of infinity
    await a._backend.execute("set", "SET", a._key, "x", "PX", str(10**12))
    await a._backend.execute("publish", "PUBLISH", a._channel, "inf|x")
    await a._backend.execute("publish", "PUBLISH", a._channel, "nan|x")
    for _ in range(200):
        if a.closed_for > 0:
            break
        await asyncio.sleep(0.005)
    assert 0 < a.closed_for <= MAX_CLOSURE
    reader = gates(listen=False)
    with pytest.raises(RateLimited) as info:
        await reader.wait(1.0)
    assert info.value.retry_after <= MAX_CLOSURE
    assert 0 < await a._backend.execute("ttl", "PTTL", a._key) <= MAX_CLOSURE * 1000  # repaired in Redis too


def test_closure_ms_is_finite_and_capped() -> None:
    assert closure_ms(0.0005) == 1
    assert closure_ms(1.5) == 1500
    assert closure_ms(math.inf) == closure_ms(1e300) == int(MAX_CLOSURE * 1000)
    assert closure_ms(math.nan) is None
    assert closure_ms(-3) is None
