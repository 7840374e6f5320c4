"""Library: ``sp.library``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["LibraryEndpoints"]


class LibraryEndpoints(EndpointGroup):
    """Library operations."""

    __slots__ = ()
