"""OpenTelemetry metrics from spotify_async's hooks: requests, responses, retries, rate limits and cache events as
counters, attributed by operationId and identity kind (never a token, an id or a query string).

Needs only ``opentelemetry-api`` (``pip install 'spotify_async[otel]'``): the API alone records nothing; install and
configure an SDK (``opentelemetry-sdk`` with an exporter) in your application and these counters flow to it, because
the meter is looked up through the global provider unless you pass one. ``python examples/otel_hooks.py`` runs a
short catalog workload against FakeSpotify with a meter that prints what it was told.

Give the hooks to a session with ``Config(hooks=(OpenTelemetryHooks(),))``. They are called synchronously on the
event loop, so each one is a counter increment and nothing more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from opentelemetry import metrics

from spotify_async import ClientCredentials, Config, HttpCache, Spotify
from spotify_async.hooks import (
    CacheEvent,
    CallContext,
    Hooks,
    RateLimitEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)

__all__ = ["OpenTelemetryHooks"]


def _attributes(context: CallContext, **extra: str | int) -> dict[str, str | int]:
    return {"spotify.operation": context.operation_id, "spotify.identity": context.identity, **extra}


class OpenTelemetryHooks(Hooks):
    """Counters for every event of the request path (see the module docstring)."""

    def __init__(self, meter: metrics.Meter | None = None) -> None:
        meter = meter or metrics.get_meter("spotify_async")
        self.requests = meter.create_counter("spotify.requests", unit="{request}", description="attempts sent")
        self.responses = meter.create_counter("spotify.responses", unit="{response}", description="by status")
        self.retries = meter.create_counter("spotify.retries", unit="{retry}", description="attempts retried")
        self.rate_limits = meter.create_counter(
            "spotify.rate_limits", unit="{event}", description="429s and client-side waits for budget or gate"
        )
        self.cache = meter.create_counter(
            "spotify.cache", unit="{event}", description="hits, misses, revalidations, stores, invalidations, coalesced"
        )

    def on_request(self, event: RequestEvent) -> None:
        self.requests.add(1, _attributes(event.context, attempt=event.attempt))

    def on_response(self, event: ResponseEvent) -> None:
        self.responses.add(1, _attributes(event.context, status=event.status))

    def on_retry(self, event: RetryEvent) -> None:
        self.retries.add(1, _attributes(event.context, status=event.status))

    def on_rate_limit(self, event: RateLimitEvent) -> None:
        self.rate_limits.add(1, _attributes(event.context, waited_for=event.waited_for))

    def on_cache(self, event: CacheEvent) -> None:
        self.cache.add(1, _attributes(event.context, outcome=event.outcome))


class _PrintingCounter:
    """Stands in for an SDK's counter in the demo: prints each increment."""

    def __init__(self, name: str) -> None:
        self.name = name

    def add(self, amount: int, attributes: Mapping[str, Any] | None = None, **_: Any) -> None:
        print(f"{self.name} +{amount} {dict(attributes or {})}")


class _PrintingMeter:
    def create_counter(self, name: str, unit: str = "", description: str = "") -> _PrintingCounter:
        return _PrintingCounter(name)


async def main() -> None:
    from spotify_async.testing import FakeSpotify

    async with FakeSpotify() as fake:
        hooks = OpenTelemetryHooks(_PrintingMeter())  # type: ignore[arg-type]
        config = Config(hooks=(hooks,), cache=HttpCache(catalog_ttl=600))
        auth = ClientCredentials(fake.client_id, fake.client_secret)
        async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config) as sp:
            track = fake.catalog.tracks[0]
            await asyncio.gather(*(sp.tracks.get(track) for _ in range(3)))
            await sp.tracks.get(track)


if __name__ == "__main__":
    asyncio.run(main())
