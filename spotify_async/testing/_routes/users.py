"""User routes: the current user's profile, other users' profiles and playlists, top items, followed artists
(cursor paging) and follow/unfollow/contains for artists, users and playlists."""

from __future__ import annotations

from aiohttp import web

from .._util import ApiError, empty_response, json_response, page, parse_limit, parse_offset, q
from ._base import RequestContext, handles
from ._common import ids_from, now_iso


@handles("get-current-users-profile")
async def get_me(ctx: RequestContext) -> web.StreamResponse:
    uid = ctx.user_id
    return json_response(ctx.world.render.me(uid, ctx.token.scopes))


@handles("get-users-profile")
async def get_user(ctx: RequestContext) -> web.StreamResponse:
    uid = ctx.params["user_id"]
    if uid not in ctx.world.catalog.user_by_id:
        raise ApiError(404, "Resource not found")
    return json_response(ctx.world.render.user_profile(uid))


def _visible_playlists(ctx: RequestContext, owner: str, viewer: str | None) -> list[str]:
    """A user's playlists as ``viewer`` sees them: their own (private ones only to themselves and
    collaborators) then the ones they follow, newest first."""
    w = ctx.world
    c = w.catalog
    own = [p for p, pl in c.playlist_by_id.items() if pl.owner_id == owner and (pl.public or w.can_edit(pl, viewer))]
    own.reverse()
    followed = list(reversed(w.user_state(owner).followed_playlists)) if owner in c.user_by_id else []
    return own + [p for p in followed if p not in own and (c.playlist_by_id[p].public or viewer == owner)]


def _playlists_page(ctx: RequestContext, ids: list[str], url: str) -> web.Response:
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query, 100_000)
    c = ctx.world.catalog
    r = ctx.world.render
    items = [r.playlist_simple(c.playlist_by_id[p]) for p in ids[offset : offset + limit]]
    return json_response(page(url, items, len(ids), offset, limit))


@handles("get-a-list-of-current-users-playlists")
async def get_my_playlists(ctx: RequestContext) -> web.StreamResponse:
    uid = ctx.user_id
    ids = _visible_playlists(ctx, uid, uid)
    return _playlists_page(ctx, ids, f"{ctx.world.api_base}/users/{uid}/playlists")


@handles("get-list-users-playlists")
async def get_user_playlists(ctx: RequestContext) -> web.StreamResponse:
    owner = ctx.params["user_id"]
    if owner not in ctx.world.catalog.user_by_id:
        raise ApiError(404, "Resource not found")
    ids = _visible_playlists(ctx, owner, ctx.token.user_id)
    return _playlists_page(ctx, ids, f"{ctx.world.api_base}/users/{owner}/playlists")


@handles("get-users-top-artists")
async def get_top_artists(ctx: RequestContext) -> web.StreamResponse:
    return _top(ctx, "artists")


@handles("get-users-top-tracks")
async def get_top_tracks(ctx: RequestContext) -> web.StreamResponse:
    return _top(ctx, "tracks")


def _top(ctx: RequestContext, kind: str) -> web.Response:
    ctx.require_scope("user-top-read")
    time_range = ctx.query.get("time_range", "medium_term")
    if time_range not in ("short_term", "medium_term", "long_term"):
        raise ApiError(400, "Invalid time range")
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    state = ctx.user
    base = state.top_artists if kind == "artists" else state.top_tracks
    # each range is a stable rotation of the same favourites, so the three answers differ
    shift = ("short_term", "medium_term", "long_term").index(time_range) * 7
    ids = base[shift:] + base[:shift]
    r = ctx.world.render
    items = [r.artist(i) if kind == "artists" else r.track(i) for i in ids[offset : offset + limit]]
    url = f"{ctx.world.api_base}/me/top/{kind}"
    extra = f"&time_range={time_range}" if "time_range" in ctx.query else ""
    return json_response(page(url, items, len(ids), offset, limit, extra))


