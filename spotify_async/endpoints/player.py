"""Player: ``sp.player``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["PlayerEndpoints"]


class PlayerEndpoints(EndpointGroup):
    """Player operations."""

    __slots__ = ()
