"""Recommendations: ``sp.recommendations``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["RecommendationsEndpoints"]


class RecommendationsEndpoints(EndpointGroup):
    """Recommendations operations."""

    __slots__ = ()
