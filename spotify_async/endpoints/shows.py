"""Shows: ``sp.shows``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["ShowsEndpoints"]


class ShowsEndpoints(EndpointGroup):
    """Shows operations."""

    __slots__ = ()
