"""Read-only catalog routes: albums, artists and tracks (single, several, and their sub-resources)."""

from __future__ import annotations

import orjson
from aiohttp import web

from .._util import ApiError, json_response, page, parse_limit, parse_offset, q, raw_json_response, split_ids
from ._base import RequestContext, handles

_GROUP_ORDER = ("album", "single", "compilation", "appears_on")


def _cached(ctx: RequestContext, kind: str, ident: str) -> web.Response:
    """Single-item GETs of immutable objects: serialise once, then serve the same bytes."""
    w = ctx.world
    key = (kind, ident)
    body = w.bytes_cache.get(key)
    if body is None:
        render = w.render
        builder = {"album": render.album, "artist": render.artist, "track": render.track}[kind]
        body = w.bytes_cache[key] = orjson.dumps(builder(ident))
    return raw_json_response(body)


@handles("get-an-album")
async def get_album(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    if aid not in ctx.world.catalog.album_by_id:
        raise ApiError(404, "Resource not found")
    return _cached(ctx, "album", aid)


@handles("get-multiple-albums")
async def get_albums(ctx: RequestContext) -> web.StreamResponse:
    ids = split_ids(ctx.query, 20)
    known = ctx.world.catalog.album_by_id
    r = ctx.world.render
    return json_response({"albums": [r.album(i) if i in known else None for i in ids]})


@handles("get-an-albums-tracks")
async def get_album_tracks(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    album = ctx.world.catalog.album_by_id.get(aid)
    if album is None:
        raise ApiError(404, "Resource not found")
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    r = ctx.world.render
    ids = album.track_ids
    return json_response(
        page(
            f"{r.base}/albums/{aid}/tracks",
            [r.track_simple(t) for t in ids[offset : offset + limit]],
            len(ids),
            offset,
            limit,
        )
    )


@handles("get-an-artist")
async def get_artist(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    if aid not in ctx.world.catalog.artist_by_id:
        raise ApiError(404, "Resource not found")
    return _cached(ctx, "artist", aid)


@handles("get-multiple-artists")
async def get_artists(ctx: RequestContext) -> web.StreamResponse:
    ids = split_ids(ctx.query, 50)
    known = ctx.world.catalog.artist_by_id
    r = ctx.world.render
    return json_response({"artists": [r.artist(i) if i in known else None for i in ids]})


@handles("get-an-artists-albums")
async def get_artist_albums(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    c = ctx.world.catalog
    artist = c.artist_by_id.get(aid)
    if artist is None:
        raise ApiError(404, "Resource not found")
    raw_groups = ctx.query.get("include_groups")
    extra = ""
    if raw_groups:
        groups = [g.strip() for g in raw_groups.split(",") if g.strip()]
        if not groups or any(g not in _GROUP_ORDER for g in groups):
            raise ApiError(400, "Invalid include_groups value")
        extra = f"&include_groups={q(raw_groups)}"
    else:
        groups = list(_GROUP_ORDER)
    # max 10, default 5 since February 2026, as the spec says (for extended apps too: the spec describes them)
    limit = parse_limit(ctx.query, 5, 10)
    offset = parse_offset(ctx.query)
    entries: list[tuple[str, str]] = []
    for group in _GROUP_ORDER:
        if group not in groups:
            continue
        if group == "appears_on":
            ids = artist.appears_on
        else:
            ids = [a for a in artist.album_ids if c.album_by_id[a].album_type == group]
        ids = sorted(ids, key=lambda a: c.album_by_id[a].release_date, reverse=True)
        entries.extend((a, group) for a in ids)
    r = ctx.world.render
    items = [r.album_simple(a, g) for a, g in entries[offset : offset + limit]]
    return json_response(page(f"{r.base}/artists/{aid}/albums", items, len(entries), offset, limit, extra))


@handles("get-an-artists-top-tracks")
async def get_artist_top_tracks(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    c = ctx.world.catalog
    artist = c.artist_by_id.get(aid)
    if artist is None:
        raise ApiError(404, "Resource not found")
    top = sorted(artist.track_ids, key=lambda t: (-c.track_by_id[t].popularity, t))[:10]
    r = ctx.world.render
    return json_response({"tracks": [r.track(t) for t in top]})


@handles("get-an-artists-related-artists")
async def get_related_artists(ctx: RequestContext) -> web.StreamResponse:
    aid = ctx.path_id()
    c = ctx.world.catalog
    artist = c.artist_by_id.get(aid)
    if artist is None:
        raise ApiError(404, "Resource not found")
    # "related" = shares a genre, most popular first; stable for a seed
    mine = set(artist.genres)
    related = [a for a in c.artists if a != aid and mine.intersection(c.artist_by_id[a].genres)]
    related.sort(key=lambda a: (-c.artist_by_id[a].popularity, a))
    r = ctx.world.render
    return json_response({"artists": [r.artist(a) for a in related[:20]]})


@handles("get-track")
async def get_track(ctx: RequestContext) -> web.StreamResponse:
    tid = ctx.path_id()
    if tid not in ctx.world.catalog.track_by_id:
        raise ApiError(404, "Resource not found")
    return _cached(ctx, "track", tid)


@handles("get-several-tracks")
async def get_tracks(ctx: RequestContext) -> web.StreamResponse:
    ids = split_ids(ctx.query, 50)
    known = ctx.world.catalog.track_by_id
    r = ctx.world.render
    return json_response({"tracks": [r.track(i) if i in known else None for i in ids]})
