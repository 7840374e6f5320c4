"""Rate control through the whole scheduler on a FakeClock: one early 429, one deadline per call, quotas, lanes,
hooks, a pluggable retry decision and the waiting snapshot. Every wait is bounded above and below on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses

from spotify_async import (
    ClientCredentials,
    Config,
    Hooks,
    InvalidInput,
    RateBudget,
    RateLimited,
    RetryOutcome,
    RetryPolicy,
    ServerError,
    Spotify,
    Timeouts,
)
from spotify_async.hooks import RateLimitEvent, RequestEvent, ResponseEvent, RetryEvent
from spotify_async.http.gate import LocalGate
from spotify_async.testing import FakeClock

from .helpers import API, TOKEN_URL, TRACK_ID, count, token_payload, track_json, track_url

FAST = RetryPolicy(backoff_base=0.01, backoff_cap=0.05)
LATENCY = 0.02
EPS = 1e-6


def client(clock: FakeClock, **config: Any) -> Spotify:
    config.setdefault("retry", FAST)
    return Spotify(ClientCredentials("client-id", "client-secret-value"), config=Config(**config), clock=clock)


def server(clock: FakeClock, answers: Callable[[int], CallbackResult | None]) -> Any:
    """An aioresponses callback: ``answers(n)`` for the n-th request (0-based) or a 200 after LATENCY; 429s at once."""
    seen = [0]

    async def respond(url: Any, **kwargs: Any) -> CallbackResult:
        n = seen[0]
        seen[0] += 1
        answer = answers(n)
        if answer is not None:
            return answer
        await clock.sleep(LATENCY)
        return CallbackResult(status=200, payload=track_json())

    return respond


async def settle(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (without moving the clock: the autojump waits for idleness)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def too_many(retry_after: str | None = "1", reason: str | None = None) -> CallbackResult:
    error: dict[str, Any] = {"status": 429, "message": "API rate limit exceeded"}
    if reason:
        error["reason"] = reason
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return CallbackResult(status=429, headers=headers, payload={"error": error})


async def test_one_early_429_costs_its_retry_after_and_nothing_more() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("1") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            start = clock.now()
            await sp.tracks.get(TRACK_ID)  # the first request of the session meets the 429
            tracks = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(300)))
            elapsed = clock.now() - start
            assert sp.scheduler.limiter.current_limit is None  # no pace learned from a 429 without evidence
        assert len(tracks) == 300
        # one second at the gate, then 300 calls paced at 4+ in flight of 20 ms each (the old code: minutes)
        assert 1.0 <= elapsed <= 1.0 + 300 / 4 * LATENCY + EPS
        assert count(m, "GET", f"{API}/tracks/") == 302


async def test_max_wait_bounds_the_wait_for_budget_and_says_so() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: None), repeat=True)
        async with clock.autojump(), client(clock, budget=RateBudget(limit=10, window=30), max_wait=5) as sp:
            start = clock.now()
            results = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(15)), return_exceptions=True)
            elapsed = clock.now() - start
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(refused) == 5
    assert all(r.waiting_for == "budget" for r in refused)
    assert all(29 <= r.retry_after <= 30 for r in refused)  # when a unit frees: a window after the first response
    assert elapsed <= LATENCY + EPS  # refused at once: the wait could not end within max_wait


async def test_max_wait_counts_every_wait_of_a_call_together() -> None:
    clock = FakeClock()
    # a 429 (2 s at the gate), then 503s retried after 1 s each: the second backoff would end past the 3.5 s
    unavailable = CallbackResult(status=503, payload={"error": {"status": 503, "message": "x"}})
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("2") if n == 0 else unavailable), repeat=True)
        async with clock.autojump(), client(clock, retry_decider=_Fixed(1.0), max_wait=3.5) as sp:
            start = clock.now()
            with pytest.raises(ServerError):
                await sp.tracks.get(TRACK_ID)
            elapsed = clock.now() - start
            # 2 s at the gate and one backoff of 1 s fit; the next would end at 4 s > 3.5 s, so it raises at 3 s
            assert 3.0 - EPS <= elapsed <= 3.0 + 2 * LATENCY + EPS
            assert sp.stats["retries"] == 2


class _Fixed:
    """A retry decision: always retry after ``delay`` seconds (a 429: after its Retry-After)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.seen: list[RetryOutcome] = []

    def retry_delay(self, outcome: RetryOutcome) -> float | None:
        self.seen.append(outcome)
        if outcome.status == 429:
            return outcome.retry_after
        return self.delay


