"""HookSet: fans events out to every hook, isolates a hook that raises, and is falsy when empty."""

from __future__ import annotations

import logging

import pytest

from spotify_async import Config, Hooks
from spotify_async.hooks import CacheEvent, CallContext, HookSet, RateLimitEvent, RequestEvent


class Recorder(Hooks):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_request(self, event: RequestEvent) -> None:
        self.seen.append(f"request {event.context.operation_id} {event.attempt}")

    def on_rate_limit(self, event: RateLimitEvent) -> None:
        self.seen.append(f"rate_limit {event.waited_for} {event.retry_after:g}")


class Broken(Hooks):
    def on_request(self, event: RequestEvent) -> None:
        raise RuntimeError("metrics backend down")


def _context() -> CallContext:
    return CallContext("get-track", "GET", "/tracks/{id}", "app", "interactive")


def test_empty_hook_set_is_falsy_and_a_configured_one_is_not() -> None:
    assert not HookSet()
    assert HookSet([Hooks()])


def test_events_reach_every_hook_and_a_raising_hook_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    first, second = Recorder(), Recorder()
    hooks = HookSet([first, Broken(), second])
    with caplog.at_level(logging.ERROR, logger="spotify_async.hooks"):
        hooks.request(RequestEvent(_context(), 1, 0.0))
    hooks.rate_limit(RateLimitEvent(_context(), "gate", 2.5, None, 429))
    hooks.cache(CacheEvent(_context(), "hit"))  # the base class ignores what it does not override
    assert first.seen == second.seen == ["request get-track 1", "rate_limit gate 2.5"]
    assert "Broken.on_request raised" in caplog.text


def test_config_keeps_hooks_as_a_tuple() -> None:
    hook = Recorder()
    config = Config(hooks=[hook])  # type: ignore[arg-type]  # a list is accepted and frozen into a tuple
    assert config.hooks == (hook,)
    assert Config().hooks == ()


def test_context_repr_names_no_token_or_filled_in_path() -> None:
    text = repr(_context())
    assert "get-track" in text
    assert "{id}" not in text
