"""FakeSpotify's Web API handlers, one module per area; importing this package registers them all in
:data:`DEFAULT_HANDLERS` by operationId."""

from __future__ import annotations

from . import browse, catalog_items, library, media, player, playlists, search, users
from ._base import DEFAULT_HANDLERS, UNSERVED, Handler, HandlerResult, RequestContext, Router, handles

__all__ = [
    "DEFAULT_HANDLERS",
    "UNSERVED",
    "Handler",
    "HandlerResult",
    "RequestContext",
    "Router",
    "browse",
    "catalog_items",
    "handles",
    "library",
    "media",
    "player",
    "playlists",
    "search",
    "users",
]