async def test_a_full_queue_raises_rate_limited_for_the_queue_at_the_deadline() -> None:
    clock = FakeClock()

    async def slow(url: Any, **kwargs: Any) -> CallbackResult:
        await clock.sleep(10)
        return CallbackResult(payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=slow, repeat=True)
        async with clock.autojump(), client(clock, max_concurrency=1, budget=RateBudget(adaptive=False)) as sp:
            first = asyncio.ensure_future(sp.tracks.get(TRACK_ID))
            await asyncio.sleep(0)
            start = clock.now()
            with pytest.raises(RateLimited) as info:
                await sp.tracks.get(TRACK_ID).with_max_wait(2)
            elapsed = clock.now() - start
            await first
    assert info.value.waiting_for == "queue"
    assert 2.0 - EPS <= elapsed <= 2.0 + EPS


async def test_timeouts_queue_still_raises_timeout_error_when_it_is_the_tighter_bound() -> None:
    clock = FakeClock()

    async def slow(url: Any, **kwargs: Any) -> CallbackResult:
        await clock.sleep(10)
        return CallbackResult(payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=slow, repeat=True)
        config = {"max_concurrency": 1, "timeouts": Timeouts(queue=1.0), "budget": RateBudget(adaptive=False)}
        async with clock.autojump(), client(clock, **config) as sp:
            first = asyncio.ensure_future(sp.tracks.get(TRACK_ID))
            await asyncio.sleep(0)
            start = clock.now()
            with pytest.raises(asyncio.TimeoutError, match=r"timeouts\.queue=1s"):
                await sp.tracks.get(TRACK_ID)
            assert 1.0 - EPS <= clock.now() - start <= 1.0 + EPS
            await first


async def test_a_per_call_max_wait_overrides_the_config_at_the_gate() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("10") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            first = asyncio.ensure_future(sp.tracks.get(TRACK_ID))  # meets the 429, waits 10 s (max_wait 60)
            await settle(lambda: not sp.scheduler.gate.is_open())
            start = clock.now()
            with pytest.raises(RateLimited) as info:
                await sp.tracks.get(TRACK_ID).with_max_wait(3)
            assert clock.now() == start  # refused at once: the gate opens in 10 s
            assert info.value.waiting_for == "gate"
            assert 9.9 <= info.value.retry_after <= 10.0
            await first
            assert 10.0 <= clock.now() - start <= 10.0 + LATENCY + EPS
    with pytest.raises(InvalidInput):
        sp.tracks.get(TRACK_ID).with_max_wait(float("inf"))
    with pytest.raises(InvalidInput):
        sp.tracks.get(TRACK_ID).with_max_wait(-1)


@pytest.mark.parametrize("value", ["inf", "1e309", "-1", "1.5", "garbage", None])
async def test_an_unreadable_retry_after_gets_the_backoff_and_never_shuts_the_gate_for_long(value: str | None) -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many(value) if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            start = clock.now()
            _, response = await sp.tracks.get(TRACK_ID).with_response()
            assert response.attempts == 2
            # the first backoff: d/2 + uniform(0, d/2) with d = 0.01
            assert 0.005 - EPS <= response.waited <= 0.01 + EPS
            await sp.tracks.get(TRACK_ID)
            assert clock.now() - start <= 0.01 + 2 * LATENCY + EPS
            assert sp.scheduler.gate.closed_for == 0


async def test_a_quota_429_raises_at_once_and_teaches_no_pace() -> None:
    clock = FakeClock()
    quota = too_many("5", "QUOTA_EXCEEDED")
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        # two 429s in a row after 20 accepted: as a pace signal that would teach 20 per window; as a quota, nothing
        m.get(track_url(), callback=server(clock, lambda n: quota if n in (20, 21) else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            for _ in range(20):
                await sp.tracks.get(TRACK_ID)
            start = clock.now()
            with pytest.raises(RateLimited) as info:
                await sp.tracks.get(TRACK_ID)
            assert clock.now() == start  # at once, although max_wait (60 s) would cover the 5 s
            assert info.value.reason == "QUOTA_EXCEEDED"
            with pytest.raises(RateLimited):
                await sp.tracks.get(TRACK_ID)  # waits out the 5 s at the gate, meets the quota again
            assert 5.0 <= clock.now() - start <= 5.0 + EPS
            limiter: Any = sp.scheduler.limiter
            assert limiter.current_limit is None
            assert limiter.ignored == 2
            await sp.tracks.get(TRACK_ID)  # waits out the second closure, then nothing else holds it back
            assert 10.0 + LATENCY - EPS <= clock.now() - start <= 10.0 + LATENCY + EPS


async def test_a_non_adaptive_budget_without_a_limit_never_learns_the_floor() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("1") if n == 50 else None), repeat=True)
        async with clock.autojump(), client(clock, budget=RateBudget(adaptive=False, window=30)) as sp:
            await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(50)))
            start = clock.now()
            await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(200)))
            elapsed = clock.now() - start
            assert sp.scheduler.limiter.current_limit is None
    # one second at the gate, then all 200 at once (64 in flight): the old code held 10 per 30 s
    assert 1.0 <= elapsed <= 1.0 + 4 * LATENCY + EPS