@handles("get-followed")
async def get_followed(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("user-follow-read")
    if ctx.query.get("type") != "artist":
        raise ApiError(400, "Bad type. Valid types are: artist")
    limit = parse_limit(ctx.query, 20, 50)
    after = ctx.query.get("after")
    # Spotify orders followed artists by id and pages with an "after" cursor (the last id seen)
    ids = sorted(ctx.user.followed_artists)
    start = 0
    if after:
        start = next((i for i, a in enumerate(ids) if a > after), len(ids))
    chunk = ids[start : start + limit]
    base = f"{ctx.world.api_base}/me/following?type=artist"
    more = start + limit < len(ids)
    r = ctx.world.render
    return json_response(
        {
            "artists": {
                "href": f"{base}&limit={limit}" + (f"&after={q(after)}" if after else ""),
                "items": [r.artist(a) for a in chunk],
                "limit": limit,
                "next": f"{base}&after={chunk[-1]}&limit={limit}" if more and chunk else None,
                "cursors": {"after": chunk[-1] if more and chunk else None},
                "total": len(ids),
            }
        }
    )


def _follow_kind(ctx: RequestContext) -> str:
    kind = ctx.query.get("type")
    if kind not in ("artist", "user"):
        raise ApiError(400, "Bad type. Valid types are: artist, user")
    return kind


async def _follow_ids(ctx: RequestContext, kind: str) -> list[str]:
    if kind == "artist":
        return await ids_from(ctx, 50)
    ids = await ids_from(ctx, 50, check=False)
    if not ids or len(ids) > 50:
        raise ApiError(400, "Too many ids requested" if ids else "Missing required field: ids")
    return ids


@handles("follow-artists-users")
async def follow(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("user-follow-modify")
    kind = _follow_kind(ctx)
    state = ctx.user
    c = ctx.world.catalog
    coll = state.followed_artists if kind == "artist" else state.followed_users
    known = c.artist_by_id if kind == "artist" else c.user_by_id
    for ident in await _follow_ids(ctx, kind):
        if ident in known:
            coll.setdefault(ident, now_iso())
    return empty_response(204)


@handles("unfollow-artists-users")
async def unfollow(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("user-follow-modify")
    kind = _follow_kind(ctx)
    state = ctx.user
    coll = state.followed_artists if kind == "artist" else state.followed_users
    for ident in await _follow_ids(ctx, kind):
        coll.pop(ident, None)
    return empty_response(204)


@handles("check-current-user-follows")
async def follows_contains(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("user-follow-read")
    kind = _follow_kind(ctx)
    state = ctx.user
    coll = state.followed_artists if kind == "artist" else state.followed_users
    return json_response([i in coll for i in await _follow_ids(ctx, kind)])


@handles("follow-playlist")
async def follow_playlist(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("playlist-modify-public", "playlist-modify-private")
    from .playlists import find_playlist

    pl = find_playlist(ctx, ctx.path_id("playlist_id"))
    body = await ctx.json_body(required=False)
    if body is not None and not isinstance(body, dict):
        raise ApiError(400, "Error parsing JSON.")
    followed = ctx.user.followed_playlists
    if pl.id not in followed:
        followed[pl.id] = now_iso()
        pl.followers += 1
    return empty_response(200)


@handles("unfollow-playlist")
async def unfollow_playlist(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("playlist-modify-public", "playlist-modify-private")
    from .playlists import find_playlist

    pl = find_playlist(ctx, ctx.path_id("playlist_id"))
    if ctx.user.followed_playlists.pop(pl.id, None) is not None:
        pl.followers = max(0, pl.followers - 1)
    return empty_response(200)


@handles("check-if-user-follows-playlist")
async def playlist_followers_contains(ctx: RequestContext) -> web.StreamResponse:
    from .playlists import find_playlist

    pl = find_playlist(ctx, ctx.path_id("playlist_id"))
    raw = ctx.query.get("ids")
    users = [u.strip() for u in raw.split(",") if u.strip()] if raw else [ctx.user_id]
    if len(users) > 1:
        raise ApiError(400, "Too many ids requested")
    w = ctx.world
    return json_response(
        [u in w.catalog.user_by_id and (pl.id in w.user_state(u).followed_playlists or pl.owner_id == u) for u in users]
    )
