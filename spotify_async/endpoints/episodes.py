"""Episodes: ``sp.episodes``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["EpisodesEndpoints"]


class EpisodesEndpoints(EndpointGroup):
    """Episodes operations."""

    __slots__ = ()