async def test_a_pace_learned_with_evidence_keeps_the_rest_free_of_429s() -> None:
    clock = FakeClock()
    arrivals: list[float] = []

    async def limited(url: Any, **kwargs: Any) -> CallbackResult:
        now = clock.now()
        arrivals[:] = [t for t in arrivals if t > now - 3]
        if len(arrivals) >= 50:
            return too_many("1")
        arrivals.append(now)
        await clock.sleep(LATENCY)
        return CallbackResult(payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=limited, repeat=True)
        async with clock.autojump(), client(clock, budget=RateBudget(window=3)) as sp:
            start = clock.now()
            await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(500)))
            elapsed = clock.now() - start
            rate_limited = sp.stats["rate_limited"]
            limit = sp.scheduler.limiter.current_limit
    assert rate_limited <= 10  # 2 % of the calls
    assert limit is not None
    assert 45 <= limit <= 50
    # 500 calls at 50 per 3 s need 27 s at the very least; a few 429 pauses and the conservative window cost a little
    assert 27.0 <= elapsed <= 27.0 / 0.9


async def test_interactive_calls_go_ahead_of_a_saturating_background_crawl() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: None), repeat=True)
        async with clock.autojump(), client(clock, budget=RateBudget(limit=20, window=2, reserve=0.1)) as sp:
            crawler = sp.with_priority("background")
            assert crawler.priority == "background"
            crawl = asyncio.gather(*(crawler.tracks.get(TRACK_ID) for _ in range(400)))
            waits = []
            for _ in range(10):
                await clock.sleep(1.3)
                start = clock.now()
                await sp.tracks.get(TRACK_ID)
                waits.append(clock.now() - start)
            done_during = sp.stats["requests"]
            await crawl
            total = clock.now() - 1000.0
    assert max(waits) <= LATENCY + EPS  # the reserve: never behind the crawl
    assert min(waits) >= LATENCY - EPS
    # the crawl used its 18 per 2 s window meanwhile (13 s: at least 6 full windows)
    assert done_during >= 10 + 6 * 18
    assert total <= 400 / 18 * (2 + LATENCY) + 2
    assert count(m, "POST", TOKEN_URL) == 1  # the view shares the token manager


async def test_background_waiters_yield_slots_to_interactive_ones() -> None:
    clock = FakeClock()
    order: list[str] = []

    async def slow(url: Any, **kwargs: Any) -> CallbackResult:
        await clock.sleep(1)
        return CallbackResult(payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=slow, repeat=True)
        config = {"max_concurrency": 10, "budget": RateBudget(adaptive=False, reserve=0.2)}
        async with clock.autojump(), client(clock, **config) as sp:
            bg = sp.with_priority("background")
            await sp.tracks.get(TRACK_ID)  # the token

            async def one(who: Spotify, name: str) -> None:
                await who.tracks.get(TRACK_ID)
                order.append(name)

            tasks = [asyncio.ensure_future(one(bg, f"b{i}")) for i in range(16)]
            await asyncio.sleep(0)
            assert sp.scheduler.slots.in_use == 8  # two slots kept for interactive calls
            tasks += [asyncio.ensure_future(one(sp, f"i{i}")) for i in range(4)]
            await asyncio.gather(*tasks)
    assert order[:8] == [f"b{i}" for i in range(8)]
    assert set(order[8:10]) == {"i0", "i1"}  # took the reserved slots at once
    assert order.index("i2") < order.index("b8") and order.index("i3") < order.index("b8")  # noqa: PT018


async def test_with_priority_is_a_view_sharing_everything_and_works_on_for_user() -> None:
    clock = FakeClock()
    sp = client(clock)
    bg = sp.with_priority("background")
    assert bg.scheduler is sp.scheduler
    assert bg.tokens is sp.tokens
    user = sp.for_user("user-token").with_priority("background")
    assert user.priority == "background"
    assert user.scheduler is sp.scheduler
    assert bg.for_user("user-token").priority == "background"
    with pytest.raises(InvalidInput, match="lane"):
        sp.with_priority("urgent")  # type: ignore[arg-type]
    await sp.close()


class Recorder(Hooks):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_request(self, event: RequestEvent) -> None:
        self.events.append(event)

    def on_response(self, event: ResponseEvent) -> None:
        self.events.append(event)

    def on_retry(self, event: RetryEvent) -> None:
        self.events.append(event)

    def on_rate_limit(self, event: RateLimitEvent) -> None:
        self.events.append(event)


