"""Every Web API operation as a :class:`Route` constant: the one place for per-operation facts.

A Route holds the method, path template and the spec's operationId; its scopes (the spec's listing, from which
``requires``, what it cannot work without, is derived by the rules of :mod:`spotify_async.auth.scopes`); whether
development-mode apps may call it and what they use instead (``dev_status``, ``replacement``, from Spotify's 2024 and
2026 changes in ``endpoints.tsv``); the page-size maximum and default (``page_limit``, ``page_default``); the id-list
maximum (``batch_max``) and where ids go (``ids_in``: path, query or body, under ``ids_param``); and the key of the
answer that holds the result (``envelope``). Endpoint bodies read these instead of writing them;
``tests/endpoints/test_route_table.py`` and ``test_request_fidelity.py`` compare them with ``openapi.yml`` and
``endpoints.tsv``, so drift fails the suite. :data:`ALL_ROUTES` is gathered from the constants, not listed again.

Routes are data, not behaviour: an endpoint method compiles one (``ROUTE.compile(id=...)``) and hands it to the
scheduler.

What the cache (:mod:`spotify_async.http.cache`) may do with an operation is data here too, one place per fact:

* ``catalog=True`` marks the catalog reads (tracks, albums, artists, shows, episodes, audiobooks, chapters) that an
  opt-in ``HttpCache.catalog_ttl`` keeps whatever their ``max-age`` says.
* ``cache_tags`` names the groups a read's cached answer belongs to, and ``invalidates`` the groups a write drops.
  A tag is a template filled with the route's path parameters and ``{identity}`` (the caller's identity key), so
  ``"playlist:{playlist_id}"`` is one playlist for everyone and ``"library:{identity}"`` one user's library. Adding
  items to a playlist invalidates ``playlist:{playlist_id}``: every cached read of that playlist, whoever made it.

And how the live API answers, as reported publicly, which FakeSpotify reads rather than keeping a second copy:
``etag`` (the playlist reads send an ``ETag`` and answer ``304`` to a matching ``If-None-Match``), ``cache_control``
(the ``Cache-Control`` of a successful GET) and ``dev_refusal`` (what a development-mode app gets when it sends an
operation withdrawn from it: 403, or 404 for some of the 2024 restrictions).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

import attrs

from ..auth.scopes import ScopeRequirement, requirement, scope_error
from ..errors import InvalidInput

__all__ = [
    "ALL_ROUTES",
    "CATALOG_CACHE_CONTROL",
    "LIBRARY_TAG",
    "MY_PLAYLISTS_TAG",
    "PLAYER_TAG",
    "PLAYLIST_TAG",
    "PRIVATE_CACHE_CONTROL",
    "REQUIREMENTS",
    "USER_PLAYLISTS_TAG",
    "CompiledRoute",
    "DevStatus",
    "IdsIn",
    "Route",
    "check_scopes",
    "replacement_of",
]

#: available: unchanged; added: new in 2026-02 (both modes); removed: gone for dev-mode apps in 2026-02;
#: restricted: gone for new and dev-mode apps since 2024-11-27.
DevStatus = Literal["available", "added", "removed", "restricted"]
#: where an operation's item ids go (see :attr:`Route.ids_in`)
IdsIn = Literal["path", "query", "body"]
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


def _default_ids_in(route: Route) -> IdsIn | None:
    if "{id}" in route.path:
        return "path"
    return "query" if route.batch_max is not None else None


def _default_ids_param(route: Route) -> str | None:
    if route.ids_in is None:
        return None
    return "id" if route.ids_in == "path" else "ids"


def _requirement_of(route: Route) -> ScopeRequirement | None:
    return requirement(route.operation_id, route.scopes)


#: what the live API sends on successful GETs, as reported publicly: ``public, max-age=0`` on catalog reads and
#: ``private, max-age=0`` on everything else; search says ``public, max-age=120`` (its own Route sets it)
CATALOG_CACHE_CONTROL = "public, max-age=0"
PRIVATE_CACHE_CONTROL = "private, max-age=0"


def _default_cache_control(route: Route) -> str | None:
    if route.method != "GET":
        return None
    return CATALOG_CACHE_CONTROL if route.catalog else PRIVATE_CACHE_CONTROL


def _default_dev_refusal(route: Route) -> int | None:
    return None if route.dev_mode_available else 403


def _single_parameter(route: Route) -> tuple[str, str, str] | None:
    """(name, text before, text after) when the path template has exactly one parameter (``/tracks/{id}``)."""
    names = _PARAMETER.findall(route.path)
    if len(names) != 1:
        return None
    before, _, after = route.path.partition("{" + names[0] + "}")
    return names[0], before, after


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
    #: the spec's default ``limit`` (what Spotify serves when none is sent); the SDK sends ``page_limit`` unless the
    #: caller names a limit, so fewer pages are asked for
    page_default: int | None = None
    #: the spec's maximum number of ids or URIs in one request (query or body); ``None`` when it takes no list
    batch_max: int | None = None
    #: where the operation's item ids go: ``"path"`` (the ``{id}`` of a one-item operation), ``"query"`` or
    #: ``"body"`` (a list of at most ``batch_max``, comma-joined in the query or a JSON array in the body), under
    #: ``ids_param``; ``None`` when it takes no item ids. Defaults: ``"path"`` for a path with ``{id}``, ``"query"``
    #: for an operation with a ``batch_max``
    ids_in: IdsIn | None = attrs.field(default=attrs.Factory(_default_ids_in, takes_self=True))
    #: the name the ids go under (``"id"``, ``"ids"``, ``"uris"``, or the body key of a playlist removal)
    ids_param: str | None = attrs.field(default=attrs.Factory(_default_ids_param, takes_self=True))
    #: the key of the answer's JSON object that holds the result (``"albums"`` for get-multiple-albums); ``None``
    #: when the result is the whole answer (search answers one key per type asked, so it has none)
    envelope: str | None = None
    #: a catalog read (track, album, artist, show, episode, audiobook, chapter): ``HttpCache.catalog_ttl`` applies
    catalog: bool = False
    #: tag templates of the groups this read's cached answer belongs to (see the module docstring)
    cache_tags: tuple[str, ...] = ()
    #: tag templates of the cached reads this write makes stale
    invalidates: tuple[str, ...] = ()
    #: the live API's successful answers carry an ``ETag`` and it answers ``304`` to a matching ``If-None-Match``
    #: (the playlist reads; the HTTP cache revalidates with it, FakeSpotify sends it)
    etag: bool = False
    #: the ``Cache-Control`` the live API sends on a successful answer of this GET (``None`` for other methods)
    cache_control: str | None = attrs.field(default=attrs.Factory(_default_cache_control, takes_self=True))
    #: the status a development-mode app gets when it sends this operation anyway (``None`` where it is available):
    #: 403 for most withdrawn operations, 404 for some of the 2024 restrictions, as users report them. The session
    #: refuses such a call before sending (:class:`~spotify_async.errors.EndpointUnavailable`); FakeSpotify answers it
    dev_refusal: int | None = attrs.field(default=attrs.Factory(_default_dev_refusal, takes_self=True))
    #: what the operation cannot work without, derived from ``scopes`` by the rules of
    #: :func:`spotify_async.auth.scopes.requirement` (``None``: nothing, or only scopes that add optional content);
    #: the session checks it against a token's granted scopes before sending
    requires: ScopeRequirement | None = attrs.field(
        init=False, repr=False, default=attrs.Factory(_requirement_of, takes_self=True)
    )
    #: the template split around its one parameter, if it has exactly one (compile's fast path)
    _single: tuple[str, str, str] | None = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_single_parameter, takes_self=True)
    )

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
        single = self._single
        if single is not None and len(params) == 1:
            # one base-62 id into a one-parameter template: nearly every call, and no quoting to do
            value = params.get(single[0])
            if value is not None and value.__class__ is str and value.isascii() and value.isalnum():
                return CompiledRoute(self, single[1] + value + single[2], params)
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
    envelope="albums",
)
GET_AN_ALBUMS_TRACKS = Route(
    "GET", "/albums/{id}/tracks", "get-an-albums-tracks", page_limit=50, catalog=True, page_default=20
)
GET_AN_ARTIST = Route("GET", "/artists/{id}", "get-an-artist", catalog=True)
GET_MULTIPLE_ARTISTS = Route(
    "GET",
    "/artists",
    "get-multiple-artists",
    batch_max=50,
    dev_status="removed",
    replacement="GET /artists/{id} per item",
    catalog=True,
    envelope="artists",
)
GET_AN_ARTISTS_ALBUMS = Route(
    "GET", "/artists/{id}/albums", "get-an-artists-albums", page_limit=10, catalog=True, page_default=5
)
GET_AN_ARTISTS_TOP_TRACKS = Route(
    "GET",
    "/artists/{id}/top-tracks",
    "get-an-artists-top-tracks",
    dev_status="removed",
    catalog=True,
    envelope="tracks",
)
GET_AN_ARTISTS_RELATED_ARTISTS = Route(
    "GET",
    "/artists/{id}/related-artists",
    "get-an-artists-related-artists",
    dev_status="restricted",
    catalog=True,
    envelope="artists",
    dev_refusal=404,
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
    envelope="shows",
)
GET_A_SHOWS_EPISODES = Route(
    "GET",
    "/shows/{id}/episodes",
    "get-a-shows-episodes",
    page_limit=50,
    scopes=("user-read-playback-position",),
    catalog=True,
    page_default=20,
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
    envelope="episodes",
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
    envelope="audiobooks",
)
GET_AUDIOBOOK_CHAPTERS = Route(
    "GET", "/audiobooks/{id}/chapters", "get-audiobook-chapters", page_limit=50, catalog=True, page_default=20
)
GET_USERS_SAVED_AUDIOBOOKS = Route(
    "GET",
    "/me/audiobooks",
    "get-users-saved-audiobooks",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
    page_default=20,
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
    envelope="chapters",
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
    envelope="tracks",
)
SEARCH = Route("GET", "/search", "search", page_limit=10, page_default=5, cache_control="public, max-age=120")
GET_CURRENT_USERS_PROFILE = Route(
    "GET",
    "/me",
    "get-current-users-profile",
    scopes=("user-read-private", "user-read-email"),
)
GET_PLAYLIST = Route("GET", "/playlists/{playlist_id}", "get-playlist", cache_tags=(PLAYLIST_TAG,), etag=True)
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
    page_default=20,
    etag=True,
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
    ids_in="body",
    ids_param="uris",
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
    ids_in="body",
    ids_param="uris",
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
    ids_in="body",
    ids_param="tracks",
)
GET_PLAYLISTS_ITEMS = Route(
    "GET",
    "/playlists/{playlist_id}/items",
    "get-playlists-items",
    page_limit=50,
    scopes=("playlist-read-private",),
    dev_status="added",
    cache_tags=(PLAYLIST_TAG,),
    page_default=20,
    etag=True,
)
ADD_ITEMS_TO_PLAYLIST = Route(
    "POST",
    "/playlists/{playlist_id}/items",
    "add-items-to-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
    ids_in="body",
    ids_param="uris",
)
REORDER_OR_REPLACE_PLAYLISTS_ITEMS = Route(
    "PUT",
    "/playlists/{playlist_id}/items",
    "reorder-or-replace-playlists-items",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
    ids_in="body",
    ids_param="uris",
)
REMOVE_ITEMS_PLAYLIST = Route(
    "DELETE",
    "/playlists/{playlist_id}/items",
    "remove-items-playlist",
    batch_max=100,
    scopes=("playlist-modify-public", "playlist-modify-private"),
    dev_status="added",
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
    ids_in="body",
    ids_param="items",
)
GET_A_LIST_OF_CURRENT_USERS_PLAYLISTS = Route(
    "GET",
    "/me/playlists",
    "get-a-list-of-current-users-playlists",
    page_limit=50,
    scopes=("playlist-read-private",),
    cache_tags=(MY_PLAYLISTS_TAG,),
    page_default=20,
    etag=True,
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
    ids_param="uris",
)
REMOVE_LIBRARY_ITEMS = Route(
    "DELETE",
    "/me/library",
    "remove-library-items",
    batch_max=40,
    scopes=("user-library-modify", "user-follow-modify", "playlist-modify-public"),
    dev_status="added",
    invalidates=(LIBRARY_TAG, MY_PLAYLISTS_TAG),
    ids_param="uris",
)
CHECK_LIBRARY_CONTAINS = Route(
    "GET",
    "/me/library/contains",
    "check-library-contains",
    batch_max=40,
    scopes=("user-library-read", "user-follow-read", "playlist-read-private"),
    dev_status="added",
    cache_tags=(LIBRARY_TAG,),
    ids_param="uris",
)
GET_USERS_SAVED_ALBUMS = Route(
    "GET",
    "/me/albums",
    "get-users-saved-albums",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
    page_default=20,
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
    page_default=20,
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
    ids_in="body",
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
    page_default=20,
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
    "GET",
    "/me/shows",
    "get-users-saved-shows",
    page_limit=50,
    scopes=("user-library-read",),
    cache_tags=(LIBRARY_TAG,),
    page_default=20,
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
    page_default=20,
    etag=True,
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
    page_default=20,
    envelope="playlists",
    dev_refusal=404,
)
GET_CATEGORIES = Route(
    "GET",
    "/browse/categories",
    "get-categories",
    page_limit=50,
    dev_status="removed",
    page_default=20,
    envelope="categories",
)
GET_A_CATEGORY = Route("GET", "/browse/categories/{category_id}", "get-a-category", dev_status="removed")
GET_A_CATEGORIES_PLAYLISTS = Route(
    "GET",
    "/browse/categories/{category_id}/playlists",
    "get-a-categories-playlists",
    page_limit=50,
    dev_status="restricted",
    page_default=20,
    envelope="playlists",
    dev_refusal=404,
)
GET_PLAYLIST_COVER = Route("GET", "/playlists/{playlist_id}/images", "get-playlist-cover", cache_tags=(PLAYLIST_TAG,))
UPLOAD_CUSTOM_PLAYLIST_COVER = Route(
    "PUT",
    "/playlists/{playlist_id}/images",
    "upload-custom-playlist-cover",
    scopes=("ugc-image-upload", "playlist-modify-public", "playlist-modify-private"),
    invalidates=(PLAYLIST_TAG, MY_PLAYLISTS_TAG),
)
GET_NEW_RELEASES = Route(
    "GET",
    "/browse/new-releases",
    "get-new-releases",
    page_limit=50,
    dev_status="removed",
    page_default=20,
    envelope="albums",
)
GET_FOLLOWED = Route(
    "GET",
    "/me/following",
    "get-followed",
    page_limit=50,
    scopes=("user-follow-read",),
    cache_tags=(LIBRARY_TAG,),
    page_default=20,
    envelope="artists",
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
    envelope="audio_features",
)
GET_AUDIO_FEATURES = Route("GET", "/audio-features/{id}", "get-audio-features", dev_status="restricted")
GET_AUDIO_ANALYSIS = Route("GET", "/audio-analysis/{id}", "get-audio-analysis", dev_status="restricted")
GET_RECOMMENDATIONS = Route(
    "GET",
    "/recommendations",
    "get-recommendations",
    page_limit=100,
    dev_status="restricted",
    page_default=20,
    dev_refusal=404,
)
GET_RECOMMENDATION_GENRES = Route(
    "GET",
    "/recommendations/available-genre-seeds",
    "get-recommendation-genres",
    dev_status="restricted",
    envelope="genres",
    dev_refusal=404,
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
    envelope="devices",
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
    page_default=20,
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
GET_AVAILABLE_MARKETS = Route("GET", "/markets", "get-available-markets", dev_status="removed", envelope="markets")
GET_USERS_TOP_ARTISTS = Route(
    "GET", "/me/top/artists", "get-users-top-artists", page_limit=50, scopes=("user-top-read",), page_default=20
)
GET_USERS_TOP_TRACKS = Route(
    "GET", "/me/top/tracks", "get-users-top-tracks", page_limit=50, scopes=("user-top-read",), page_default=20
)

#: every route, keyed by operationId, in the order above: gathered from this module's constants rather than listed a
#: second time, so a new constant is registered by being written
ALL_ROUTES: dict[str, Route] = {
    value.operation_id: value for value in list(globals().values()) if isinstance(value, Route)
}

_BY_METHOD_PATH: dict[str, Route] = {f"{route.method} {route.path}": route for route in ALL_ROUTES.values()}


def replacement_of(route: Route) -> Route | None:
    """The operation a development-mode app sends instead of ``route``, when its ``replacement`` names one exactly
    (``"PUT /me/library"``); ``None`` when it names none or a pattern (``"GET /albums/{id} per item"``)."""
    return _BY_METHOD_PATH.get(route.replacement) if route.replacement else None


#: operationId -> what it cannot work without: each route's ``requires`` (the rules of
#: :func:`spotify_async.auth.scopes.requirement`)
REQUIREMENTS: dict[str, ScopeRequirement] = {
    op: route.requires for op, route in ALL_ROUTES.items() if route.requires is not None
}


def check_scopes(operation_id: str, granted: frozenset[str]) -> None:
    """Raise :class:`~spotify_async.errors.ScopeError` when ``granted`` satisfies none of the operation's
    alternatives; otherwise return."""
    need = REQUIREMENTS.get(operation_id)
    if need is None or need.satisfied_by(granted):
        return
    raise scope_error(operation_id, need, granted)
