"""The user's library: saved tracks, albums, shows, episodes and audiobooks (per-type read, save, remove and
contains) and the 2026 generic ``/me/library`` endpoints that take Spotify URIs (at most 40), which also cover
following artists, users and playlists."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._util import ApiError, empty_response, json_response, page, parse_limit, parse_offset
from .._world import UserState
from ._base import RequestContext, handles
from ._common import now_iso, parse_uri

READ = ("user-library-read",)
MODIFY = ("user-library-modify",)
# path segment -> (item kind, max ids per write)
KINDS = {
    "tracks": ("track", 50),
    "albums": ("album", 20),
    "shows": ("show", 50),
    "episodes": ("episode", 50),
    "audiobooks": ("audiobook", 50),
}


def _known(ctx: RequestContext, kind: str, ident: str) -> bool:
    c = ctx.world.catalog
    tables: dict[str, dict[str, Any]] = {
        "track": c.track_by_id,
        "album": c.album_by_id,
        "show": c.show_by_id,
        "episode": c.episode_by_id,
        "audiobook": c.audiobook_by_id,
        "artist": c.artist_by_id,
        "user": c.user_by_id,
        "playlist": c.playlist_by_id,
    }
    return ident in tables[kind]


def _saved_item(ctx: RequestContext, kind: str, ident: str, added_at: str) -> Any:
    r = ctx.world.render
    if kind == "track":
        return {"added_at": added_at, "track": r.track(ident)}
    if kind == "album":
        return {"added_at": added_at, "album": r.album(ident)}
    if kind == "show":
        return {"added_at": added_at, "show": r.show_simple(ident)}
    if kind == "episode":
        return {"added_at": added_at, "episode": r.episode(ident)}
    # saved audiobooks come as bare simplified audiobooks (live recordings), without added_at
    return r.audiobook_simple(ident)


def _make_get(segment: str, kind: str) -> None:
    async def handler(ctx: RequestContext) -> web.StreamResponse:
        ctx.require_scope(*READ)
        limit = parse_limit(ctx.query, 20, 50)
        offset = parse_offset(ctx.query)
        saved = ctx.user.saved[kind]
        # newest first, as Spotify lists a library
        ids = list(reversed(saved))
        items = [_saved_item(ctx, kind, i, saved[i]) for i in ids[offset : offset + limit]]
        return json_response(page(f"{ctx.world.api_base}/me/{segment}", items, len(ids), offset, limit))

    handler.__name__ = f"get_saved_{segment}"
    handles(_OPS[segment][0])(handler)


async def _write_ids(ctx: RequestContext, maximum: int) -> list[tuple[str, str | None]]:
    """(id, added_at) pairs from ?ids=, {"ids": [...]} or {"timestamped_ids": [{"id", "added_at"}]}."""
    from .._util import is_id

    raw = ctx.query.get("ids")
    out: list[tuple[str, str | None]] = []
    if raw is not None:
        out = [(p.strip(), None) for p in raw.split(",") if p.strip()]
    else:
        body = await ctx.json_body(required=False)
        if isinstance(body, dict) and isinstance(body.get("timestamped_ids"), list):
            for entry in body["timestamped_ids"]:
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise ApiError(400, "Bad request")
                out.append((entry["id"], str(entry.get("added_at") or "") or None))
        elif isinstance(body, dict) and isinstance(body.get("ids"), list):
            out = [(str(i), None) for i in body["ids"]]
        else:
            raise ApiError(400, "Missing required field: ids")
    if not out:
        raise ApiError(400, "Missing required field: ids")
    if len(out) > maximum:
        raise ApiError(400, "Too many ids requested")
    for ident, _ in out:
        if not is_id(ident):
            raise ApiError(400, "invalid id")
    return out


def _make_writes(segment: str, kind: str, maximum: int) -> None:
    async def save(ctx: RequestContext) -> web.StreamResponse:
        ctx.require_scope(*MODIFY)
        pairs = await _write_ids(ctx, maximum)
        saved = ctx.user.saved[kind]
        for ident, added_at in pairs:
            if _known(ctx, kind, ident):
                saved.pop(ident, None)
                saved[ident] = added_at or now_iso()
        return empty_response(200)

    async def remove(ctx: RequestContext) -> web.StreamResponse:
        ctx.require_scope(*MODIFY)
        pairs = await _write_ids(ctx, maximum)
        saved = ctx.user.saved[kind]
        for ident, _ in pairs:
            saved.pop(ident, None)
        return empty_response(200)

    async def contains(ctx: RequestContext) -> web.StreamResponse:
        ctx.require_scope(*READ)
        pairs = await _write_ids(ctx, maximum)
        saved = ctx.user.saved[kind]
        return json_response([ident in saved for ident, _ in pairs])

    _, put_op, delete_op, contains_op = _OPS[segment]
    handles(put_op)(save)
    handles(delete_op)(remove)
    handles(contains_op)(contains)


_OPS = {
    "tracks": ("get-users-saved-tracks", "save-tracks-user", "remove-tracks-user", "check-users-saved-tracks"),
    "albums": ("get-users-saved-albums", "save-albums-user", "remove-albums-user", "check-users-saved-albums"),
    "shows": ("get-users-saved-shows", "save-shows-user", "remove-shows-user", "check-users-saved-shows"),
    "episodes": (
        "get-users-saved-episodes",
        "save-episodes-user",
        "remove-episodes-user",
        "check-users-saved-episodes",
    ),
    "audiobooks": (
        "get-users-saved-audiobooks",
        "save-audiobooks-user",
        "remove-audiobooks-user",
        "check-users-saved-audiobooks",
    ),
}

for _segment, (_kind, _max) in KINDS.items():
    _make_get(_segment, _kind)
    _make_writes(_segment, _kind, _max)


# ---- /me/library (2026): URIs of any saveable or followable kind -------------------------------------------------


def _uris(ctx: RequestContext) -> list[tuple[str, str]]:
    raw = ctx.query.get("uris")
    if not raw:
        raise ApiError(400, "Missing required field: uris")
    uris = [u.strip() for u in raw.split(",") if u.strip()]
    if len(uris) > 40:
        raise ApiError(400, "Too many ids requested")
    return [parse_uri(u) for u in uris]


def _collection(state: UserState, kind: str) -> dict[str, str]:
    if kind == "artist":
        return state.followed_artists
    if kind == "user":
        return state.followed_users
    if kind == "playlist":
        return state.followed_playlists
    return state.saved[kind]


_LIB_SCOPES = ("user-library-modify", "user-follow-modify", "playlist-modify-public", "playlist-modify-private")
_LIB_READ = ("user-library-read", "user-follow-read", "playlist-read-private")


@handles("save-library-items")
async def save_library(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_LIB_SCOPES)
    state = ctx.user
    for kind, ident in _uris(ctx):
        if _known(ctx, kind, ident):
            coll = _collection(state, kind)
            coll.pop(ident, None)
            coll[ident] = now_iso()
            if kind == "playlist":
                ctx.world.catalog.playlist_by_id[ident].followers += 1
    return empty_response(200)


@handles("remove-library-items")
async def remove_library(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_LIB_SCOPES)
    state = ctx.user
    for kind, ident in _uris(ctx):
        if _collection(state, kind).pop(ident, None) is not None and kind == "playlist":
            pl = ctx.world.catalog.playlist_by_id[ident]
            pl.followers = max(0, pl.followers - 1)
    return empty_response(200)


@handles("check-library-contains")
async def library_contains(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_LIB_READ)
    state = ctx.user
    return json_response([ident in _collection(state, kind) for kind, ident in _uris(ctx)])
