"""``Timeouts.total`` kept by the scheduler's one timer (``spotify_async/http/deadline.py``), end to end against a
server in the test that stalls, and the timer's rules on their own: a timeout is a retryable failure, a cancellation
from elsewhere always propagates, the task is left as cancelled as it was, and an idle session holds no timer."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import aiohttp
import pytest

from spotify_async import Config, RetryPolicy, Spotify, Timeouts, TransportError
from spotify_async.http.deadline import MAX_RESOLUTION, AttemptDeadlines, attempt_deadlines

from .misbehaving import Answer, MisbehavingServer, RawRequest, json_answer

needs_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="the one-timer total needs Task.uncancel (3.11)")

ALBUM = "4aawyAB9vmqN3uQ7FjRGTy"
TOTAL = 0.3
#: what a timeout may take beyond the total: one tick, and slack for a loaded CI machine
SLACK = TOTAL / 10 + 0.7


def page() -> Answer:
    return json_answer({"href": "h", "items": [], "limit": 20, "offset": 0, "total": 0, "next": None, "previous": None})


class Arrivals(list[float]):
    """When each request arrived; ``first`` is set by the first."""

    def __init__(self) -> None:
        super().__init__()
        self.first = asyncio.Event()


def stalling(stalls: int) -> tuple[Any, Arrivals]:
    """A handler that leaves the first ``stalls`` requests unanswered (far longer than any test) and answers the
    rest with an empty page; the list records when each request arrived."""
    arrived = Arrivals()

    async def handler(request: RawRequest) -> Answer:
        arrived.append(time.monotonic())
        arrived.first.set()
        if len(arrived) <= stalls:
            await asyncio.sleep(60)
        return page()

    return handler, arrived


def client(server: MisbehavingServer, retries: int, *, coalesce: bool = True, **kwargs: Any) -> Spotify:
    """``coalesce=False`` runs each attempt in the caller's own task (otherwise in a flight task of the coalescer)."""
    retry = RetryPolicy(max_retries=retries, backoff_base=0.001, backoff_cap=0.002)
    config = Config(retry=retry, timeouts=Timeouts(total=TOTAL), coalesce=coalesce)
    return Spotify("a-fixed-token", api_base=server.api_base, config=config, **kwargs)


async def test_a_stalled_attempt_ends_at_the_total_as_a_timeout_and_leaves_the_task_uncancelled() -> None:
    # on every version: the one timer where it keeps the total (3.11+), aiohttp's own on 3.10
    handler, _ = stalling(stalls=10)
    # no coalescing: the attempt runs in this very task, so the timer cancels this task and must take it back
    async with MisbehavingServer(handler) as server, client(server, retries=0, coalesce=False) as sp:
        started = time.monotonic()
        with pytest.raises(TransportError, match="TimeoutError"):
            await sp.albums.tracks(ALBUM)
        elapsed = time.monotonic() - started
        assert TOTAL <= elapsed < TOTAL + SLACK
        await asyncio.sleep(0)  # nothing is left to be delivered: a pending cancellation would raise here
        deadlines = sp.scheduler.deadlines
        if deadlines is None:
            return  # Python 3.10: aiohttp kept the total
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0  # the timer's cancellation was taken back
        assert deadlines.in_flight == 0
        await asyncio.sleep(deadlines.resolution * 2 + 0.05)
        assert not deadlines.armed  # an idle session holds no timer


async def test_a_timed_out_read_is_retried_and_the_retry_answers() -> None:
    handler, arrived = stalling(stalls=1)
    async with MisbehavingServer(handler) as server, client(server, retries=2) as sp:
        started = time.monotonic()
        result, response = await sp.albums.tracks(ALBUM).with_response()
        elapsed = time.monotonic() - started
    assert result.items == []
    assert response.attempts == 2
    assert len(arrived) == 2
    assert TOTAL <= arrived[1] - started < TOTAL + SLACK
    assert elapsed < TOTAL + SLACK + 1


