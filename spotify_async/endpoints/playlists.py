"""Playlists: ``sp.playlists``: a playlist and its items, creating playlists, changing details, adding, replacing,
reordering and removing items (with snapshot ids), and the cover image.

Items live at ``/playlists/{id}/items`` (all four verbs) for every app since February 2026. The older
``/playlists/{id}/tracks`` operations still exist for extended-quota apps; they are sent only when a method is asked
for them with ``legacy_tracks_endpoint=True`` in extended mode. In development mode that flag is ignored and
``/items`` is used: it is Spotify's named replacement and behaves the same (the DELETE body key is ``items``
instead of ``tracks``).

Item writes take at most 100 URIs per request. Longer lists are split and sent *in order, one after the other*, since
each write changes the positions the next one refers to; :meth:`PlaylistsEndpoints.add_items` advances ``position``
by the size of each chunk so the items land contiguously, and the last snapshot id is returned.

Snapshot-aware reading: :meth:`PlaylistsEndpoints.snapshot` returns a :class:`PlaylistSnapshot` (the snapshot id and
every item). Its first request asks only for the playlist's ``snapshot_id`` (``fields=snapshot_id``: a few bytes, or a
304 when the ETag still matches). When that is the snapshot of the ``known`` one you pass, ``known`` itself comes back
and nothing else is sent. Otherwise the item pages are read *pinned* to that snapshot id (``Request.pin``): the cache
keeps them under it, so reading the same snapshot again (another process with the Redis store, or after ``known`` was
lost) serves every page from the cache. The snapshot id is read again after pages came over the network; if it moved
while they were read the pages are read again (up to three times), so the items returned are the snapshot named.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from .. import ids
from ..errors import EndpointUnavailable, InvalidInput, ModelError
from ..http import routes
from ..http.call import Batch, Call, Paged, Sender
from ..http.response import Request
from ..http.routes import Route
from ..models import Image, Playlist, PlaylistTrack, SnapshotId
from ._base import EndpointGroup, batch_max, check_limit, check_market, check_max_items, check_offset, chunked, query

__all__ = ["COVER_IMAGE_MAX_BYTES", "PLAYLIST_WRITE_BATCH", "PlaylistSnapshot", "PlaylistsEndpoints"]

_ADDITIONAL = frozenset({"track", "episode"})
#: what a playlist holds: item writes take track and episode URIs
_ITEM_TYPES = frozenset({"track", "episode"})
#: at most this many items per playlist write request (the spec's maximum, kept on the routes)
PLAYLIST_WRITE_BATCH = batch_max(routes.ADD_ITEMS_TO_PLAYLIST)
T = TypeVar("T")
#: Spotify's limit for a cover upload: the base64-encoded payload, not the JPEG itself
COVER_IMAGE_MAX_BYTES = 256 * 1024
_JPEG_MAGIC = b"\xff\xd8\xff"


def _additional_types(values: Sequence[str] | None) -> Sequence[str]:
    if values is None:
        return ("track", "episode")
    if isinstance(values, str):
        values = values.split(",")
    unknown = set(values) - _ADDITIONAL
    if unknown:
        raise InvalidInput(f"unknown additional_types {sorted(unknown)}: choose from track, episode")
    return values


def _snapshot(answer: SnapshotId) -> str:
    return answer.snapshot_id


def _images(answer: list[Image | None] | None) -> list[Image | None]:
    # a playlist without any cover answers null rather than []
    return answer or []


def _optional_bool(name: str, value: bool | None) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"{name} must be a bool or None, got {value!r}")
    return value


def _optional_text(name: str, value: str | None, *, empty_ok: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, got {type(value).__name__}")
    if not empty_ok and not value.strip():
        raise InvalidInput(f"{name} must not be empty")
    return value


def _details(
    name: str | None, public: bool | None, collaborative: bool | None, description: str | None
) -> dict[str, Any]:
    """The JSON body of create / change-details, validated; ``None`` values are left out."""
    body = {
        "name": _optional_text("name", name, empty_ok=False),
        "public": _optional_bool("public", public),
        "collaborative": _optional_bool("collaborative", collaborative),
        "description": _optional_text("description", description, empty_ok=True),
    }
    return {k: v for k, v in body.items() if v is not None}


def _check_position(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _item_uris(uris: Iterable[str]) -> list[str]:
    # bare ids are refused: a playlist holds tracks and episodes, so an id alone does not say which
    return ids.to_uris(uris, allowed=_ITEM_TYPES, arg="uris")


#: why ``positions`` is refused (see :meth:`PlaylistsEndpoints.remove_items`)
_NO_POSITIONS = (
    "'positions' is not part of DELETE /playlists/{id}/items in the current Web API reference (nor of the legacy "
    "/tracks), and Spotify has removed every occurrence of the URI whatever positions said since 2024; to remove "
    "one occurrence, read the items and replace_items() with the ones to keep"
)


def _removal(entry: str | Mapping[str, Any], index: int) -> dict[str, Any]:
    """One entry of the DELETE body: ``{"uri": ...}``, the only key the reference declares."""
    if isinstance(entry, str):
        return {"uri": ids.to_uris([entry], allowed=_ITEM_TYPES, arg="items")[0]}
    if not isinstance(entry, Mapping) or "uri" not in entry:
        raise InvalidInput(f"items: item {index}: expected a URI or a mapping with 'uri'")
    if "positions" in entry:
        raise InvalidInput(f"items: item {index}: {_NO_POSITIONS}")
    unknown = set(entry) - {"uri"}
    if unknown:
        raise InvalidInput(f"items: item {index}: unknown keys {sorted(unknown)}: only 'uri'")
    try:
        return {"uri": ids.to_uris([entry["uri"]], allowed=_ITEM_TYPES)[0]}
    except InvalidInput as exc:
        raise InvalidInput(f"items: item {index}: {exc}") from None


#: how many times :meth:`PlaylistsEndpoints.snapshot` reads the items again when the snapshot moves under it
SNAPSHOT_READS = 3


@attrs.frozen
class PlaylistSnapshot:
    """Every item of a playlist as of one ``snapshot_id`` (from :meth:`PlaylistsEndpoints.snapshot`)."""

    playlist_id: str
    snapshot_id: str
    #: the entries in playlist order; ``None`` where Spotify could no longer resolve one (positions are kept)
    items: list[PlaylistTrack | None] = attrs.field(repr=lambda items: f"<{len(items)} items>")


def _ids_key(route: Route) -> str:
    """The body key a playlist item write's list goes under (``Route.ids_param``: ``uris``, ``items``, ``tracks``)."""
    if route.ids_in != "body" or route.ids_param is None:
        raise TypeError(f"{route.operation_id} takes no list in its body: check its Route")
    return route.ids_param


