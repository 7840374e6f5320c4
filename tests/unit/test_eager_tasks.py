"""The coalescer and the token manager under both kinds of task start: the default (a task's first step runs on the
next turn of the loop) and Python 3.12's ``asyncio.eager_task_factory`` (it runs inside ``create_task``, so a task can
finish before ``create_task`` returns). A flight that ends before its first await must still reach its caller, and a
refresh that finished that way must not answer the next one; nothing may hang."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import pytest

from spotify_async import Config, RateLimited, Spotify, Token
from spotify_async.auth import TokenManager
from spotify_async.auth.accounts import AccountsClient
from spotify_async.auth.base import AuthFlow
from spotify_async.http.coalesce import Coalescer

FACTORIES = ["default"] + (["eager"] if sys.version_info >= (3, 12) else [])
BOUND = 2.0  # no call here needs more than a few loop turns: anything near this is a hang


@pytest.fixture(params=FACTORIES)
def factory(request: pytest.FixtureRequest) -> str:
    """Which task factory the test switches its loop to (``eager`` only where asyncio has it: 3.12 and newer)."""
    return str(request.param)


class Answer:
    """What a flight hands its callers: the coalescer asks a shared answer for one view per caller."""

    def __init__(self, text: str, *, coalesced: bool = False) -> None:
        self.text = text
        self.coalesced = coalesced
        self.memo: dict[Any, Any] | None = None

    def view(self, *, coalesced: bool) -> Answer:
        return Answer(self.text, coalesced=coalesced)


def use(factory: str) -> None:
    """Switch the running loop to ``factory`` for the rest of the test."""
    if factory == "eager":
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]


async def test_a_flight_that_fails_before_its_first_await_reaches_its_caller(factory: str) -> None:
    use(factory)
    coalescer = Coalescer()

    async def refused() -> Any:
        raise RateLimited(60.0, max_wait=1.0, waiting_for="gate")

    with pytest.raises(RateLimited, match="waiting for the gate"):
        await asyncio.wait_for(coalescer.run("k", refused()), BOUND)
    assert len(coalescer) == 0


async def test_a_flight_that_answers_before_its_first_await_reaches_its_caller(factory: str) -> None:
    use(factory)
    coalescer = Coalescer()

    async def at_once() -> Any:
        return Answer("answer")

    assert (await asyncio.wait_for(coalescer.run("k", at_once()), BOUND)).text == "answer"
    assert len(coalescer) == 0


async def test_callers_that_join_a_flight_in_progress_share_its_one_answer(factory: str) -> None:
    use(factory)
    coalescer = Coalescer()
    started = 0
    gate = asyncio.Event()

    async def slow() -> Any:
        nonlocal started
        started += 1
        await gate.wait()
        return Answer("shared")

    calls = [asyncio.ensure_future(coalescer.run("k", slow())) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    answers = await asyncio.wait_for(asyncio.gather(*calls), BOUND)
    assert [a.text for a in answers] == ["shared"] * 5
    assert [a.coalesced for a in answers] == [False, True, True, True, True]
    assert started == 1


async def test_the_leader_cancelled_leaves_the_request_running_for_those_who_joined(factory: str) -> None:
    use(factory)
    coalescer = Coalescer()
    gate = asyncio.Event()

    async def slow() -> Any:
        await gate.wait()
        return Answer("still wanted")

    leader = asyncio.ensure_future(coalescer.run("k", slow()))
    await asyncio.sleep(0)
    joiner = asyncio.ensure_future(coalescer.run("k", slow()))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert (await asyncio.wait_for(joiner, BOUND)).text == "still wanted"
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_call_for_the_same_key_started_by_the_flight_itself_joins_it(factory: str) -> None:
    # under an eager task factory the flight's first steps run inside create_task, before the flight knows its task:
    # a call they start for the same key (a request hook spawning the same GET, say) joins then, and it failed an
    # assertion. It joins like any other caller, and leaving before the answer cancels nothing it should not.
    use(factory)
    coalescer = Coalescer()
    gate = asyncio.Event()
    spawned: list[asyncio.Future[Any]] = []
    started = 0

    async def slow() -> Any:
        nonlocal started
        started += 1
        await gate.wait()
        return Answer("shared")

    async def spawning() -> Any:
        spawned.append(asyncio.ensure_future(coalescer.run("k", slow())))  # joins at once under the eager factory
        spawned.append(asyncio.ensure_future(coalescer.run("k", slow())))
        await gate.wait()
        return Answer("shared")

    leader = asyncio.ensure_future(coalescer.run("k", spawning()))
    for _ in range(3):  # the leader's step, the flight's, the spawned calls' (all at once under the eager factory)
        await asyncio.sleep(0)
    spawned[1].cancel()  # one of them leaves: the request runs on for the leader and the other
    await asyncio.sleep(0)
    gate.set()
    assert (await asyncio.wait_for(leader, BOUND)).text == "shared"
    assert (await asyncio.wait_for(spawned[0], BOUND)).text == "shared"
    with pytest.raises(asyncio.CancelledError):
        await spawned[1]
    assert started == 0  # both joined the leader's flight: neither sent a request of its own
    assert len(coalescer) == 0


async def test_a_shut_gate_past_max_wait_raises_at_once_through_the_session(factory: str) -> None:
    # the hang this file was written for: with an eager task factory, the flight raised RateLimited inside
    # create_task, before its caller's future was registered, and the caller waited for ever. Nothing is sent (the
    # gate is shut), so the base is a closed local port: a request that did go out would fail, not pass.
    use(factory)
    async with Spotify("a-fixed-token", api_base="http://127.0.0.1:9/v1", config=Config(max_wait=0.5)) as sp:
        await sp.scheduler.gate.close(60.0, None)
        started = time.monotonic()
        with pytest.raises(RateLimited, match="waiting for the gate"):
            await asyncio.wait_for(sp.tracks.get("4aawyAB9vmqN3uQ7FjRGTy"), BOUND)
        assert time.monotonic() - started < BOUND
        assert len(sp.pipeline.coalescer or ()) == 0


class InstantFlow(AuthFlow):
    """Grants a new token without awaiting anything (a cached or precomputed grant): under an eager task factory its
    refresh task is done inside ``ensure_future``."""

    def __init__(self) -> None:
        self.grants = 0

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        self.grants += 1
        return Token(f"access-{self.grants}", expires_at=time.time() + 3600)


def instant_manager() -> tuple[InstantFlow, TokenManager]:
    """A token manager over an :class:`InstantFlow` (its accounts client refuses to be used)."""

    def no_http() -> Any:
        raise AssertionError("the flow under test makes no HTTP request")

    flow = InstantFlow()
    return flow, TokenManager(flow, AccountsClient(no_http, "http://127.0.0.1:9", Config()))


async def test_a_refresh_after_a_401_asks_again_even_if_the_last_one_finished_inside_ensure_future() -> None:
    flow, manager = instant_manager()
    first = await asyncio.wait_for(manager.get(), BOUND)
    # the state an eager start leaves behind, made here on any version and either factory: the refresh that gave
    # ``first`` is done, and its callback (which clears ``_refreshing``) has not run yet
    done: asyncio.Future[Token] = asyncio.get_running_loop().create_future()
    done.set_result(first)
    manager._refreshing = done  # type: ignore[assignment]
    assert manager.invalidate(first)  # a 401 said it is no good
    second = await asyncio.wait_for(manager.get(), BOUND)
    assert second.access_token != first.access_token
    assert flow.grants == 2


async def test_under_either_factory_a_401_after_an_instant_refresh_gets_a_new_token(factory: str) -> None:
    use(factory)
    _, manager = instant_manager()
    first = await asyncio.wait_for(manager.get(), BOUND)
    assert manager.invalidate(first)  # at once: under the eager factory the first refresh's callback has not run
    second = await asyncio.wait_for(manager.get(), BOUND)
    assert second.access_token != first.access_token