@pytest.mark.parametrize("coalesce", [False, True], ids=["in the caller's task", "in a flight task"])
async def test_cancelling_the_caller_mid_attempt_propagates_and_is_not_a_timeout(coalesce: bool) -> None:
    handler, arrived = stalling(stalls=10)
    async with MisbehavingServer(handler) as server, client(server, retries=3, coalesce=coalesce) as sp:
        call = asyncio.ensure_future(sp.albums.tracks(ALBUM))
        await asyncio.wait_for(arrived.first.wait(), SLACK)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, TOTAL + SLACK)
        await asyncio.sleep(TOTAL + 0.1)  # past the deadline and several backoffs: a retry would have arrived by now
        assert len(arrived) == 1  # cancelled, not turned into a timeout and retried
        assert sp.scheduler.deadlines is None or sp.scheduler.deadlines.in_flight == 0


@needs_311
async def test_a_caller_cancelled_in_the_turn_its_attempt_expires_is_cancelled_not_retried() -> None:
    handler, arrived = stalling(stalls=10)
    async with MisbehavingServer(handler) as server, client(server, retries=3, coalesce=False) as sp:
        deadlines = sp.scheduler.deadlines
        assert deadlines is not None
        call = asyncio.ensure_future(sp.albums.tracks(ALBUM))
        await asyncio.wait_for(arrived.first.wait(), SLACK)
        (task,) = deadlines._running
        assert task is call
        deadlines._running[task] = 0.0  # its deadline has passed: the tick below cancels it...
        if deadlines._handle is not None:
            deadlines._handle.cancel()  # one tick chain: the one this test makes
        deadlines._tick(asyncio.get_running_loop())
        call.cancel()  # ...and in the same turn so does whoever awaits it
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, SLACK)
        await asyncio.sleep(0.1)
        assert len(arrived) == 1


async def test_a_session_of_the_callers_own_without_timeouts_is_still_bounded_by_the_total() -> None:
    handler, _ = stalling(stalls=10)
    async with (
        MisbehavingServer(handler) as server,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as own,
        client(server, retries=0, session=own) as sp,
    ):
        started = time.monotonic()
        with pytest.raises(TransportError, match="TimeoutError"):
            await sp.albums.tracks(ALBUM)
        assert TOTAL <= time.monotonic() - started < TOTAL + SLACK


async def test_on_python_3_10_the_total_is_left_to_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    import spotify_async.http.deadline as deadline

    monkeypatch.setattr(deadline, "EXACT", False)
    assert attempt_deadlines(30.0) is None
    from spotify_async.http.scheduler import Scheduler

    scheduler = Scheduler(Config(timeouts=Timeouts(total=7.0)))
    assert scheduler.deadlines is None
    assert scheduler.timeout.total == 7.0


# ----------------------------------------------------------------- the timer's rules, on a bare awaitable


async def attempt(deadlines: AttemptDeadlines, waiting: asyncio.Future[None]) -> str:
    """What the scheduler's attempt does around its request: enter, await, turn an expiry into a timeout, leave."""
    task = deadlines.enter()
    try:
        await waiting
        return "answered"
    except asyncio.CancelledError:
        if deadlines.expired(task):
            return "timed out"
        raise
    finally:
        if task is not None:
            deadlines.leave(task)


@needs_311
async def test_the_timer_ticks_at_a_tenth_of_the_total_and_at_most_each_second() -> None:
    assert AttemptDeadlines(0.5).resolution == pytest.approx(0.05)
    assert AttemptDeadlines(300.0).resolution == MAX_RESOLUTION


@needs_311
async def test_an_expiry_is_a_timeout_within_one_tick() -> None:
    deadlines = AttemptDeadlines(0.1)
    waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    started = time.monotonic()
    task = asyncio.ensure_future(attempt(deadlines, waiting))
    assert await asyncio.wait_for(task, 2.0) == "timed out"
    assert 0.1 <= time.monotonic() - started < 0.1 + 0.01 + 0.5
    assert task.cancelling() == 0
    assert deadlines.in_flight == 0


