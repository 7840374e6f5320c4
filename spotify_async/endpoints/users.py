"""Users: ``sp.users``: the current user's profile, anyone's public profile and playlists, top items, followed artists.

Saving, following and the ``contains`` checks belong to ``sp.library``; playlist writes to ``sp.playlists``.
"""

from __future__ import annotations

from typing import Literal

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, CursorPaged, Paged
from ..http.response import Request
from ..models import Artist, PrivateUser, PublicUser, SimplifiedPlaylist, Track
from ._base import EndpointGroup, check_limit, check_max_items, check_offset, query

__all__ = ["TIME_RANGES", "TimeRange", "UsersEndpoints"]

TimeRange = Literal["short_term", "medium_term", "long_term"]
#: ``short_term`` ~ 4 weeks, ``medium_term`` ~ 6 months, ``long_term`` ~ 1 year
TIME_RANGES: tuple[str, ...] = ("short_term", "medium_term", "long_term")


def _time_range(value: str | None) -> str | None:
    if value is not None and value not in TIME_RANGES:
        raise InvalidInput(f"unknown time_range {value!r}: choose from {', '.join(TIME_RANGES)}")
    return value


class UsersEndpoints(EndpointGroup):
    """Profiles, the user's playlists, top artists and tracks, followed artists."""

    __slots__ = ()

    def me(self) -> Call[PrivateUser]:
        """``GET /me``: the current user's profile. Scopes ``user-read-private``, ``user-read-email``; both modes.

        Development-mode apps no longer get ``country``, ``email``, ``explicit_content``, ``followers``, ``product``.
        """
        return Call(self._client, Request(routes.GET_CURRENT_USERS_PROFILE.compile()), PrivateUser)

    def get(self, user_id: str) -> Call[PublicUser]:
        """``GET /users/{user_id}``: anyone's public profile. No scope; extended mode only (use :meth:`me`)."""
        route = routes.GET_USERS_PROFILE.compile(user_id=ids.user_id(user_id, arg="user_id"))
        return Call(self._client, Request(route), PublicUser)

    def playlists(
        self, user_id: str, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedPlaylist]:
        """``GET /users/{user_id}/playlists``: a user's public playlists, paged. Extended mode only.

        Limit up to 50. Scopes ``playlist-read-private``, ``playlist-read-collaborative``. Development mode: use
        :meth:`my_playlists` for the current user.
        """
        route = routes.GET_LIST_USERS_PLAYLISTS.compile(user_id=ids.user_id(user_id, arg="user_id"))
        return Paged(
            self._client,
            Request(route),
            SimplifiedPlaylist,
            limit=check_limit(limit, routes.GET_LIST_USERS_PLAYLISTS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def my_playlists(
        self, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedPlaylist]:
        """``GET /me/playlists``: playlists the user owns or follows, paged (limit up to 50). Both modes.

        Scopes ``playlist-read-private``, ``playlist-read-collaborative``.
        """
        return Paged(
            self._client,
            Request(routes.GET_A_LIST_OF_CURRENT_USERS_PLAYLISTS.compile()),
            SimplifiedPlaylist,
            limit=check_limit(limit, routes.GET_A_LIST_OF_CURRENT_USERS_PLAYLISTS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def top_artists(
        self,
        *,
        time_range: TimeRange | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[Artist]:
        """``GET /me/top/artists``: the user's top artists, paged. Scope ``user-top-read``; both modes.

        ``time_range``: ``short_term`` (~4 weeks), ``medium_term`` (~6 months, Spotify's default), ``long_term``
        (~1 year). Limit up to 50.
        """
        return Paged(
            self._client,
            Request(routes.GET_USERS_TOP_ARTISTS.compile(), query(time_range=_time_range(time_range))),
            Artist,
            limit=check_limit(limit, routes.GET_USERS_TOP_ARTISTS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def top_tracks(
        self,
        *,
        time_range: TimeRange | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[Track]:
        """``GET /me/top/tracks``: the user's top tracks, paged. Scope ``user-top-read``; both modes.

        ``time_range``: ``short_term`` (~4 weeks), ``medium_term`` (~6 months, Spotify's default), ``long_term``
        (~1 year). Limit up to 50.
        """
        return Paged(
            self._client,
            Request(routes.GET_USERS_TOP_TRACKS.compile(), query(time_range=_time_range(time_range))),
            Track,
            limit=check_limit(limit, routes.GET_USERS_TOP_TRACKS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def followed_artists(
        self, *, after: str | None = None, limit: int | None = None, max_items: int | None = None
    ) -> CursorPaged[Artist]:
        """``GET /me/following?type=artist``: followed artists, cursor-paged. Scope ``user-follow-read``; both modes.

        Limit up to 50; ``after`` is the last artist id already seen.
        """
        params = query(
            type="artist",
            after=ids.to_id(after, "artist", arg="after") if after is not None else None,
            limit=check_limit(limit, routes.GET_FOLLOWED.page_limit),
        )
        return CursorPaged(
            self._client,
            Request(routes.GET_FOLLOWED.compile(), params),
            Artist,
            max_items=check_max_items(max_items),
        )
