"""Browse categories and recommendations (recommendations are gone for new and development-mode apps since 2024).

Recommendation seeds use camelCase keys in the API (``initialPoolSize``); the model uses snake_case and the converter
renames.
"""

import attrs

from .common import Image
from .music import Track

__all__ = ["Category", "RecommendationSeed", "Recommendations"]


@attrs.define(slots=True, kw_only=True)
class Category:
    """A browse category."""

    id: str
    name: str
    href: str | None = None
    icons: list[Image | None] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class RecommendationSeed:
    """One seed of a recommendation request and how many candidates it produced. ``type`` may be upper case."""

    id: str
    type: str
    href: str | None = None
    initial_pool_size: int | None = None
    after_filtering_size: int | None = None
    after_relinking_size: int | None = None


@attrs.define(slots=True, kw_only=True)
class Recommendations:
    """``GET /recommendations``."""

    seeds: list[RecommendationSeed | None]
    tracks: list[Track | None]
