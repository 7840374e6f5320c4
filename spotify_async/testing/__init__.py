"""FakeSpotify: an in-process (or subprocess) emulator of the Spotify Web API and accounts service, for tests,
demos and benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["FakeSpotify", "FakeSpotifyProcess"]

if TYPE_CHECKING:
    from ._cli import FakeSpotifyProcess
    from .fake import FakeSpotify


def __getattr__(name: str) -> Any:
    # imported lazily so that loading the pytest plugin does not pull in aiohttp.web for every test session
    if name == "FakeSpotify":
        from .fake import FakeSpotify

        return FakeSpotify
    if name == "FakeSpotifyProcess":
        from ._cli import FakeSpotifyProcess

        return FakeSpotifyProcess
    raise AttributeError(name)
