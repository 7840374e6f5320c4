"""Chapters: ``sp.chapters``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["ChaptersEndpoints"]


class ChaptersEndpoints(EndpointGroup):
    """Chapters operations."""

    __slots__ = ()
