"""Audiobooks: ``sp.audiobooks``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["AudiobooksEndpoints"]


class AudiobooksEndpoints(EndpointGroup):
    """Audiobooks operations."""

    __slots__ = ()
