"""Browse: ``sp.browse``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["BrowseEndpoints"]


class BrowseEndpoints(EndpointGroup):
    """Browse operations."""

    __slots__ = ()
