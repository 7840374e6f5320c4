"""Playlist routes: reading a playlist and its items (both the 2026 ``/items`` and the older ``/tracks``
paths), users' playlist lists, creation, detail changes, item edits with snapshot ids, cover images and followers.

Access follows Spotify's 2026 rules: a private playlist is visible only to its owner and collaborators; for
development-mode apps the contents of playlists the user neither owns nor collaborates on are withheld (``items``
absent, ``GET .../items`` answers 403) and Spotify-owned editorial playlists answer 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from aiohttp import web

from .._catalog import PlaylistEntry, PlaylistRec
from .._util import ApiError, empty_response, json_response, parse_limit, parse_offset, raw_json_response
from ._base import RequestContext, handles
from ._common import now_iso, parse_uri


def find_playlist(ctx: RequestContext, pid: str) -> PlaylistRec:
    w = ctx.world
    pl = w.catalog.playlist_by_id.get(pid)
    if pl is None:
        raise ApiError(404, "Resource not found")
    uid = ctx.token.user_id
    if not pl.public and not w.can_edit(pl, uid) and (uid is None or pid not in w.user_state(uid).followed_playlists):
        raise ApiError(404, "Resource not found")
    if pl.editorial and not w.extended:
        raise ApiError(404, "Resource not found")
    return pl


def _playlist_id(ctx: RequestContext) -> str:
    return ctx.path_id("playlist_id")


@handles("get-playlist")
async def get_playlist(ctx: RequestContext) -> web.StreamResponse:
    pl = find_playlist(ctx, _playlist_id(ctx))
    w = ctx.world
    with_items = w.extended or w.can_edit(pl, ctx.token.user_id)
    return json_response(w.render.playlist(pl, with_items))


async def _items(ctx: RequestContext, path: str) -> web.StreamResponse:
    pl = find_playlist(ctx, _playlist_id(ctx))
    w = ctx.world
    if not w.extended and not w.can_edit(pl, ctx.token.user_id):
        raise ApiError(403, "Forbidden")
    # the spec's maxima: 100 for the legacy /tracks, 50 for /items (in either mode)
    limit = parse_limit(ctx.query, 100, 100) if path == "tracks" else parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    shape = w.render.playlist_shape
    if path == "tracks" and shape == "new":
        shape = "old"
    return raw_json_response(w.render.playlist_items_page_bytes(pl, offset, limit, path, shape))


@handles("get-playlists-items")
async def get_playlist_items(ctx: RequestContext) -> web.StreamResponse:
    return await _items(ctx, "items")


@handles("get-playlists-tracks")
async def get_playlist_tracks(ctx: RequestContext) -> web.StreamResponse:
    return await _items(ctx, "tracks")


# ---- lists and creation ------------------------------------------------------------------------------------------


async def _create(ctx: RequestContext, owner: str) -> web.StreamResponse:
    body = await ctx.json_body()
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        raise ApiError(400, "Missing required field: name")
    public = body.get("public", True)
    collaborative = body.get("collaborative", False)
    description = body.get("description", "")
    if not isinstance(public, bool) or not isinstance(collaborative, bool) or not isinstance(description, str):
        raise ApiError(400, "Bad request")
    if collaborative and public:
        raise ApiError(400, "Collaborative playlists cannot be public")
    if not ctx.token.scopes.intersection(("playlist-modify-public", "playlist-modify-private")):
        raise ApiError(403, "Insufficient client scope")
    pl = ctx.world.catalog.new_playlist(
        owner, body["name"], description=description, public=public, collaborative=collaborative
    )
    return json_response(ctx.world.render.playlist(pl, True), 201)


@handles("create-playlist")
async def create_my_playlist(ctx: RequestContext) -> web.StreamResponse:
    return await _create(ctx, ctx.user_id)


@handles("create-playlist-for-user")
async def create_user_playlist(ctx: RequestContext) -> web.StreamResponse:
    uid = ctx.user_id
    if ctx.params["user_id"] != uid:
        raise ApiError(403, "You cannot create a playlist for another user")
    return await _create(ctx, uid)


# ---- edits -------------------------------------------------------------------------------------------------------

_MODIFY = ("playlist-modify-public", "playlist-modify-private")


def _editable(ctx: RequestContext) -> PlaylistRec:
    uid = ctx.require_scope(*_MODIFY)
    pl = find_playlist(ctx, _playlist_id(ctx))
    if not ctx.world.can_edit(pl, uid):
        raise ApiError(403, "You cannot change a playlist you do not own or collaborate on")
    return pl


@handles("change-playlist-details")
async def change_details(ctx: RequestContext) -> web.StreamResponse:
    pl = _editable(ctx)
    if pl.owner_id != ctx.user_id:
        raise ApiError(403, "You cannot change details of a playlist you do not own")
    body = await ctx.json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Error parsing JSON.")
    for key, kind in (("name", str), ("description", str), ("public", bool), ("collaborative", bool)):
        if key in body and not isinstance(body[key], kind):
            raise ApiError(400, f"Invalid value for {key}")
    public = body.get("public", pl.public)
    collaborative = body.get("collaborative", pl.collaborative)
    if public and collaborative:
        raise ApiError(400, "Collaborative playlists cannot be public")
    if "name" in body:
        pl.name = body["name"]
    if "description" in body:
        pl.description = body["description"]
    pl.public = public
    pl.collaborative = collaborative
    pl.bump()
    return empty_response(200)


def _item_uris(raw: object) -> list[tuple[str, str]]:
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        raise ApiError(400, "Invalid uris")
    if len(raw) > 100:
        raise ApiError(400, "Too many tracks requested")
    out = []
    for uri in raw:
        kind, ident = parse_uri(uri, ("track", "episode"))
        out.append((kind, ident))
    return out


def _check_known(ctx: RequestContext, items: list[tuple[str, str]]) -> None:
    c = ctx.world.catalog
    for kind, ident in items:
        table = c.track_by_id if kind == "track" else c.episode_by_id
        if ident not in table:
            raise ApiError(400, f"Payload contains a non-existing ID: spotify:{kind}:{ident}")


async def _add(ctx: RequestContext) -> web.StreamResponse:
    pl = _editable(ctx)
    body = await ctx.json_body(required=False)
    raw_q = ctx.query.get("uris")
    position: object = ctx.query.get("position")
    if raw_q is not None:
        uris: object = [u for u in raw_q.split(",") if u]
    elif isinstance(body, dict):
        uris = body.get("uris")
        position = body.get("position", position)
    else:
        raise ApiError(400, "Missing required field: uris")
    items = _item_uris(uris)
    if not items:
        raise ApiError(400, "No uris provided")
    _check_known(ctx, items)
    n = len(pl.entries)
    if position is None:
        pos = n
    else:
        try:
            pos = int(str(position))
        except ValueError:
            raise ApiError(400, "Invalid position") from None
        if pos < 0 or pos > n:
            raise ApiError(400, "Index out of bounds")
    stamp = now_iso()
    uid = ctx.user_id
    pl.entries[pos:pos] = [PlaylistEntry(kind, ident, stamp, uid) for kind, ident in items]
    return json_response({"snapshot_id": pl.bump()}, 201)


async def _update(ctx: RequestContext) -> web.StreamResponse:
    pl = _editable(ctx)
    body = await ctx.json_body(required=False)
    raw_q = ctx.query.get("uris")
    if raw_q is not None or (isinstance(body, dict) and "uris" in body and "range_start" not in body):
        uris = [u for u in raw_q.split(",") if u] if raw_q is not None else body["uris"]
        items = _item_uris(uris)
        _check_known(ctx, items)
        stamp = now_iso()
        pl.entries = [PlaylistEntry(kind, ident, stamp, ctx.user_id) for kind, ident in items]
        return json_response({"snapshot_id": pl.bump()})
    if not isinstance(body, dict) or "range_start" not in body or "insert_before" not in body:
        raise ApiError(400, "Missing required field: range_start")
    start, before, length = body["range_start"], body["insert_before"], body.get("range_length", 1)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, before, length)):
        raise ApiError(400, "Bad request")
    n = len(pl.entries)
    if start < 0 or length < 1 or start + length > n or before < 0 or before > n:
        raise ApiError(400, "Index out of bounds")
    moved = pl.entries[start : start + length]
    rest = pl.entries[:start] + pl.entries[start + length :]
    at = before if before <= start else before - length
    pl.entries = rest[:at] + moved + rest[at:]
    return json_response({"snapshot_id": pl.bump()})


async def _remove(ctx: RequestContext, key: str) -> web.StreamResponse:
    pl = _editable(ctx)
    body = await ctx.json_body()
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ApiError(400, f"Missing required field: {key}")
    entries = body[key]
    if len(entries) > 100:
        raise ApiError(400, "Too many tracks requested")
    targets: set[tuple[str, str]] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("uri"), str):
            raise ApiError(400, "Invalid track uri")
        targets.add(parse_uri(entry["uri"], ("track", "episode")))
    pl.entries = [e for e in pl.entries if (e.kind, e.item_id) not in targets]
    return json_response({"snapshot_id": pl.bump()})


@handles("add-items-to-playlist")
async def add_items(ctx: RequestContext) -> web.StreamResponse:
    return await _add(ctx)


@handles("add-tracks-to-playlist")
async def add_tracks(ctx: RequestContext) -> web.StreamResponse:
    return await _add(ctx)


@handles("reorder-or-replace-playlists-items")
async def update_items(ctx: RequestContext) -> web.StreamResponse:
    return await _update(ctx)


@handles("reorder-or-replace-playlists-tracks")
async def update_tracks(ctx: RequestContext) -> web.StreamResponse:
    return await _update(ctx)


@handles("remove-items-playlist")
async def remove_items(ctx: RequestContext) -> web.StreamResponse:
    return await _remove(ctx, "items")


@handles("remove-tracks-playlist")
async def remove_tracks(ctx: RequestContext) -> web.StreamResponse:
    return await _remove(ctx, "tracks")


# ---- cover images ------------------------------------------------------------------------------------------------


@handles("get-playlist-cover")
async def get_cover(ctx: RequestContext) -> web.StreamResponse:
    pl = find_playlist(ctx, _playlist_id(ctx))
    return json_response(ctx.world.render.playlist_images(pl))


@handles("upload-custom-playlist-cover")
async def put_cover(ctx: RequestContext) -> web.StreamResponse:
    if "ugc-image-upload" not in ctx.token.scopes:
        ctx.require_scope("ugc-image-upload")
    pl = _editable(ctx)
    raw = await ctx.request.read()
    if len(raw) > 256 * 1024:
        raise ApiError(413, "Image too large")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "Bad image data: not base64") from None
    if not data.startswith(b"\xff\xd8\xff"):
        raise ApiError(400, "Bad image data: not a JPEG")
    pl.custom_cover = hashlib.sha1(data).hexdigest()
    pl.bump()
    return empty_response(202)