@needs_311
async def test_a_cancellation_in_the_same_turn_as_the_expiry_is_never_swallowed() -> None:
    deadlines = AttemptDeadlines(10.0)  # its own tick is a second away: this test makes the tick happen
    waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(attempt(deadlines, waiting))
    await asyncio.sleep(0)  # it entered and waits
    deadlines._running[task] = 0.0  # its deadline has passed...
    if deadlines._handle is not None:
        deadlines._handle.cancel()  # one tick chain: the one this test makes
    deadlines._tick(asyncio.get_running_loop())  # ...the tick cancels it, and in the same turn so does its caller
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1.0)


@needs_311
async def test_an_answer_before_the_deadline_is_untouched_and_the_timer_disarms() -> None:
    deadlines = AttemptDeadlines(0.2)
    waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(attempt(deadlines, waiting))
    await asyncio.sleep(0)
    assert deadlines.armed
    assert deadlines.in_flight == 1
    waiting.set_result(None)
    assert await asyncio.wait_for(task, 1.0) == "answered"
    await asyncio.sleep(deadlines.resolution * 2 + 0.02)
    assert not deadlines.armed


@needs_311
async def test_a_task_already_being_cancelled_keeps_its_count() -> None:
    # a caller's cleanup that makes a request while its task is being cancelled: the timeout takes back only its own
    deadlines = AttemptDeadlines(0.05)
    loop = asyncio.get_running_loop()

    async def cleanup() -> tuple[str, int]:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass  # swallowed without uncancel: the task stays "cancelling" (count 1)
        waiting: asyncio.Future[None] = loop.create_future()
        outcome = await attempt(deadlines, waiting)
        current = asyncio.current_task()
        assert current is not None
        return outcome, current.cancelling()

    task = asyncio.ensure_future(cleanup())
    await asyncio.sleep(0)
    task.cancel()
    assert await asyncio.wait_for(task, 2.0) == ("timed out", 1)


@needs_311
async def test_an_attempt_outside_a_task_or_nested_in_one_is_not_registered_twice() -> None:
    deadlines = AttemptDeadlines(1.0)
    from_a_callback: list[object] = []
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: from_a_callback.append(deadlines.enter()))
    await asyncio.sleep(0.01)
    assert from_a_callback == [None]
    assert deadlines.in_flight == 0
    outer = deadlines.enter()
    assert outer is not None
    assert deadlines.in_flight == 1
    assert deadlines.enter() is None  # the outer attempt's deadline bounds the nested one
    deadlines.leave(outer)
    assert deadlines.in_flight == 0


@needs_311
def test_the_timer_arms_again_on_a_new_loop_after_the_old_one_closed() -> None:
    # asyncio.run() twice with one keeper: the first loop's handle dies with it, the second loop must get its own
    deadlines = AttemptDeadlines(0.05)

    async def one_timeout() -> str:
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(attempt(deadlines, waiting), 2.0)

    async def enter_and_leave_at_once() -> None:
        task = deadlines.enter()
        assert task is not None
        deadlines.leave(task)  # the loop closes right after, with the timer still armed

    asyncio.run(enter_and_leave_at_once())
    assert deadlines.armed
    assert asyncio.run(one_timeout()) == "timed out"


@needs_311
def test_an_attempt_left_on_a_closed_loop_is_forgotten_by_the_next_loop() -> None:
    # a loop closed without cancelling its tasks (not asyncio.run, which cancels them): the attempt it left behind
    # is neither kept alive nor cancelled on the dead loop, and the next loop's deadlines still hold
    deadlines = AttemptDeadlines(0.05)
    old = asyncio.new_event_loop()

    async def stuck() -> None:
        deadlines.enter()
        await old.create_future()

    left = old.create_task(stuck())
    old.run_until_complete(asyncio.sleep(0.01))
    old.close()
    left._log_destroy_pending = False  # type: ignore[attr-defined]  # it is left pending on purpose
    assert deadlines.in_flight == 1

    async def on_a_new_loop() -> str:
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(attempt(deadlines, waiting), 2.0)

    assert asyncio.run(on_a_new_loop()) == "timed out"
    assert deadlines.in_flight == 0
