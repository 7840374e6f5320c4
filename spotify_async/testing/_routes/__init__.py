"""FakeSpotify's Web API routes, one module per area; importing this package registers them all."""

from __future__ import annotations

from . import browse, catalog_items, library, media, player, playlists, search, users
from ._base import REGISTRY, Call, Router

__all__ = [
    "REGISTRY",
    "Call",
    "Router",
    "browse",
    "catalog_items",
    "library",
    "media",
    "player",
    "playlists",
    "search",
    "users",
]
