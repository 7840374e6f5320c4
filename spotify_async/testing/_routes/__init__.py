"""FakeSpotify's Web API routes, one module per area; importing this package registers them all."""

from __future__ import annotations

from . import catalog_items, playlists, search, users
from ._base import REGISTRY, Call, Router

__all__ = ["REGISTRY", "Call", "Router", "catalog_items", "playlists", "search", "users"]
