"""Search: ``sp.search(q, types=...)`` for one page of each type, ``sp.search.tracks(q)`` (etc.) to iterate one type.

Spotify serves the first 1000 results of a search at most (``offset`` up to 1000), so iterating one type stops there.
Page size: at most 10, the spec's maximum since February 2026 (``routes.SEARCH.page_limit``), in both modes; Spotify's
notes say extended-mode apps keep 50, but the SDK asks no more than the spec allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, Paged
from ..http.response import Request
from ..models import (
    Artist,
    SearchResults,
    SimplifiedAlbum,
    SimplifiedAudiobook,
    SimplifiedEpisode,
    SimplifiedPlaylist,
    SimplifiedShow,
    Track,
)
from ._base import EndpointGroup, check_limit, check_market, check_max_items, check_offset, query

__all__ = ["MAX_SEARCH_OFFSET", "SEARCH_TYPES", "SearchEndpoints"]

SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
#: the highest ``offset`` Spotify accepts on ``GET /search``
MAX_SEARCH_OFFSET = 1000


class SearchEndpoints(EndpointGroup):
    """``GET /search``. Call it for a :class:`~spotify_async.models.SearchResults`, or iterate one type's pages."""

    __slots__ = ()

    def _limit(self, limit: int | None) -> int:
        # the route's page_limit (10 since February 2026; the spec's default is 5): fewer pages for the same items
        return check_limit(limit, routes.SEARCH.page_limit)

    @staticmethod
    def _offset(offset: int) -> int:
        if check_offset(offset) > MAX_SEARCH_OFFSET:
            raise InvalidInput(f"search offset must be at most {MAX_SEARCH_OFFSET}, got {offset}")
        return offset

    @staticmethod
    def _check_query(q: str) -> str:
        if not isinstance(q, str) or not q.strip():
            raise InvalidInput("search query must be a non-empty string")
        return q

    def __call__(
        self,
        q: str,
        *,
        types: Sequence[str] = ("track",),
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        include_external: str | None = None,
    ) -> Call[SearchResults]:
        """``GET /search``: one page of each of ``types`` (album, artist, playlist, track, show, episode, audiobook).

        No scope; both modes (page size up to 10, the spec's maximum; offset up to 1000).
        """
        if isinstance(types, str):
            types = types.split(",")
        if not types:
            raise InvalidInput(f"types must name at least one of {', '.join(SEARCH_TYPES)}")
        unknown = [t for t in types if t not in SEARCH_TYPES]
        if unknown:
            raise InvalidInput(f"unknown search type(s) {unknown}: choose from {', '.join(SEARCH_TYPES)}")
        if include_external not in (None, "audio"):
            raise InvalidInput("include_external can only be 'audio'")
        params = query(
            q=self._check_query(q),
            type=list(types),
            market=check_market(market),
            limit=self._limit(limit),
            offset=self._offset(offset),
            include_external=include_external,
        )
        return Call(self._client, Request(routes.SEARCH.compile(), params), SearchResults)

    def _paged(
        self, kind: str, model: Any, q: str, market: str | None, limit: int | None, offset: int, max_items: int | None
    ) -> Paged[Any]:
        params = query(q=self._check_query(q), type=kind, market=check_market(market))
        offset = self._offset(offset)
        if offset >= MAX_SEARCH_OFFSET:
            raise InvalidInput(f"iterating a search must start below offset {MAX_SEARCH_OFFSET}, got {offset}")
        # never ask for a page past the last one Spotify serves (it answers 400 there)
        reachable = MAX_SEARCH_OFFSET - offset
        wanted = check_max_items(max_items)
        return Paged(
            self._client,
            Request(routes.SEARCH.compile(), params),
            model,
            limit=self._limit(limit),
            offset=offset,
            max_items=reachable if wanted is None else min(wanted, reachable),
            key=kind + "s",
        )

    def tracks(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[Track]:
        """``GET /search?type=track``: matching tracks, paged (at most the first 1000). No scope; both modes."""
        return self._paged("track", Track, q, market, limit, offset, max_items)

    def artists(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[Artist]:
        """``GET /search?type=artist``: matching artists, paged (at most the first 1000). No scope; both modes."""
        return self._paged("artist", Artist, q, market, limit, offset, max_items)

    def albums(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedAlbum]:
        """``GET /search?type=album``: matching albums, paged (at most the first 1000). No scope; both modes."""
        return self._paged("album", SimplifiedAlbum, q, market, limit, offset, max_items)

    def playlists(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedPlaylist | None]:
        """``GET /search?type=playlist``: playlists (``None`` entries possible), paged. No scope; both modes."""
        return self._paged("playlist", SimplifiedPlaylist | None, q, market, limit, offset, max_items)

    def shows(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedShow | None]:
        """``GET /search?type=show``: matching shows (``None`` entries possible), paged. No scope; both modes."""
        return self._paged("show", SimplifiedShow | None, q, market, limit, offset, max_items)

    def episodes(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedEpisode | None]:
        """``GET /search?type=episode``: matching episodes (``None`` entries possible), paged. No scope; both modes."""
        return self._paged("episode", SimplifiedEpisode | None, q, market, limit, offset, max_items)

    def audiobooks(
        self,
        q: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedAudiobook | None]:
        """``GET /search?type=audiobook``: audiobooks (``None`` entries possible), paged. No scope; both modes."""
        return self._paged("audiobook", SimplifiedAudiobook | None, q, market, limit, offset, max_items)