async def test_hooks_see_requests_responses_retries_and_rate_limits() -> None:
    clock = FakeClock()
    recorder = Recorder()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("2") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock, hooks=(recorder,)) as sp:
            await sp.with_priority("background").tracks.get(TRACK_ID)
    kinds = [type(e).__name__ for e in recorder.events]
    assert kinds == [
        "RequestEvent",
        "ResponseEvent",
        "RateLimitEvent",  # the 429
        "RetryEvent",
        "RateLimitEvent",  # the wait at the gate
        "RequestEvent",
        "ResponseEvent",
    ]
    first, answered, met, retry, gate, second, done = recorder.events
    assert first.context.operation_id == "get-track"
    assert first.context.path == "/tracks/{id}"
    assert first.context.identity == "app"
    assert first.context.lane == "background"
    assert (answered.status, met.status, met.waited_for, met.retry_after) == (429, 429, "gate", 2.0)
    assert (retry.status, retry.delay) == (429, 2.0)
    assert (gate.waited_for, gate.status) == ("gate", 0)
    assert second.attempt == 2
    assert second.waited == pytest.approx(2.0)
    assert done.status == 200
    assert "client-secret" not in repr(recorder.events) and "access-1" not in repr(recorder.events)  # noqa: PT018


async def test_no_hooks_no_event_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    import spotify_async.http.scheduler as scheduler

    def boom(*args: Any) -> None:
        raise AssertionError("an event was built with no hooks")

    for name in ("RequestEvent", "ResponseEvent", "RetryEvent", "RateLimitEvent", "CallContext"):
        monkeypatch.setattr(scheduler, name, boom)
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("1") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            await sp.tracks.get(TRACK_ID)


async def test_a_retry_decision_of_ones_own_decides_whether_and_when() -> None:
    clock = FakeClock()
    decider = _Fixed(0.25)
    unavailable = CallbackResult(status=503, payload={"error": {"status": 503, "message": "x"}})
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: unavailable if n < 5 else None), repeat=True)
        async with clock.autojump(), client(clock, retry_decider=decider) as sp:
            _, response = await sp.tracks.get(TRACK_ID).with_response()
    assert response.attempts == 6  # the policy alone would have given up after 3 retries
    assert response.waited == pytest.approx(5 * 0.25)
    assert [o.failures for o in decider.seen] == [1, 2, 3, 4, 5]
    assert all(o.status == 503 and o.idempotent and o.sent for o in decider.seen)

    class Never:
        def retry_delay(self, outcome: RetryOutcome) -> float | None:
            return None

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("1") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock, retry_decider=Never()) as sp:
            with pytest.raises(RateLimited):
                await sp.tracks.get(TRACK_ID)


async def test_the_waiting_snapshot_says_what_calls_wait_for() -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("5") if n == 0 else None), repeat=True)
        async with clock.autojump(), client(clock) as sp:
            assert sp.scheduler.waiting().describe() == "no waits"
            calls = asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(3)))
            await settle(lambda: sp.scheduler.waiting().gate == 3)
            snapshot = sp.scheduler.waiting()
            assert snapshot.gate == 3
            assert 0 < snapshot.gate_open_in <= 5
            assert snapshot.budget_state == "discovering"
            assert snapshot.describe().startswith("waiting: 3 gate (")
            await calls
            assert sp.scheduler.waiting().waiting == 0


class RemoteGate(LocalGate):
    """A gate with no synchronous answer and no local copy of the closure, as a shared gate without its listener."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.asked = 0

    def is_open(self) -> bool:
        return False

    @property
    def closed_for(self) -> float:
        return 0.0

    async def wait(self, max_wait: float) -> float:
        self.asked += 1
        return await super().wait(max_wait)


async def test_a_gate_that_cannot_answer_synchronously_is_asked_once_per_attempt() -> None:
    clock = FakeClock()
    gate = RemoteGate(clock)
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), callback=server(clock, lambda n: too_many("2") if n == 0 else None), repeat=True)
        sp = Spotify(ClientCredentials("client-id", "secret"), config=Config(retry=FAST), gate=gate, clock=clock)
        async with clock.autojump(), sp:
            start = clock.now()
            _, response = await sp.tracks.get(TRACK_ID).with_response()
            assert 2.0 <= clock.now() - start <= 2.0 + 2 * LATENCY + EPS
    assert response.attempts == 2
    assert gate.asked == 2


def test_the_one_backoff_formula_is_equal_jitter_capped() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    lows = [policy.backoff(n, rand=lambda: 0.0) for n in range(1, 8)]
    highs = [policy.backoff(n, rand=lambda: 1.0) for n in range(1, 8)]
    assert lows == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert highs == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert policy.backoff(10_000, rand=lambda: 1.0) == 8.0  # no overflow however many retries
