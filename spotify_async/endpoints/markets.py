"""Markets: ``sp.markets``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["MarketsEndpoints"]


class MarketsEndpoints(EndpointGroup):
    """Markets operations."""

    __slots__ = ()
