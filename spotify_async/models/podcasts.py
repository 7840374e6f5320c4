"""Shows and episodes.

``restrictions`` also accepts Spotify's singular ``restriction`` key (seen on episodes in 2021 recordings); the
converter maps it, so only one attribute exists. ``languages`` may hold ``null`` (seen in 2026). ``show`` is absent on
some full episodes (2023 recording), so it is optional.
"""

from typing import Literal

import attrs

from .common import Copyright, ExternalUrls, Image, Restrictions, ResumePoint
from .paging import Page

__all__ = ["Episode", "Show", "SimplifiedEpisode", "SimplifiedShow"]


@attrs.define(slots=True, kw_only=True)
class SimplifiedShow:
    """A show as embedded in episodes, pages and search results. ``publisher``/``available_markets``: not in dev mode."""

    name: str
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    type: str = "show"
    external_urls: ExternalUrls | None = None
    description: str = ""
    html_description: str | None = None
    explicit: bool = False
    images: list[Image | None] = attrs.Factory(list)
    is_externally_hosted: bool | None = None
    languages: list[str | None] = attrs.Factory(list)
    media_type: str | None = None
    total_episodes: int | None = None
    copyrights: list[Copyright | None] = attrs.Factory(list)
    publisher: str | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True, kw_only=True)
class SimplifiedEpisode:
    """An episode without its show (show episode pages, saved-episode pages keep the full :class:`Episode`).

    ``release_date`` stays Spotify's string; its precision varies (see ``release_date_precision``).
    """

    name: str
    type: Literal["episode"] = "episode"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    description: str = ""
    html_description: str | None = None
    duration_ms: int = 0
    explicit: bool = False
    images: list[Image | None] = attrs.Factory(list)
    is_externally_hosted: bool | None = None
    is_playable: bool | None = None
    language: str | None = None
    languages: list[str | None] = attrs.Factory(list)
    release_date: str | None = None
    release_date_precision: str | None = None
    audio_preview_url: str | None = None
    resume_point: ResumePoint | None = None
    restrictions: Restrictions | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True, kw_only=True)
class Episode(SimplifiedEpisode):
    """A full episode with its show. ``episode``/``track`` are flags Spotify adds inside playlist entries."""

    #: always sent for an episode fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    show: SimplifiedShow | None = None
    episode: bool | None = None
    track: bool | None = None


@attrs.define(slots=True, kw_only=True)
class Show(SimplifiedShow):
    """A full show with its first page of episodes."""

    #: always sent for a show fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    episodes: Page[SimplifiedEpisode]
