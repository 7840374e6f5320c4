"""Library: ``sp.library``: saving, removing and checking items, following artists, users and playlists, and the
saved-item pages.

Since February 2026 one operation family does all of it for every app: ``PUT``/``DELETE /me/library`` and
``GET /me/library/contains`` take Spotify URIs of any type, at most 40 per request. :meth:`LibraryEndpoints.save`,
:meth:`~LibraryEndpoints.remove` and :meth:`~LibraryEndpoints.contains` use them directly; longer lists are split
into chunks of 40, sent concurrently, and the ``contains`` answers come back in input order.

The per-type methods (``save_albums``, ``remove_tracks``, ``contains_shows``, ``follow_artists``,
``follow_playlist``...) take ids, URIs or URLs of their type. In development mode (the default) they map onto
``/me/library*`` with URIs, because Spotify removed the per-type operations for development-mode apps. In extended
mode they send the per-type operation as it is (``PUT /me/albums?ids=``, ``PUT /me/following?type=artist``,
``PUT /playlists/{id}/followers``...), in concurrent chunks of that operation's maximum.

Every list is validated completely before anything is sent: one malformed entry raises
:class:`~spotify_async.errors.InvalidInput` naming its position, and no request goes out. The write methods validate
when called and return a :class:`~spotify_async.http.call.Batch` that sends when awaited (``.with_response()`` gives
every chunk's Response).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import attrs

from .. import ids
from ..errors import EndpointUnavailable, InvalidInput
from ..http import routes
from ..http.call import Batch, Call, Paged
from ..http.response import Request
from ..http.routes import Route
from ..models import SavedAlbum, SavedEpisode, SavedShow, SavedTrack, SimplifiedAudiobook
from ._base import (
    EndpointGroup,
    batch_max,
    check_limit,
    check_market,
    check_max_items,
    check_offset,
    chunked,
    ids_request,
    query,
)

__all__ = ["CONTAINS_TYPES", "LIBRARY_BATCH", "SAVE_TYPES", "LibraryEndpoints"]

T = TypeVar("T")

#: at most this many URIs per ``/me/library*`` request (the spec's maximum, kept on the routes; the requests read
#: it from their route)
LIBRARY_BATCH = batch_max(routes.SAVE_LIBRARY_ITEMS)
#: URI types ``PUT``/``DELETE /me/library`` take (artists and users are followed, playlists followed)
SAVE_TYPES: frozenset[str] = frozenset({"track", "album", "episode", "show", "audiobook", "artist", "user", "playlist"})
#: URI types ``GET /me/library/contains`` takes
CONTAINS_TYPES: frozenset[str] = SAVE_TYPES


@attrs.frozen(slots=True)
class _Family:
    """The extended-mode operations of one item type and their request shape."""

    kind: str
    save: Route
    remove: Route
    contains: Route
    #: ``type=`` query value of ``/me/following`` (artists, users)
    follow_type: str | None = None


_TRACKS = _Family("track", routes.SAVE_TRACKS_USER, routes.REMOVE_TRACKS_USER, routes.CHECK_USERS_SAVED_TRACKS)
_ALBUMS = _Family("album", routes.SAVE_ALBUMS_USER, routes.REMOVE_ALBUMS_USER, routes.CHECK_USERS_SAVED_ALBUMS)
_EPISODES = _Family(
    "episode", routes.SAVE_EPISODES_USER, routes.REMOVE_EPISODES_USER, routes.CHECK_USERS_SAVED_EPISODES
)
_SHOWS = _Family("show", routes.SAVE_SHOWS_USER, routes.REMOVE_SHOWS_USER, routes.CHECK_USERS_SAVED_SHOWS)
_AUDIOBOOKS = _Family(
    "audiobook",
    routes.SAVE_AUDIOBOOKS_USER,
    routes.REMOVE_AUDIOBOOKS_USER,
    routes.CHECK_USERS_SAVED_AUDIOBOOKS,
)
_FOLLOW = (routes.FOLLOW_ARTISTS_USERS, routes.UNFOLLOW_ARTISTS_USERS, routes.CHECK_CURRENT_USER_FOLLOWS)
_ARTISTS = _Family("artist", *_FOLLOW, follow_type="artist")
_USERS = _Family("user", *_FOLLOW, follow_type="user")


def _dev_replacement(route: Route) -> Route:
    """The operation development-mode apps use instead of ``route`` (its ``replacement`` in the route table)."""
    replacement = routes.replacement_of(route)
    if replacement is None:
        raise TypeError(f"{route.operation_id} names no replacement operation: check its Route")
    return replacement


def _all_bools(answers: list[list[bool]]) -> list[bool]:
    return [flag for answer in answers for flag in answer]


def _first_bool(answers: list[list[bool]]) -> bool:
    return bool(answers[0][0]) if answers and answers[0] else False


def _none(_: list[None]) -> None:
    return None


class LibraryEndpoints(EndpointGroup):
    """The user's library: saved items, follows, and the saved-item pages."""

    __slots__ = ()

    # ---- /me/library: any type, by URI ------------------------------------------------------------------------

    def save(self, uris: Iterable[str]) -> Batch[None]:
        """``PUT /me/library`` (scopes ``user-library-modify``; ``user-follow-modify`` for artists and users;
        ``playlist-modify-public`` for playlists): save or follow Spotify URIs or open.spotify.com URLs of any type,
        40 per request, chunks sent concurrently."""
        return self._library(routes.SAVE_LIBRARY_ITEMS, ids.to_uris(uris, allowed=SAVE_TYPES, arg="uris"))

    def remove(self, uris: Iterable[str]) -> Batch[None]:
        """``DELETE /me/library`` (scopes as :meth:`save`): remove or unfollow URIs or URLs of any type, 40 per
        request, chunks sent concurrently."""
        return self._library(routes.REMOVE_LIBRARY_ITEMS, ids.to_uris(uris, allowed=SAVE_TYPES, arg="uris"))

    def contains(self, uris: Iterable[str]) -> Batch[list[bool]]:
        """``GET /me/library/contains`` (scopes ``user-library-read``, ``user-follow-read``,
        ``playlist-read-private``): whether each URI or URL is saved or followed, in input order."""
        return self._library_contains(ids.to_uris(uris, allowed=CONTAINS_TYPES, arg="uris"))

    def _library(self, route: Route, uris: Sequence[str]) -> Batch[None]:
        calls: list[Call[None]] = [
            Call(self._client, ids_request(route, chunk), None) for chunk in chunked(uris, batch_max(route))
        ]
        return Batch.concurrent(calls, _none)

    def _library_contains(self, uris: Sequence[str]) -> Batch[list[bool]]:
        route = routes.CHECK_LIBRARY_CONTAINS
        calls: list[Call[list[bool]]] = [
            Call(self._client, ids_request(route, chunk), list[bool]) for chunk in chunked(uris, batch_max(route))
        ]
        return Batch.concurrent(calls, _all_bools)

    # ---- per-type operations: /me/library in development mode, the type's own operation in extended mode -------

    @property
    def _development(self) -> bool:
        return self._client.mode == "development"

    def _typed_request(self, family: _Family, route: Route, chunk: Sequence[str]) -> Request:
        params = {"type": family.follow_type} if family.follow_type is not None else None
        return ids_request(route, chunk, params)

    def _typed_write(self, family: _Family, route: Route, values: Iterable[str]) -> Batch[None]:
        wanted = ids.to_ids(values, family.kind, arg=f"{family.kind}_ids")
        if self._development:
            return self._library(_dev_replacement(route), [f"spotify:{family.kind}:{i}" for i in wanted])
        calls: list[Call[None]] = [
            Call(self._client, self._typed_request(family, route, chunk), None)
            for chunk in chunked(wanted, batch_max(route))
        ]
        return Batch.concurrent(calls, _none)

    def _typed_contains(self, family: _Family, values: Iterable[str]) -> Batch[list[bool]]:
        wanted = ids.to_ids(values, family.kind, arg=f"{family.kind}_ids")
        if self._development:
            return self._library_contains([f"spotify:{family.kind}:{i}" for i in wanted])
        calls: list[Call[list[bool]]] = [
            Call(self._client, self._typed_request(family, family.contains, chunk), list[bool])
            for chunk in chunked(wanted, batch_max(family.contains))
        ]
        return Batch.concurrent(calls, _all_bools)

    def save_tracks(self, track_ids: Iterable[str]) -> Batch[None]:
        """Save tracks (ids, URIs or URLs); scope ``user-library-modify``. Development mode: ``PUT /me/library``;
        extended mode: ``PUT /me/tracks`` (50 per request)."""
        return self._typed_write(_TRACKS, _TRACKS.save, track_ids)

    def remove_tracks(self, track_ids: Iterable[str]) -> Batch[None]:
        """Remove saved tracks; scope ``user-library-modify``. Development mode: ``DELETE /me/library``; extended
        mode: ``DELETE /me/tracks`` (50 per request)."""
        return self._typed_write(_TRACKS, _TRACKS.remove, track_ids)

    def contains_tracks(self, track_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether each track is saved; scope ``user-library-read``. Development mode: ``GET /me/library/contains``;
        extended mode: ``GET /me/tracks/contains`` (50 per request)."""
        return self._typed_contains(_TRACKS, track_ids)

    def save_albums(self, album_ids: Iterable[str]) -> Batch[None]:
        """Save albums; scope ``user-library-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/albums`` (20 per request)."""
        return self._typed_write(_ALBUMS, _ALBUMS.save, album_ids)

    def remove_albums(self, album_ids: Iterable[str]) -> Batch[None]:
        """Remove saved albums; scope ``user-library-modify``. Development mode: ``DELETE /me/library``; extended
        mode: ``DELETE /me/albums`` (20 per request)."""
        return self._typed_write(_ALBUMS, _ALBUMS.remove, album_ids)

    def contains_albums(self, album_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether each album is saved; scope ``user-library-read``. Development mode: ``GET /me/library/contains``;
        extended mode: ``GET /me/albums/contains`` (20 per request)."""
        return self._typed_contains(_ALBUMS, album_ids)

    def save_episodes(self, episode_ids: Iterable[str]) -> Batch[None]:
        """Save episodes; scope ``user-library-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/episodes`` (50 per request)."""
        return self._typed_write(_EPISODES, _EPISODES.save, episode_ids)

    def remove_episodes(self, episode_ids: Iterable[str]) -> Batch[None]:
        """Remove saved episodes; scope ``user-library-modify``. Development mode: ``DELETE /me/library``; extended
        mode: ``DELETE /me/episodes`` (50 per request)."""
        return self._typed_write(_EPISODES, _EPISODES.remove, episode_ids)

    def contains_episodes(self, episode_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether each episode is saved; scope ``user-library-read``. Development mode:
        ``GET /me/library/contains``; extended mode: ``GET /me/episodes/contains`` (50 per request)."""
        return self._typed_contains(_EPISODES, episode_ids)

    def save_shows(self, show_ids: Iterable[str]) -> Batch[None]:
        """Save (follow) shows; scope ``user-library-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/shows`` (50 per request)."""
        return self._typed_write(_SHOWS, _SHOWS.save, show_ids)

    def remove_shows(self, show_ids: Iterable[str]) -> Batch[None]:
        """Remove saved shows; scope ``user-library-modify``. Development mode: ``DELETE /me/library``; extended
        mode: ``DELETE /me/shows`` (50 per request)."""
        return self._typed_write(_SHOWS, _SHOWS.remove, show_ids)

    def contains_shows(self, show_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether each show is saved; scope ``user-library-read``. Development mode: ``GET /me/library/contains``;
        extended mode: ``GET /me/shows/contains`` (50 per request)."""
        return self._typed_contains(_SHOWS, show_ids)

    def save_audiobooks(self, audiobook_ids: Iterable[str]) -> Batch[None]:
        """Save audiobooks; scope ``user-library-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/audiobooks`` (50 per request)."""
        return self._typed_write(_AUDIOBOOKS, _AUDIOBOOKS.save, audiobook_ids)

    def remove_audiobooks(self, audiobook_ids: Iterable[str]) -> Batch[None]:
        """Remove saved audiobooks; scope ``user-library-modify``. Development mode: ``DELETE /me/library``;
        extended mode: ``DELETE /me/audiobooks`` (50 per request)."""
        return self._typed_write(_AUDIOBOOKS, _AUDIOBOOKS.remove, audiobook_ids)

    def contains_audiobooks(self, audiobook_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether each audiobook is saved; scope ``user-library-read``. Development mode:
        ``GET /me/library/contains``; extended mode: ``GET /me/audiobooks/contains`` (50 per request)."""
        return self._typed_contains(_AUDIOBOOKS, audiobook_ids)

    def follow_artists(self, artist_ids: Iterable[str]) -> Batch[None]:
        """Follow artists; scope ``user-follow-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/following?type=artist`` (50 per request)."""
        return self._typed_write(_ARTISTS, _ARTISTS.save, artist_ids)

    def unfollow_artists(self, artist_ids: Iterable[str]) -> Batch[None]:
        """Unfollow artists; scope ``user-follow-modify``. Development mode: ``DELETE /me/library``; extended mode:
        ``DELETE /me/following?type=artist`` (50 per request)."""
        return self._typed_write(_ARTISTS, _ARTISTS.remove, artist_ids)

    def is_following_artists(self, artist_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether the user follows each artist; scope ``user-follow-read``. Development mode:
        ``GET /me/library/contains``; extended mode: ``GET /me/following/contains?type=artist`` (50 per request)."""
        return self._typed_contains(_ARTISTS, artist_ids)

    def follow_users(self, user_ids: Iterable[str]) -> Batch[None]:
        """Follow users; scope ``user-follow-modify``. Development mode: ``PUT /me/library``; extended mode:
        ``PUT /me/following?type=user`` (50 per request)."""
        return self._typed_write(_USERS, _USERS.save, user_ids)

    def unfollow_users(self, user_ids: Iterable[str]) -> Batch[None]:
        """Unfollow users; scope ``user-follow-modify``. Development mode: ``DELETE /me/library``; extended mode:
        ``DELETE /me/following?type=user`` (50 per request)."""
        return self._typed_write(_USERS, _USERS.remove, user_ids)

    def is_following_users(self, user_ids: Iterable[str]) -> Batch[list[bool]]:
        """Whether the user follows each user; scope ``user-follow-read``. Development mode:
        ``GET /me/library/contains``; extended mode: ``GET /me/following/contains?type=user`` (50 per request)."""
        return self._typed_contains(_USERS, user_ids)

    def follow_playlist(self, playlist_id: str, *, public: bool | None = None) -> Batch[None]:
        """Follow a playlist; scopes ``playlist-modify-public`` (``playlist-modify-private`` with ``public=False``).
        Development mode: ``PUT /me/library``, which has no visibility flag, so ``public=False`` raises
        ``EndpointUnavailable`` there; extended mode: ``PUT /playlists/{playlist_id}/followers``."""
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        if public is not None and not isinstance(public, bool):
            raise InvalidInput(f"public must be a bool or None, got {public!r}")
        if self._development:
            if public is False:
                raise EndpointUnavailable(
                    routes.FOLLOW_PLAYLIST.operation_id,
                    mode="development",
                    replacement="PUT /me/library (it cannot follow privately: leave public unset)",
                )
            return self._library(_dev_replacement(routes.FOLLOW_PLAYLIST), [f"spotify:playlist:{pid}"])
        body: dict[str, Any] | None = {"public": public} if public is not None else None
        call: Call[None] = Call(
            self._client, Request(routes.FOLLOW_PLAYLIST.compile(playlist_id=pid), None, json=body), None
        )
        return Batch.concurrent([call], _none)

    def unfollow_playlist(self, playlist_id: str) -> Batch[None]:
        """Unfollow a playlist (for its owner: delete it from their library); scopes ``playlist-modify-public``,
        ``playlist-modify-private``. Development mode: ``DELETE /me/library``; extended mode:
        ``DELETE /playlists/{playlist_id}/followers``."""
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        if self._development:
            return self._library(_dev_replacement(routes.UNFOLLOW_PLAYLIST), [f"spotify:playlist:{pid}"])
        call: Call[None] = Call(self._client, Request(routes.UNFOLLOW_PLAYLIST.compile(playlist_id=pid)), None)
        return Batch.concurrent([call], _none)

    def is_following_playlist(self, playlist_id: str) -> Batch[bool]:
        """Whether the current user follows a playlist; scope ``playlist-read-private`` for private ones.
        Development mode: ``GET /me/library/contains``; extended mode:
        ``GET /playlists/{playlist_id}/followers/contains``."""
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        call: Call[list[bool]]
        if self._development:
            call = Call(
                self._client,
                ids_request(_dev_replacement(routes.CHECK_IF_USER_FOLLOWS_PLAYLIST), [f"spotify:playlist:{pid}"]),
                list[bool],
            )
        else:
            # the spec's ids parameter (the current user's id) is deprecated and optional: the token says who asks
            call = Call(
                self._client, Request(routes.CHECK_IF_USER_FOLLOWS_PLAYLIST.compile(playlist_id=pid)), list[bool]
            )
        return Batch.concurrent([call], _first_bool)

    # ---- saved-item pages ---------------------------------------------------------------------------------------

    def _saved(
        self,
        route: Route,
        model: type[T],
        params: dict[str, str],
        limit: int | None,
        offset: int,
        max_items: int | None,
    ) -> Paged[T]:
        return Paged(
            self._client,
            Request(route.compile(), params),
            model,
            limit=check_limit(limit, route.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def saved_tracks(
        self, *, market: str | None = None, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SavedTrack]:
        """``GET /me/tracks`` (scope ``user-library-read``): saved tracks, newest first, limit up to 50."""
        params = query(market=check_market(market))
        return self._saved(routes.GET_USERS_SAVED_TRACKS, SavedTrack, params, limit, offset, max_items)

    def saved_albums(
        self, *, market: str | None = None, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SavedAlbum]:
        """``GET /me/albums`` (scope ``user-library-read``): saved albums, newest first, limit up to 50."""
        params = query(market=check_market(market))
        return self._saved(routes.GET_USERS_SAVED_ALBUMS, SavedAlbum, params, limit, offset, max_items)

    def saved_shows(
        self, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SavedShow]:
        """``GET /me/shows`` (scope ``user-library-read``): saved shows, limit up to 50."""
        return self._saved(routes.GET_USERS_SAVED_SHOWS, SavedShow, {}, limit, offset, max_items)

    def saved_episodes(
        self, *, market: str | None = None, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SavedEpisode]:
        """``GET /me/episodes`` (scopes ``user-library-read``, ``user-read-playback-position``): saved episodes,
        limit up to 50."""
        params = query(market=check_market(market))
        return self._saved(routes.GET_USERS_SAVED_EPISODES, SavedEpisode, params, limit, offset, max_items)

    def saved_audiobooks(
        self, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedAudiobook]:
        """``GET /me/audiobooks`` (scope ``user-library-read``): saved audiobooks, limit up to 50.

        Spotify answers plain simplified audiobooks here (recorded live in 2026), not the spec's
        ``SavedAudiobookObject`` wrapper, so items are :class:`~spotify_async.models.SimplifiedAudiobook`.
        """
        return self._saved(routes.GET_USERS_SAVED_AUDIOBOOKS, SimplifiedAudiobook, {}, limit, offset, max_items)
