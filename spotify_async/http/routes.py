"""Every Web API operation as a :class:`Route` constant: method, path template, the spec's operationId, scopes, and
whether development-mode apps may call it.

Routes are data, not behaviour: an endpoint method compiles one (``ROUTE.compile(id=...)``) and hands it to the
scheduler. Routes also carry the spec's page-size maximum (``page_limit``) and id-list maximum (``batch_max``), which
endpoints read and ``tests/endpoints/test_route_limits.py`` compares with ``openapi.yml``. Each constant names the
spec's ``operationId`` as a string literal so coverage can be checked against ``openapi.yml`` mechanically. The
dev-mode column comes from Spotify's 2024 and 2026 changes (``endpoints.tsv``).

What the cache (:mod:`spotify_async.http.cache`) may do with an operation is data here too, one place per fact:

* ``catalog=True`` marks the catalog reads (tracks, albums, artists, shows, episodes, audiobooks, chapters) that an
  opt-in ``HttpCache.catalog_ttl`` keeps whatever their ``max-age`` says.
* ``cache_tags`` names the groups a read's cached answer belongs to, and ``invalidates`` the groups a write drops.
  A tag is a template filled with the route's path parameters and ``{identity}`` (the caller's identity key), so
  ``"playlist:{playlist_id}"`` is one playlist for everyone and ``"library:{identity}"`` one user's library. Adding
  items to a playlist invalidates ``playlist:{playlist_id}``: every cached read of that playlist, whoever made it.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

import attrs

from ..errors import InvalidInput

__all__ = [
    "ALL_ROUTES",
    "LIBRARY_TAG",
    "MY_PLAYLISTS_TAG",
    "PLAYER_TAG",
    "PLAYLIST_TAG",
    "USER_PLAYLISTS_TAG",
    "CompiledRoute",
    "DevStatus",
    "Route",
]

#: available: unchanged; added: new in 2026-02 (both modes); removed: gone for dev-mode apps in 2026-02;
#: restricted: gone for new and dev-mode apps since 2024-11-27.
DevStatus = Literal["available", "added", "removed", "restricted"]
_PARAMETER = re.compile(r"\{(\w+)\}")

#: every read of one playlist (details, items, cover), for every identity
PLAYLIST_TAG = "playlist:{playlist_id}"
#: the caller's own list of playlists
MY_PLAYLISTS_TAG = "playlists:{identity}"
#: a user's public playlists, as anyone reads them
USER_PLAYLISTS_TAG = "user-playlists:{user_id}"
#: the caller's library: saved items, follows, "contains" checks
LIBRARY_TAG = "library:{identity}"
#: the caller's playback state, devices, queue and history
PLAYER_TAG = "player:{identity}"


@attrs.define(slots=True, eq=False)
class CompiledRoute:
    """A route with its path parameters filled in: what the scheduler sends."""

    route: Route
    path: str
    #: the path parameters it was compiled with (the cache fills tag templates from them)
    params: dict[str, str] | None = None

    @property
    def method(self) -> str:
        return self.route.method


@attrs.frozen(slots=True)
class Route:
    """One operation of the Web API."""

    method: str
    path: str
    operation_id: str
    #: scopes the spec lists for the operation (any one of a modify/read pair is usually enough)
    scopes: tuple[str, ...] = ()
    dev_status: DevStatus = "available"
    #: what development-mode apps use instead, when Spotify named a replacement
    replacement: str | None = None
    #: the spec's maximum ``limit`` (page size) for a paged operation; ``None`` when it takes no ``limit``
    page_limit: int | None = None
    #: the spec's maximum number of ids or URIs in one request (query or body); ``None`` when it takes no list
    batch_max: int | None = None
    #: a catalog read (track, album, artist, show, episode, audiobook, chapter): ``HttpCache.catalog_ttl`` applies
    catalog: bool = False
    #: tag templates of the groups this read's cached answer belongs to (see the module docstring)
    cache_tags: tuple[str, ...] = ()
    #: tag templates of the cached reads this write makes stale
    invalidates: tuple[str, ...] = ()

    @property
    def idempotent(self) -> bool:
        return self.method != "POST"

    @property
    def dev_mode_available(self) -> bool:
        return self.dev_status in ("available", "added")

    def compile(self, **params: str) -> CompiledRoute:
        """Fill the path template, each value as exactly one path segment.

        Ids are validated before they get here, but this is the one place every path is built, so it also makes sure
        no value can change which endpoint is called. Base-62 ids (nearly every call) need no quoting; anything else
        (user ids, category ids) is percent-quoted with nothing kept safe, so ``/``, ``?``, ``#`` and ``%`` cannot
        add a segment, a query or a fragment. A value that is empty or made only of dots is refused with
        :class:`~spotify_async.errors.InvalidInput`: URL normalisation (aiohttp's, a proxy's) removes ``.`` and
        climbs over ``..``, so ``/users/..`` would be sent as ``/`` with the caller's token. Quoting cannot save
        those: ``%2E`` is the encoding of an unreserved character, which normalisers are allowed to decode.
        """
        if not params:
            return CompiledRoute(self, self.path)
        values: dict[str, str] = {}
        for name, value in params.items():
            if value.__class__ is not str:
                raise InvalidInput(f"{name} must be a string, got {type(value).__name__}")
            if value.isascii() and value.isalnum():
                values[name] = value
            elif not value.strip("."):
                raise InvalidInput(
                    f"{name} {value!r} is not a usable path segment: empty or only dots, it would change the endpoint"
                )
            else:
                values[name] = quote(value, safe="")
        return CompiledRoute(self, self.path.format_map(values), params)

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The names of the path template's parameters, in order (``("playlist_id",)``)."""
        return tuple(_PARAMETER.findall(self.path))

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


