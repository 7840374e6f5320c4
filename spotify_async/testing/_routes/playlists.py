"""Playlist routes: reading a playlist and its items (both the 2026 ``/items`` and the older ``/tracks``
paths), users' playlist lists, creation, detail changes, item edits with snapshot ids, cover images and followers.

Access follows Spotify's 2026 rules: a private playlist is visible only to its owner and collaborators; for
development-mode apps the contents of playlists the user neither owns nor collaborates on are withheld (``items``
absent, ``GET .../items`` answers 403) and Spotify-owned editorial playlists answer 404.
"""

from __future__ import annotations

from aiohttp import web

from .._catalog import PlaylistRec
from .._util import ApiError, json_response, parse_limit, parse_offset
from ._base import Call, api


def find_playlist(call: Call, pid: str) -> PlaylistRec:
    w = call.world
    pl = w.catalog.playlist_by_id.get(pid)
    if pl is None:
        raise ApiError(404, "Resource not found")
    uid = call.token.user_id
    if not pl.public and not w.can_edit(pl, uid) and (uid is None or pid not in w.user_state(uid).followed_playlists):
        raise ApiError(404, "Resource not found")
    if pl.editorial and not w.extended:
        raise ApiError(404, "Resource not found")
    return pl


def _playlist_id(call: Call) -> str:
    return call.path_id("playlist_id")


@api("GET", "/playlists/{playlist_id}", "get-playlist")
async def get_playlist(call: Call) -> web.StreamResponse:
    pl = find_playlist(call, _playlist_id(call))
    w = call.world
    with_items = w.extended or w.can_edit(pl, call.token.user_id)
    return json_response(w.render.playlist(pl, with_items))


async def _items(call: Call, path: str) -> web.StreamResponse:
    pl = find_playlist(call, _playlist_id(call))
    w = call.world
    if not w.extended and not w.can_edit(pl, call.token.user_id):
        raise ApiError(403, "Forbidden")
    limit = parse_limit(call.query, 100, 100) if w.extended else parse_limit(call.query, 20, 50)
    offset = parse_offset(call.query)
    shape = w.render.playlist_shape
    if path == "tracks" and shape == "new":
        shape = "old"
    return json_response(w.render.playlist_items_page(pl, offset, limit, path, shape))


@api("GET", "/playlists/{playlist_id}/items", "get-playlists-items")
async def get_playlist_items(call: Call) -> web.StreamResponse:
    return await _items(call, "items")


@api("GET", "/playlists/{playlist_id}/tracks", "get-playlists-tracks")
async def get_playlist_tracks(call: Call) -> web.StreamResponse:
    return await _items(call, "tracks")