def _only(results: list[T]) -> T:
    return results[0]


def _last_snapshot(snapshots: list[str]) -> str:
    return snapshots[-1] if snapshots else ""


def _in_order(calls: Sequence[Call[str]]) -> Batch[str]:
    """Chunked item writes, one after the other (positions and order depend on the chunk before); the result is the
    last snapshot id."""
    return Batch.in_order(calls, _last_snapshot)


class PlaylistsEndpoints(EndpointGroup):
    """Playlists, their contents and covers."""

    __slots__ = ()

    def _items_route(self, route: Route, legacy: Route, legacy_tracks_endpoint: bool) -> Route:
        """The ``/items`` route, or its ``/tracks`` twin when asked for it in extended mode."""
        if legacy_tracks_endpoint and self._client.mode == "extended":
            return legacy
        return route

    # ---- reading ------------------------------------------------------------------------------------------------

    def get(
        self,
        playlist_id: str,
        *,
        market: str | None = None,
        fields: str | None = None,
        additional_types: Sequence[str] | None = None,
    ) -> Call[Playlist]:
        """``GET /playlists/{playlist_id}``: one playlist (items come only for playlists the user owns or shares)."""
        route = routes.GET_PLAYLIST.compile(playlist_id=ids.to_id(playlist_id, "playlist", arg="playlist_id"))
        params = query(market=check_market(market), fields=fields, additional_types=_additional_types(additional_types))
        return Call(self._client, Request(route, params), Playlist)

    def items(
        self,
        playlist_id: str,
        *,
        market: str | None = None,
        fields: str | None = None,
        additional_types: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
        legacy_tracks_endpoint: bool = False,
    ) -> Paged[PlaylistTrack]:
        """``GET /playlists/{playlist_id}/items`` (scope ``playlist-read-private`` for private playlists): await for
        the first page, iterate for every entry.

        Entries hold a track, an episode, or (for a type this SDK does not know) an ``UnknownItem``. Page size is at
        most 50 (the spec's maximum for ``/items``); ``legacy_tracks_endpoint=True`` sends
        ``GET /playlists/{playlist_id}/tracks`` instead, in extended mode only, whose pages go up to 100.
        """
        route = self._items_route(routes.GET_PLAYLISTS_ITEMS, routes.GET_PLAYLISTS_TRACKS, legacy_tracks_endpoint)
        compiled = route.compile(playlist_id=ids.to_id(playlist_id, "playlist", arg="playlist_id"))
        params = query(market=check_market(market), fields=fields, additional_types=_additional_types(additional_types))
        return Paged(
            self._client,
            Request(compiled, params),
            PlaylistTrack,
            limit=check_limit(limit, route.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def snapshot(
        self,
        playlist_id: str,
        *,
        known: PlaylistSnapshot | None = None,
        market: str | None = None,
        additional_types: Sequence[str] | None = None,
    ) -> Batch[PlaylistSnapshot]:
        """Every item of a playlist with its ``snapshot_id``; ``known`` itself when the snapshot has not changed
        since it (one small request). See the module docstring for how unchanged pages come from the cache.
        ``.with_response()`` gives every Response: the probes and the pages."""
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        if known is not None and not isinstance(known, PlaylistSnapshot):
            raise InvalidInput(f"known must be a PlaylistSnapshot or None, not {type(known).__name__}")
        check = query(fields="snapshot_id")
        probe_request = Request(routes.GET_PLAYLIST.compile(playlist_id=pid), check)
        params = query(market=check_market(market), additional_types=_additional_types(additional_types))
        compiled = routes.GET_PLAYLISTS_ITEMS.compile(playlist_id=pid)
        page_size = check_limit(None, compiled.route.page_limit)

        def probe() -> Call[Any]:
            return Call(self._client, probe_request, Any, key="snapshot_id")

        async def steps(send: Sender) -> PlaylistSnapshot:
            items: list[PlaylistTrack | None] = []
            current = ""
            for _ in range(SNAPSHOT_READS):
                current = await send.one(probe())
                if not isinstance(current, str) or not current:
                    raise ModelError(f"GET /playlists/{pid}?fields=snapshot_id answered no snapshot_id")
                if known is not None and known.playlist_id == pid and known.snapshot_id == current:
                    return known
                paged: Paged[PlaylistTrack] = Paged(
                    self._client, Request(compiled, params, pin=current), PlaylistTrack, limit=page_size
                )
                if send.max_wait is not None:
                    paged.with_max_wait(send.max_wait)
                items, responses = await paged._collect_with_responses()
                send.responses.extend(responses)
                if all(r.from_cache for r in responses):
                    break  # every page was kept under this very snapshot: consistent by construction
                if await send.one(probe()) == current:
                    break
            return PlaylistSnapshot(pid, current, items)

        return Batch(steps)

    def cover_image(self, playlist_id: str) -> Call[list[Image | None]]:
        """``GET /playlists/{playlist_id}/images``: the cover in its sizes (empty when the playlist has none)."""
        route = routes.GET_PLAYLIST_COVER.compile(playlist_id=ids.to_id(playlist_id, "playlist", arg="playlist_id"))
        return Call(self._client, Request(route), list[Image | None] | None, transform=_images)

    # ---- creating and changing details --------------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        public: bool | None = None,
        collaborative: bool | None = None,
        description: str | None = None,
    ) -> Call[Playlist]:
        """``POST /me/playlists`` (scopes ``playlist-modify-public``, ``playlist-modify-private``): a new, empty
        playlist owned by the current user. Spotify's defaults: public, not collaborative; a collaborative playlist
        must be created with ``public=False``."""
        body = self._creation(name, public, collaborative, description)
        return Call(self._client, Request(routes.CREATE_PLAYLIST.compile(), None, json=body), Playlist)

    def create_for_user(
        self,
        user_id: str,
        name: str,
        *,
        public: bool | None = None,
        collaborative: bool | None = None,
        description: str | None = None,
    ) -> Batch[Playlist]:
        """``POST /users/{user_id}/playlists`` (scopes as :meth:`create`): a new playlist for ``user_id``, which
        Spotify only allows for the current user.

        Extended mode sends the operation as is. Development mode (where Spotify removed it) first asks ``GET /me``
        who the token's user is; for that user it sends ``POST /me/playlists``, which does the same thing, and for
        anyone else it raises ``EndpointUnavailable`` without creating anything.
        """
        uid = ids.user_id(user_id, arg="user_id")
        body = self._creation(name, public, collaborative, description)
        if self._client.mode == "extended":
            route = routes.CREATE_PLAYLIST_FOR_USER.compile(user_id=uid)
            return Batch.in_order([Call(self._client, Request(route, None, json=body), Playlist)], _only)
        client = self._client
        replacement = routes.replacement_of(routes.CREATE_PLAYLIST_FOR_USER) or routes.CREATE_PLAYLIST

        async def steps(send: Sender) -> Playlist:
            me: Any = await send.one(Call(client, Request(routes.GET_CURRENT_USERS_PROFILE.compile()), Any))
            if not isinstance(me, dict) or me.get("id") != uid:
                raise EndpointUnavailable(
                    routes.CREATE_PLAYLIST_FOR_USER.operation_id,
                    mode="development",
                    replacement=f"{replacement.method} {replacement.path} (creates playlists for the token's own user "
                    "only)",
                )
            created: Playlist = await send.one(Call(client, Request(replacement.compile(), None, json=body), Playlist))
            return created

        return Batch(steps)

    @staticmethod
    def _creation(
        name: str, public: bool | None, collaborative: bool | None, description: str | None
    ) -> dict[str, Any]:
        if name is None:
            raise InvalidInput("a new playlist needs a name")
        body = _details(name, public, collaborative, description)
        if collaborative and public is not False:
            raise InvalidInput("a collaborative playlist must be created with public=False (Spotify's rule)")
        return body

    def change_details(
        self,
        playlist_id: str,
        *,
        name: str | None = None,
        public: bool | None = None,
        collaborative: bool | None = None,
        description: str | None = None,
    ) -> Call[None]:
        """``PUT /playlists/{playlist_id}`` (scopes ``playlist-modify-public``, ``playlist-modify-private``): change
        the name, visibility, collaborative flag or description of a playlist the user owns."""
        route = routes.CHANGE_PLAYLIST_DETAILS.compile(
            playlist_id=ids.to_id(playlist_id, "playlist", arg="playlist_id")
        )
        body = _details(name, public, collaborative, description)
        if not body:
            raise InvalidInput("change_details needs at least one of name, public, collaborative, description")
        if collaborative and public:
            raise InvalidInput("a public playlist cannot be collaborative (Spotify's rule): pass public=False")
        return Call(self._client, Request(route, None, json=body), None)

    # ---- item writes --------------------------------------------------------------------------------------------

    def add_items(
        self,
        playlist_id: str,
        uris: Iterable[str],
        *,
        position: int | None = None,
        legacy_tracks_endpoint: bool = False,
    ) -> Batch[str]:
        """``POST /playlists/{playlist_id}/items`` (scopes ``playlist-modify-public``, ``playlist-modify-private``):
        add track and episode URIs or URLs at ``position`` (appended when ``None``); returns the new snapshot id.

        More than 100 items go in chunks of 100, sent in order one after the other, ``position`` advanced by each
        chunk so the items stay contiguous. ``legacy_tracks_endpoint=True``: ``POST .../tracks`` (extended mode).
        """
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        wanted = _item_uris(uris)
        if not wanted:
            raise InvalidInput("add_items needs at least one URI")
        start = None if position is None else _check_position("position", position)
        return _in_order(self._add_calls(pid, wanted, start, legacy_tracks_endpoint))

    def _add_calls(self, pid: str, uris: Sequence[str], start: int | None, legacy: bool) -> list[Call[str]]:
        route = self._items_route(routes.ADD_ITEMS_TO_PLAYLIST, routes.ADD_TRACKS_TO_PLAYLIST, legacy)
        compiled = route.compile(playlist_id=pid)
        calls: list[Call[str]] = []
        size = batch_max(route)
        for index, chunk in enumerate(chunked(uris, size)):
            # the URIs go in the JSON body (Route.ids_in): 100 URIs in the query string can exceed URL length limits
            body: dict[str, Any] = {_ids_key(route): list(chunk)}
            if start is not None:
                body["position"] = start + index * size
            calls.append(Call(self._client, Request(compiled, None, json=body), SnapshotId, transform=_snapshot))
        return calls

    def replace_items(
        self, playlist_id: str, uris: Iterable[str], *, legacy_tracks_endpoint: bool = False
    ) -> Batch[str]:
        """``PUT /playlists/{playlist_id}/items`` (scopes ``playlist-modify-public``, ``playlist-modify-private``):
        replace every item with these track and episode URIs (an empty list clears the playlist); returns the new
        snapshot id.

        Beyond 100 items the first 100 replace the contents and the rest are appended in order with
        ``POST .../items``, so the playlist is briefly partial. ``legacy_tracks_endpoint=True``: ``.../tracks``
        (extended mode).
        """
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        wanted = _item_uris(uris)
        route = self._items_route(
            routes.REORDER_OR_REPLACE_PLAYLISTS_ITEMS,
            routes.REORDER_OR_REPLACE_PLAYLISTS_TRACKS,
            legacy_tracks_endpoint,
        )
        size = batch_max(route)
        first = wanted[:size]
        calls = [
            Call(
                self._client,
                Request(route.compile(playlist_id=pid), None, json={_ids_key(route): first}),
                SnapshotId,
                transform=_snapshot,
            )
        ]
        rest = wanted[size:]
        if rest:
            calls.extend(self._add_calls(pid, rest, None, legacy_tracks_endpoint))
        return _in_order(calls)

    def reorder_items(
        self,
        playlist_id: str,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
        *,
        snapshot_id: str | None = None,
        legacy_tracks_endpoint: bool = False,
    ) -> Call[str]:
        """``PUT /playlists/{playlist_id}/items`` (scopes ``playlist-modify-public``, ``playlist-modify-private``):
        move ``range_length`` items starting at ``range_start`` to before ``insert_before``, against ``snapshot_id``
        when given; returns the new snapshot id. ``legacy_tracks_endpoint=True``: ``.../tracks`` (extended mode)."""
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        body: dict[str, Any] = {
            "range_start": _check_position("range_start", range_start),
            "insert_before": _check_position("insert_before", insert_before),
            "range_length": _check_position("range_length", range_length, minimum=1),
        }
        if snapshot_id is not None:
            body["snapshot_id"] = _optional_text("snapshot_id", snapshot_id, empty_ok=False)
        route = self._items_route(
            routes.REORDER_OR_REPLACE_PLAYLISTS_ITEMS,
            routes.REORDER_OR_REPLACE_PLAYLISTS_TRACKS,
            legacy_tracks_endpoint,
        )
        return Call(
            self._client, Request(route.compile(playlist_id=pid), None, json=body), SnapshotId, transform=_snapshot
        )

    def remove_items(
        self,
        playlist_id: str,
        items: Iterable[str | Mapping[str, Any]],
        *,
        snapshot_id: str | None = None,
        legacy_tracks_endpoint: bool = False,
    ) -> Batch[str]:
        """``DELETE /playlists/{playlist_id}/items`` (scopes ``playlist-modify-public``, ``playlist-modify-private``):
        remove every occurrence of each URI (or ``{"uri": ...}`` mapping), against ``snapshot_id`` when given.
        Returns the new snapshot id.

        ``positions`` (removing one occurrence of a URI) is refused with ``InvalidInput``: the current reference
        declares only ``uri`` in ``items[]`` for this endpoint (and for the legacy ``/tracks``), and since 2024 the
        live API has removed every occurrence whatever positions said, so sending them would only promise what does
        not happen. To remove one occurrence, read the items and :meth:`replace_items` with those to keep.

        More than 100 entries go in chunks of 100, in order, each against the same ``snapshot_id``.
        ``legacy_tracks_endpoint=True``: ``DELETE .../tracks`` with body key ``tracks`` (extended mode).
        """
        pid = ids.to_id(playlist_id, "playlist", arg="playlist_id")
        if isinstance(items, (str, bytes, Mapping)):
            raise InvalidInput("items: expected a list of URIs or {'uri': ...} mappings (wrap a single one in a list)")
        entries = [_removal(entry, index) for index, entry in enumerate(items)]
        if not entries:
            raise InvalidInput("remove_items needs at least one item")
        snapshot = _optional_text("snapshot_id", snapshot_id, empty_ok=False)
        route = self._items_route(routes.REMOVE_ITEMS_PLAYLIST, routes.REMOVE_TRACKS_PLAYLIST, legacy_tracks_endpoint)
        key = _ids_key(route)
        compiled = route.compile(playlist_id=pid)
        calls: list[Call[str]] = []
        for chunk in chunked(entries, batch_max(route)):
            body: dict[str, Any] = {key: list(chunk)}
            if snapshot is not None:
                body["snapshot_id"] = snapshot
            calls.append(Call(self._client, Request(compiled, None, json=body), SnapshotId, transform=_snapshot))
        return _in_order(calls)

    # ---- cover --------------------------------------------------------------------------------------------------

    def upload_cover_image(self, playlist_id: str, jpeg: bytes) -> Call[None]:
        """``PUT /playlists/{playlist_id}/images`` (scopes ``ugc-image-upload``, ``playlist-modify-public``,
        ``playlist-modify-private``): set the cover from JPEG bytes.

        The bytes must be a JPEG, and their base64 encoding (what is sent, and what Spotify counts) at most 256 KB,
        which allows a JPEG of about 192 KB. Spotify answers 202 and processes the image afterwards.
        """
        route = routes.UPLOAD_CUSTOM_PLAYLIST_COVER.compile(
            playlist_id=ids.to_id(playlist_id, "playlist", arg="playlist_id")
        )
        if not isinstance(jpeg, (bytes, bytearray, memoryview)):
            raise InvalidInput(f"jpeg must be bytes, got {type(jpeg).__name__} (read the file in binary mode)")
        raw = bytes(jpeg)
        if not raw.startswith(_JPEG_MAGIC):
            raise InvalidInput("the cover image must be a JPEG (its bytes do not start with the JPEG marker FF D8 FF)")
        encoded = base64.b64encode(raw)
        if len(encoded) > COVER_IMAGE_MAX_BYTES:
            raise InvalidInput(
                f"the cover image is {len(encoded)} bytes once base64-encoded; Spotify accepts at most "
                f"{COVER_IMAGE_MAX_BYTES} (a JPEG of at most {COVER_IMAGE_MAX_BYTES * 3 // 4} bytes)"
            )
        return Call(self._client, Request(route, None, data=encoded, content_type="image/jpeg"), None)
