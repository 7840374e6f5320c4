"""FakeSpotify: an emulator of the Spotify Web API and accounts service on 127.0.0.1, for tests, demos and
benchmarks, in-process (:class:`FakeSpotify`) or in a child process (:class:`FakeSpotifyProcess`)::

    async with FakeSpotify(seed=0) as fake:
        fake.api_base, fake.accounts_base, fake.client_id, fake.client_secret, fake.catalog.tracks[0]

One instance answers an operation differently with :meth:`FakeSpotify.handle` (a :data:`Handler` receives a
:class:`RequestContext` and may raise :class:`ApiError`). The options' choices are the ``Literal`` types
:data:`FakeMode`, :data:`RefreshRotation`, :data:`PlaylistShape` and :data:`FaultKind`.

The pytest plugin (:mod:`.plugin`) provides a ``fake_spotify`` fixture. ``SPEC_DIVERGENCES.md`` beside this file
lists where the fake follows the live API rather than openapi.yml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "ApiError",
    "FakeClock",
    "FakeMode",
    "FakeSpotify",
    "FakeSpotifyProcess",
    "Fault",
    "FaultKind",
    "Handler",
    "HandlerResult",
    "PlaylistShape",
    "ProcessStats",
    "RefreshRotation",
    "RequestContext",
    "Stats",
    "serve_fake_main",
]

if TYPE_CHECKING:
    from ._cli import FakeSpotifyProcess, ProcessStats, serve_fake_main
    from ._options import FakeMode, FaultKind, PlaylistShape, RefreshRotation
    from ._routes import Handler, HandlerResult, RequestContext
    from ._util import ApiError
    from .clock import FakeClock
    from .fake import FakeSpotify, Fault, Stats

_LAZY = {
    "ApiError": "._util",
    "FakeClock": ".clock",
    "FakeMode": "._options",
    "FakeSpotify": ".fake",
    "Fault": ".fake",
    "FaultKind": "._options",
    "Handler": "._routes",
    "HandlerResult": "._routes",
    "PlaylistShape": "._options",
    "RefreshRotation": "._options",
    "RequestContext": "._routes",
    "Stats": ".fake",
    "FakeSpotifyProcess": "._cli",
    "ProcessStats": "._cli",
    "serve_fake_main": "._cli",
}


def __getattr__(name: str) -> Any:
    # imported lazily so that loading the pytest plugin does not pull in aiohttp.web for every test session
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module, __name__), name)