GET_AN_ALBUM = Route("GET", "/albums/{id}", "get-an-album", catalog=True)
GET_MULTIPLE_ALBUMS = Route(
    "GET",
    "/albums",
    "get-multiple-albums",
    batch_max=20,
    dev_status="removed",
    replacement="GET /albums/{id} per item",
    catalog=True,
)
GET_AN_ALBUMS_TRACKS = Route("GET", "/albums/{id}/tracks", "get-an-albums-tracks", page_limit=50, catalog=True)
GET_AN_ARTIST = Route("GET", "/artists/{id}", "get-an-artist", catalog=True)
GET_MULTIPLE_ARTISTS = Route(
    "GET",
    "/artists",
    "get-multiple-artists",
    batch_max=50,
    dev_status="removed",
    replacement="GET /artists/{id} per item",
    catalog=True,
)
GET_AN_ARTISTS_ALBUMS = Route("GET", "/artists/{id}/albums", "get-an-artists-albums", page_limit=10, catalog=True)
GET_AN_ARTISTS_TOP_TRACKS = Route(
    "GET",
    "/artists/{id}/top-tracks",
    "get-an-artists-top-tracks",
    dev_status="removed",
    catalog=True,
)
GET_AN_ARTISTS_RELATED_ARTISTS = Route(
    "GET",
    "/artists/{id}/related-artists",
    "get-an-artists-related-artists",
    dev_status="restricted",
    catalog=True,
)
GET_A_SHOW = Route("GET", "/shows/{id}", "get-a-show", scopes=("user-read-playback-position",), catalog=True)
GET_MULTIPLE_SHOWS = Route(
    "GET",
    "/shows",
    "get-multiple-shows",
    batch_max=50,
    dev_status="removed",
    replacement="GET /shows/{id} per item",
    catalog=True,
)
GET_A_SHOWS_EPISODES = Route(
    "GET",
    "/shows/{id}/episodes",
    "get-a-shows-episodes",
    page_limit=50,
    scopes=("user-read-playback-position",),
    catalog=True,
)
GET_AN_EPISODE = Route("GET", "/episodes/{id}", "get-an-episode", scopes=("user-read-playback-position",), catalog=True)
GET_MULTIPLE_EPISODES = Route(
    "GET",
    "/episodes",
    "get-multiple-episodes",
    batch_max=50,
    scopes=("user-read-playback-position",),
    dev_status="removed",
    replacement="GET /episodes/{id} per item",
    catalog=True,
)
GET_AN_AUDIOBOOK = Route("GET", "/audiobooks/{id}", "get-an-audiobook", catalog=True)
GET_MULTIPLE_AUDIOBOOKS = Route(
    "GET",
    "/audiobooks",
    "get-multiple-audiobooks",
    batch_max=50,
    dev_status="removed",
    replacement="GET /audiobooks/{id} per item",
    catalog=True,
)
GET_AUDIOBOOK_CHAPTERS = Route(
    "GET", "/audiobooks/{id}/chapters", "get-audiobook-chapters", page_limit=50, catalog=True
)
GET_USERS_SAVED_AUDIOBOOKS = Route(
    "GET",
    "/me/audiobooks",
    "get-users-saved-audiobooks",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
)
SAVE_AUDIOBOOKS_USER = Route(
    "PUT",
    "/me/audiobooks",
    "save-audiobooks-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
REMOVE_AUDIOBOOKS_USER = Route(
    "DELETE",
    "/me/audiobooks",
    "remove-audiobooks-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_USERS_SAVED_AUDIOBOOKS = Route(
    "GET",
    "/me/audiobooks/contains",
    "check-users-saved-audiobooks",
    batch_max=50,
    scopes=("user-library-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
GET_A_CHAPTER = Route("GET", "/chapters/{id}", "get-a-chapter", catalog=True)
GET_SEVERAL_CHAPTERS = Route(
    "GET",
    "/chapters",
    "get-several-chapters",
    batch_max=50,
    dev_status="removed",
    replacement="GET /chapters/{id} per item",
    catalog=True,
)
GET_TRACK = Route("GET", "/tracks/{id}", "get-track", catalog=True)
GET_SEVERAL_TRACKS = Route(
    "GET",
    "/tracks",
    "get-several-tracks",
    batch_max=50,
    dev_status="removed",
    replacement="GET /tracks/{id} per item",
    catalog=True,
)
SEARCH = Route("GET", "/search", "search", page_limit=10)
GET_CURRENT_USERS_PROFILE = Route(
    "GET",
    "/me",
    "get-current-users-profile",
    scopes=("user-read-private", "user-read-email"),
)
GET_PLAYLIST = Route("GET", "/playlists/{playlist_id}", "get-playlist", cache_tags=(PLAYLIST_TAG,))
CHANGE_PLAYLIST_DETAILS = Route(
    "PUT",
    "/playlists/{playlist_id}",
    "change-playlist-details",
    scopes=("playlist-modify-public", "playlist-modify-private"),
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
GET_PLAYLISTS_TRACKS = Route(
    "GET",
    "/playlists/{playlist_id}/tracks",
    "get-playlists-tracks",
    page_limit=100,
    scopes=("playlist-read-private",),
    dev_status="removed",
    replacement="GET /playlists/{playlist_id}/items",
    cache_tags=(PLAYLIST_TAG,),
)
ADD_TRACKS_TO_PLAYLIST = Route(
    "POST",
    "/playlists/{playlist_id}/tracks",
    "add-tracks-to-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="POST /playlists/{playlist_id}/items",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
REORDER_OR_REPLACE_PLAYLISTS_TRACKS = Route(
    "PUT",
    "/playlists/{playlist_id}/tracks",
    "reorder-or-replace-playlists-tracks",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="PUT /playlists/{playlist_id}/items",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
REMOVE_TRACKS_PLAYLIST = Route(
    "DELETE",
    "/playlists/{playlist_id}/tracks",
    "remove-tracks-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="DELETE /playlists/{playlist_id}/items",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
GET_PLAYLISTS_ITEMS = Route(
    "GET",
    "/playlists/{playlist_id}/items",
    "get-playlists-items",
    page_limit=50,
    scopes=("playlist-read-private",),
    dev_status="added",
    cache_tags=(PLAYLIST_TAG,),
)
ADD_ITEMS_TO_PLAYLIST = Route(
    "POST",
    "/playlists/{playlist_id}/items",
    "add-items-to-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
REORDER_OR_REPLACE_PLAYLISTS_ITEMS = Route(
    "PUT",
    "/playlists/{playlist_id}/items",
    "reorder-or-replace-playlists-items",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
REMOVE_ITEMS_PLAYLIST = Route(
    "DELETE",
    "/playlists/{playlist_id}/items",
    "remove-items-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
GET_A_LIST_OF_CURRENT_USERS_PLAYLISTS = Route(
    "GET",
    "/me/playlists",
    "get-a-list-of-current-users-playlists",
    page_limit=50,
    scopes=("playlist-read-private",),
    cache_tags=(MY_PLAYLISTS_TAG,),
)
CREATE_PLAYLIST = Route(
    "POST",
    "/me/playlists",
    "create-playlist",
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(MY_PLAYLISTS_TAG, LIBRARY_TAG),
)
SAVE_LIBRARY_ITEMS = Route(
    "PUT",
    "/me/library",
    "save-library-items",
    batch_max=40,
    scopes=("user-library-modify", "user-follow-modify", "playlist-modify-public"),
    dev_status="added",
    invalidates=(LIBRARY_TAG, MY_PLAYLISTS_TAG),
)
REMOVE_LIBRARY_ITEMS = Route(
    "DELETE",
    "/me/library",
    "remove-library-items",
    batch_max=40,
    scopes=("user-library-modify", "user-follow-modify", "playlist-modify-public"),
    dev_status="added",
    invalidates=(LIBRARY_TAG, MY_PLAYLISTS_TAG),
)
CHECK_LIBRARY_CONTAINS = Route(
    "GET",
    "/me/library/contains",
    "check-library-contains",
    batch_max=40,
    scopes=("user-library-read", "user-follow-read", "playlist-read-private"),
    dev_status="added",
    cache_tags=(LIBRARY_TAG,),
)
GET_USERS_SAVED_ALBUMS = Route(
    "GET",
    "/me/albums",
    "get-users-saved-albums",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
)
SAVE_ALBUMS_USER = Route(
    "PUT",
    "/me/albums",
    "save-albums-user",
    batch_max=20,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
REMOVE_ALBUMS_USER = Route(
    "DELETE",
    "/me/albums",
    "remove-albums-user",
    batch_max=20,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_USERS_SAVED_ALBUMS = Route(
    "GET",
    "/me/albums/contains",
    "check-users-saved-albums",
    batch_max=20,
    scopes=("user-library-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
GET_USERS_SAVED_TRACKS = Route(
    "GET",
    "/me/tracks",
    "get-users-saved-tracks",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
)
SAVE_TRACKS_USER = Route(
    "PUT",
    "/me/tracks",
    "save-tracks-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
REMOVE_TRACKS_USER = Route(
    "DELETE",
    "/me/tracks",
    "remove-tracks-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_USERS_SAVED_TRACKS = Route(
    "GET",
    "/me/tracks/contains",
    "check-users-saved-tracks",
    batch_max=50,
    scopes=("user-library-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
GET_USERS_SAVED_EPISODES = Route(
    "GET",
    "/me/episodes",
    "get-users-saved-episodes",
    page_limit=50,
    scopes=("user-library-read", "user-read-playback-position"),
    cache_tags=(LIBRARY_TAG,),
)
SAVE_EPISODES_USER = Route(
    "PUT",
    "/me/episodes",
    "save-episodes-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
REMOVE_EPISODES_USER = Route(
    "DELETE",
    "/me/episodes",
    "remove-episodes-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_USERS_SAVED_EPISODES = Route(
    "GET",
    "/me/episodes/contains",
    "check-users-saved-episodes",
    batch_max=50,
    scopes=("user-library-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
GET_USERS_SAVED_SHOWS = Route(
    "GET", "/me/shows", "get-users-saved-shows", page_limit=50, scopes=("user-library-read",), cache_tags=(LIBRARY_TAG,)
)
SAVE_SHOWS_USER = Route(
    "PUT",
    "/me/shows",
    "save-shows-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
REMOVE_SHOWS_USER = Route(
    "DELETE",
    "/me/shows",
    "remove-shows-user",
    batch_max=50,
    scopes=("user-library-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_USERS_SAVED_SHOWS = Route(
    "GET",
    "/me/shows/contains",
    "check-users-saved-shows",
    batch_max=50,
    scopes=("user-library-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
GET_USERS_PROFILE = Route(
    "GET",
    "/users/{user_id}",
    "get-users-profile",
    dev_status="removed",
    replacement="none (GET /me for current user)",
)
GET_LIST_USERS_PLAYLISTS = Route(
    "GET",
    "/users/{user_id}/playlists",
    "get-list-users-playlists",
    page_limit=50,
    scopes=("playlist-read-private", "playlist-read-collaborative"),
    dev_status="removed",
    replacement="none (GET /me/playlists for current user)",
    cache_tags=(MY_PLAYLISTS_TAG, USER_PLAYLISTS_TAG),
)
CREATE_PLAYLIST_FOR_USER = Route(
    "POST",
    "/users/{user_id}/playlists",
    "create-playlist-for-user",
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="POST /me/playlists",
    invalidates=(MY_PLAYLISTS_TAG, USER_PLAYLISTS_TAG, LIBRARY_TAG),
)
FOLLOW_PLAYLIST = Route(
    "PUT",
    "/playlists/{playlist_id}/followers",
    "follow-playlist",
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(PLAYLIST_TAG, LIBRARY_TAG, MY_PLAYLISTS_TAG),
)
UNFOLLOW_PLAYLIST = Route(
    "DELETE",
    "/playlists/{playlist_id}/followers",
    "unfollow-playlist",
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(PLAYLIST_TAG, LIBRARY_TAG, MY_PLAYLISTS_TAG),
)
GET_FEATURED_PLAYLISTS = Route(
    "GET",
    "/browse/featured-playlists",
    "get-featured-playlists",
    page_limit=50,
    dev_status="restricted",
)
GET_CATEGORIES = Route("GET", "/browse/categories", "get-categories", page_limit=50, dev_status="removed")
GET_A_CATEGORY = Route("GET", "/browse/categories/{category_id}", "get-a-category", dev_status="removed")
GET_A_CATEGORIES_PLAYLISTS = Route(
    "GET",
    "/browse/categories/{category_id}/playlists",
    "get-a-categories-playlists",
    page_limit=50,
    dev_status="restricted",
)
GET_PLAYLIST_COVER = Route("GET", "/playlists/{playlist_id}/images", "get-playlist-cover", cache_tags=(PLAYLIST_TAG,))
UPLOAD_CUSTOM_PLAYLIST_COVER = Route(
    "PUT",
    "/playlists/{playlist_id}/images",
    "upload-custom-playlist-cover",
    scopes=("ugc-image-upload", "playlist-modify-public", "playlist-modify-private"),
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
GET_NEW_RELEASES = Route("GET", "/browse/new-releases", "get-new-releases", page_limit=50, dev_status="removed")
GET_FOLLOWED = Route(
    "GET", "/me/following", "get-followed", page_limit=50, scopes=("user-follow-read",), cache_tags=(LIBRARY_TAG,)
)
FOLLOW_ARTISTS_USERS = Route(
    "PUT",
    "/me/following",
    "follow-artists-users",
    batch_max=50,
    scopes=("user-follow-modify",),
    dev_status="removed",
    replacement="PUT /me/library",
    invalidates=(LIBRARY_TAG,),
)
UNFOLLOW_ARTISTS_USERS = Route(
    "DELETE",
    "/me/following",
    "unfollow-artists-users",
    batch_max=50,
    scopes=("user-follow-modify",),
    dev_status="removed",
    replacement="DELETE /me/library",
    invalidates=(LIBRARY_TAG,),
)
CHECK_CURRENT_USER_FOLLOWS = Route(
    "GET",
    "/me/following/contains",
    "check-current-user-follows",
    batch_max=50,
    scopes=("user-follow-read",),
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(LIBRARY_TAG,),
)
CHECK_IF_USER_FOLLOWS_PLAYLIST = Route(
    "GET",
    "/playlists/{playlist_id}/followers/contains",
    "check-if-user-follows-playlist",
    dev_status="removed",
    replacement="GET /me/library/contains",
    cache_tags=(PLAYLIST_TAG, LIBRARY_TAG),
)
GET_SEVERAL_AUDIO_FEATURES = Route(
    "GET",
    "/audio-features",
    "get-several-audio-features",
    batch_max=100,
    dev_status="restricted",
)
GET_AUDIO_FEATURES = Route("GET", "/audio-features/{id}", "get-audio-features", dev_status="restricted")
GET_AUDIO_ANALYSIS = Route("GET", "/audio-analysis/{id}", "get-audio-analysis", dev_status="restricted")
GET_RECOMMENDATIONS = Route("GET", "/recommendations", "get-recommendations", page_limit=100, dev_status="restricted")
GET_RECOMMENDATION_GENRES = Route(
    "GET",
    "/recommendations/available-genre-seeds",
    "get-recommendation-genres",
    dev_status="restricted",
)
GET_INFORMATION_ABOUT_THE_USERS_CURRENT_PLAYBACK = Route(
    "GET",
    "/me/player",
    "get-information-about-the-users-current-playback",
    scopes=("user-read-playback-state",),
    cache_tags=(PLAYER_TAG,),
)
TRANSFER_A_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player",
    "transfer-a-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
GET_A_USERS_AVAILABLE_DEVICES = Route(
    "GET",
    "/me/player/devices",
    "get-a-users-available-devices",
    scopes=("user-read-playback-state",),
    cache_tags=(PLAYER_TAG,),
)
GET_THE_USERS_CURRENTLY_PLAYING_TRACK = Route(
    "GET",
    "/me/player/currently-playing",
    "get-the-users-currently-playing-track",
    scopes=("user-read-currently-playing",),
    cache_tags=(PLAYER_TAG,),
)
START_A_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player/play",
    "start-a-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
PAUSE_A_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player/pause",
    "pause-a-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
SKIP_USERS_PLAYBACK_TO_NEXT_TRACK = Route(
    "POST",
    "/me/player/next",
    "skip-users-playback-to-next-track",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
SKIP_USERS_PLAYBACK_TO_PREVIOUS_TRACK = Route(
    "POST",
    "/me/player/previous",
    "skip-users-playback-to-previous-track",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
SEEK_TO_POSITION_IN_CURRENTLY_PLAYING_TRACK = Route(
    "PUT",
    "/me/player/seek",
    "seek-to-position-in-currently-playing-track",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
SET_REPEAT_MODE_ON_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player/repeat",
    "set-repeat-mode-on-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
SET_VOLUME_FOR_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player/volume",
    "set-volume-for-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
TOGGLE_SHUFFLE_FOR_USERS_PLAYBACK = Route(
    "PUT",
    "/me/player/shuffle",
    "toggle-shuffle-for-users-playback",
    scopes=("user-modify-playback-state",),
    invalidates=(PLAYER_TAG,),
)
GET_RECENTLY_PLAYED = Route(
    "GET",
    "/me/player/recently-played",
    "get-recently-played",
    page_limit=50,
    scopes=("user-read-recently-played",),
    cache_tags=(PLAYER_TAG,),
)
GET_QUEUE = Route(
    "GET",
    "/me/player/queue",
    "get-queue",
    scopes=("user-read-currently-playing", "user-read-playback-state"),
    cache_tags=(PLAYER_TAG,),
)
ADD_TO_QUEUE = Route(
    "POST", "/me/player/queue", "add-to-queue", scopes=("user-modify-playback-state",), invalidates=(PLAYER_TAG,)
)
GET_AVAILABLE_MARKETS = Route("GET", "/markets", "get-available-markets", dev_status="removed")
GET_USERS_TOP_ARTISTS = Route(
    "GET", "/me/top/artists", "get-users-top-artists", page_limit=50, scopes=("user-top-read",)
)
GET_USERS_TOP_TRACKS = Route("GET", "/me/top/tracks", "get-users-top-tracks", page_limit=50, scopes=("user-top-read",))

#: every route, keyed by operationId
ALL_ROUTES: dict[str, Route] = {
    r.operation_id: r
    for r in (
        GET_AN_ALBUM,
        GET_MULTIPLE_ALBUMS,
        GET_AN_ALBUMS_TRACKS,
        GET_AN_ARTIST,
        GET_MULTIPLE_ARTISTS,
        GET_AN_ARTISTS_ALBUMS,
        GET_AN_ARTISTS_TOP_TRACKS,
        GET_AN_ARTISTS_RELATED_ARTISTS,
        GET_A_SHOW,
        GET_MULTIPLE_SHOWS,
        GET_A_SHOWS_EPISODES,
        GET_AN_EPISODE,
        GET_MULTIPLE_EPISODES,
        GET_AN_AUDIOBOOK,
        GET_MULTIPLE_AUDIOBOOKS,
        GET_AUDIOBOOK_CHAPTERS,
        GET_USERS_SAVED_AUDIOBOOKS,
        SAVE_AUDIOBOOKS_USER,
        REMOVE_AUDIOBOOKS_USER,
        CHECK_USERS_SAVED_AUDIOBOOKS,
        GET_A_CHAPTER,
        GET_SEVERAL_CHAPTERS,
        GET_TRACK,
        GET_SEVERAL_TRACKS,
        SEARCH,
        GET_CURRENT_USERS_PROFILE,
        GET_PLAYLIST,
        CHANGE_PLAYLIST_DETAILS,
        GET_PLAYLISTS_TRACKS,
        ADD_TRACKS_TO_PLAYLIST,
        REORDER_OR_REPLACE_PLAYLISTS_TRACKS,
        REMOVE_TRACKS_PLAYLIST,
        GET_PLAYLISTS_ITEMS,
        ADD_ITEMS_TO_PLAYLIST,
        REORDER_OR_REPLACE_PLAYLISTS_ITEMS,
        REMOVE_ITEMS_PLAYLIST,
        GET_A_LIST_OF_CURRENT_USERS_PLAYLISTS,
        CREATE_PLAYLIST,
        SAVE_LIBRARY_ITEMS,
        REMOVE_LIBRARY_ITEMS,
        CHECK_LIBRARY_CONTAINS,
        GET_USERS_SAVED_ALBUMS,
        SAVE_ALBUMS_USER,
        REMOVE_ALBUMS_USER,
        CHECK_USERS_SAVED_ALBUMS,
        GET_USERS_SAVED_TRACKS,
        SAVE_TRACKS_USER,
        REMOVE_TRACKS_USER,
        CHECK_USERS_SAVED_TRACKS,
        GET_USERS_SAVED_EPISODES,
        SAVE_EPISODES_USER,
        REMOVE_EPISODES_USER,
        CHECK_USERS_SAVED_EPISODES,
        GET_USERS_SAVED_SHOWS,
        SAVE_SHOWS_USER,
        REMOVE_SHOWS_USER,
        CHECK_USERS_SAVED_SHOWS,
        GET_USERS_PROFILE,
        GET_LIST_USERS_PLAYLISTS,
        CREATE_PLAYLIST_FOR_USER,
        FOLLOW_PLAYLIST,
        UNFOLLOW_PLAYLIST,
        GET_FEATURED_PLAYLISTS,
        GET_CATEGORIES,
        GET_A_CATEGORY,
        GET_A_CATEGORIES_PLAYLISTS,
        GET_PLAYLIST_COVER,
        UPLOAD_CUSTOM_PLAYLIST_COVER,
        GET_NEW_RELEASES,
        GET_FOLLOWED,
        FOLLOW_ARTISTS_USERS,
        UNFOLLOW_ARTISTS_USERS,
        CHECK_CURRENT_USER_FOLLOWS,
        CHECK_IF_USER_FOLLOWS_PLAYLIST,
        GET_SEVERAL_AUDIO_FEATURES,
        GET_AUDIO_FEATURES,
        GET_AUDIO_ANALYSIS,
        GET_RECOMMENDATIONS,
        GET_RECOMMENDATION_GENRES,
        GET_INFORMATION_ABOUT_THE_USERS_CURRENT_PLAYBACK,
        TRANSFER_A_USERS_PLAYBACK,
        GET_A_USERS_AVAILABLE_DEVICES,
        GET_THE_USERS_CURRENTLY_PLAYING_TRACK,
        START_A_USERS_PLAYBACK,
        PAUSE_A_USERS_PLAYBACK,
        SKIP_USERS_PLAYBACK_TO_NEXT_TRACK,
        SKIP_USERS_PLAYBACK_TO_PREVIOUS_TRACK,
        SEEK_TO_POSITION_IN_CURRENTLY_PLAYING_TRACK,
        SET_REPEAT_MODE_ON_USERS_PLAYBACK,
        SET_VOLUME_FOR_USERS_PLAYBACK,
        TOGGLE_SHUFFLE_FOR_USERS_PLAYBACK,
        GET_RECENTLY_PLAYED,
        GET_QUEUE,
        ADD_TO_QUEUE,
        GET_AVAILABLE_MARKETS,
        GET_USERS_TOP_ARTISTS,
        GET_USERS_TOP_TRACKS,
    )
}
