"""examples/otel_hooks.py: its counters see every kind of event, with attributes that never carry a token, and it
works against the real opentelemetry-api (whose global meter records nothing until an SDK is installed)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from spotify_async import ClientCredentials, Config, HttpCache, Spotify
from spotify_async.hooks import CallContext, RateLimitEvent, RequestEvent, ResponseEvent, RetryEvent
from spotify_async.testing import FakeSpotify

pytest.importorskip("opentelemetry.metrics", reason="the [otel] extra (opentelemetry-api) is not installed")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "otel_hooks.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_otel_hooks", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Counter:
    def __init__(self) -> None:
        self.adds: list[dict[str, Any]] = []

    def add(self, amount: int, attributes: Mapping[str, Any] | None = None, **_: Any) -> None:
        assert amount == 1
        self.adds.append(dict(attributes or {}))


class Meter:
    def __init__(self) -> None:
        self.counters: dict[str, Counter] = {}

    def create_counter(self, name: str, unit: str = "", description: str = "") -> Counter:
        return self.counters.setdefault(name, Counter())


def test_the_example_pulls_in_only_opentelemetry_api() -> None:
    import importlib.metadata

    requires = [r.split(";")[0].strip() for r in importlib.metadata.requires("opentelemetry-api") or []]
    # typing-extensions is already a dependency of cattrs: nothing new comes with the extra
    assert all(r.startswith(("typing-extensions", "typing_extensions", "importlib-metadata")) for r in requires)


async def test_cache_events_become_counter_increments(fake_spotify: FakeSpotify) -> None:
    module = load()
    meter = Meter()
    hooks = module.OpenTelemetryHooks(meter)
    fake = fake_spotify
    config = Config(hooks=(hooks,), cache=HttpCache(catalog_ttl=600))
    auth = ClientCredentials(fake.client_id, fake.client_secret)
    async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config) as sp:
        await sp.tracks.get(fake.catalog.tracks[0])
        await sp.tracks.get(fake.catalog.tracks[0])
    outcomes = [a["outcome"] for a in meter.counters["spotify.cache"].adds]
    assert outcomes == ["miss", "stored", "hit"]
    assert {a["spotify.operation"] for a in meter.counters["spotify.cache"].adds} == {"get-track"}
    assert {a["spotify.identity"] for a in meter.counters["spotify.cache"].adds} == {"app"}


def test_every_event_kind_has_its_counter_and_the_real_api_accepts_them() -> None:
    module = load()
    meter = Meter()
    hooks = module.OpenTelemetryHooks(meter)
    context = CallContext("get-track", "GET", "/tracks/{id}", "user", "interactive")
    hooks.on_request(RequestEvent(context, 1, 0.0))
    hooks.on_response(ResponseEvent(context, 1, 503, 0.1, 0.0))
    hooks.on_retry(RetryEvent(context, 1, 503, "503", 0.2))
    hooks.on_rate_limit(RateLimitEvent(context, "gate", 2.0, "QUOTA_EXCEEDED", 429))
    assert meter.counters["spotify.requests"].adds == [
        {"spotify.operation": "get-track", "spotify.identity": "user", "attempt": 1}
    ]
    assert meter.counters["spotify.responses"].adds[0]["status"] == 503
    assert meter.counters["spotify.retries"].adds[0]["status"] == 503
    assert meter.counters["spotify.rate_limits"].adds[0]["waited_for"] == "gate"
    real = module.OpenTelemetryHooks()  # the API's global (no-op until an SDK is installed) meter
    real.on_request(RequestEvent(context, 1, 0.0))
    real.on_rate_limit(RateLimitEvent(context, "budget", 1.0, None, 0))
