"""User routes: the current user's profile, other users' profiles and playlists, top items, followed artists
(cursor paging) and follow/unfollow/contains for artists, users and playlists."""

from __future__ import annotations

from aiohttp import web

from .._util import ApiError, empty_response, json_response, page, parse_limit, parse_offset, q
from ._base import Call, api
from ._common import ids_from, now_iso


@api("GET", "/me", "get-current-users-profile")
async def get_me(call: Call) -> web.StreamResponse:
    uid = call.user_id
    return json_response(call.world.render.me(uid, call.token.scopes))


@api("GET", "/users/{user_id}", "get-users-profile")
async def get_user(call: Call) -> web.StreamResponse:
    uid = call.params["user_id"]
    if uid not in call.world.catalog.user_by_id:
        raise ApiError(404, "Resource not found")
    return json_response(call.world.render.user_profile(uid))


def _visible_playlists(call: Call, owner: str, viewer: str | None) -> list[str]:
    """A user's playlists as ``viewer`` sees them: their own (private ones only to themselves and
    collaborators) then the ones they follow, newest first."""
    w = call.world
    c = w.catalog
    own = [p for p, pl in c.playlist_by_id.items() if pl.owner_id == owner and (pl.public or w.can_edit(pl, viewer))]
    own.reverse()
    followed = list(reversed(w.user_state(owner).followed_playlists)) if owner in c.user_by_id else []
    return own + [p for p in followed if p not in own and (c.playlist_by_id[p].public or viewer == owner)]


def _playlists_page(call: Call, ids: list[str], url: str) -> web.Response:
    limit = parse_limit(call.query, 20, 50)
    offset = parse_offset(call.query, 100_000)
    c = call.world.catalog
    r = call.world.render
    items = [r.playlist_simple(c.playlist_by_id[p]) for p in ids[offset : offset + limit]]
    return json_response(page(url, items, len(ids), offset, limit))


@api("GET", "/me/playlists", "get-a-list-of-current-users-playlists")
async def get_my_playlists(call: Call) -> web.StreamResponse:
    uid = call.user_id
    ids = _visible_playlists(call, uid, uid)
    return _playlists_page(call, ids, f"{call.world.api_base}/users/{uid}/playlists")


@api("GET", "/users/{user_id}/playlists", "get-list-users-playlists")
async def get_user_playlists(call: Call) -> web.StreamResponse:
    owner = call.params["user_id"]
    if owner not in call.world.catalog.user_by_id:
        raise ApiError(404, "Resource not found")
    ids = _visible_playlists(call, owner, call.token.user_id)
    return _playlists_page(call, ids, f"{call.world.api_base}/users/{owner}/playlists")


@api("GET", "/me/top/artists", "get-users-top-artists")
async def get_top_artists(call: Call) -> web.StreamResponse:
    return _top(call, "artists")


@api("GET", "/me/top/tracks", "get-users-top-tracks")
async def get_top_tracks(call: Call) -> web.StreamResponse:
    return _top(call, "tracks")


def _top(call: Call, kind: str) -> web.Response:
    call.require_scope("user-top-read")
    time_range = call.query.get("time_range", "medium_term")
    if time_range not in ("short_term", "medium_term", "long_term"):
        raise ApiError(400, "Invalid time range")
    limit = parse_limit(call.query, 20, 50)
    offset = parse_offset(call.query)
    state = call.user
    base = state.top_artists if kind == "artists" else state.top_tracks
    # each range is a stable rotation of the same favourites, so the three answers differ
    shift = ("short_term", "medium_term", "long_term").index(time_range) * 7
    ids = base[shift:] + base[:shift]
    r = call.world.render
    items = [r.artist(i) if kind == "artists" else r.track(i) for i in ids[offset : offset + limit]]
    url = f"{call.world.api_base}/me/top/{kind}"
    extra = f"&time_range={time_range}" if "time_range" in call.query else ""
    return json_response(page(url, items, len(ids), offset, limit, extra))


@api("GET", "/me/following", "get-followed")
async def get_followed(call: Call) -> web.StreamResponse:
    call.require_scope("user-follow-read")
    if call.query.get("type") != "artist":
        raise ApiError(400, "Bad type. Valid types are: artist")
    limit = parse_limit(call.query, 20, 50)
    after = call.query.get("after")
    # Spotify orders followed artists by id and pages with an "after" cursor (the last id seen)
    ids = sorted(call.user.followed_artists)
    start = 0
    if after:
        start = next((i for i, a in enumerate(ids) if a > after), len(ids))
    chunk = ids[start : start + limit]
    base = f"{call.world.api_base}/me/following?type=artist"
    more = start + limit < len(ids)
    r = call.world.render
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


def _follow_kind(call: Call) -> str:
    kind = call.query.get("type")
    if kind not in ("artist", "user"):
        raise ApiError(400, "Bad type. Valid types are: artist, user")
    return kind


async def _follow_ids(call: Call, kind: str) -> list[str]:
    if kind == "artist":
        return await ids_from(call, 50)
    ids = await ids_from(call, 50, check=False)
    if not ids or len(ids) > 50:
        raise ApiError(400, "Too many ids requested" if ids else "Missing required field: ids")
    return ids


@api("PUT", "/me/following", "follow-artists-users")
async def follow(call: Call) -> web.StreamResponse:
    call.require_scope("user-follow-modify")
    kind = _follow_kind(call)
    state = call.user
    c = call.world.catalog
    coll = state.followed_artists if kind == "artist" else state.followed_users
    known = c.artist_by_id if kind == "artist" else c.user_by_id
    for ident in await _follow_ids(call, kind):
        if ident in known:
            coll.setdefault(ident, now_iso())
    return empty_response(204)


@api("DELETE", "/me/following", "unfollow-artists-users")
async def unfollow(call: Call) -> web.StreamResponse:
    call.require_scope("user-follow-modify")
    kind = _follow_kind(call)
    state = call.user
    coll = state.followed_artists if kind == "artist" else state.followed_users
    for ident in await _follow_ids(call, kind):
        coll.pop(ident, None)
    return empty_response(204)


@api("GET", "/me/following/contains", "check-current-user-follows")
async def follows_contains(call: Call) -> web.StreamResponse:
    call.require_scope("user-follow-read")
    kind = _follow_kind(call)
    state = call.user
    coll = state.followed_artists if kind == "artist" else state.followed_users
    return json_response([i in coll for i in await _follow_ids(call, kind)])


@api("PUT", "/playlists/{playlist_id}/followers", "follow-playlist")
async def follow_playlist(call: Call) -> web.StreamResponse:
    call.require_scope("playlist-modify-public", "playlist-modify-private")
    from .playlists import find_playlist

    pl = find_playlist(call, call.path_id("playlist_id"))
    body = await call.json_body(required=False)
    if body is not None and not isinstance(body, dict):
        raise ApiError(400, "Error parsing JSON.")
    followed = call.user.followed_playlists
    if pl.id not in followed:
        followed[pl.id] = now_iso()
        pl.followers += 1
    return empty_response(200)


@api("DELETE", "/playlists/{playlist_id}/followers", "unfollow-playlist")
async def unfollow_playlist(call: Call) -> web.StreamResponse:
    call.require_scope("playlist-modify-public", "playlist-modify-private")
    from .playlists import find_playlist

    pl = find_playlist(call, call.path_id("playlist_id"))
    if call.user.followed_playlists.pop(pl.id, None) is not None:
        pl.followers = max(0, pl.followers - 1)
    return empty_response(200)


@api("GET", "/playlists/{playlist_id}/followers/contains", "check-if-user-follows-playlist")
async def playlist_followers_contains(call: Call) -> web.StreamResponse:
    from .playlists import find_playlist

    pl = find_playlist(call, call.path_id("playlist_id"))
    raw = call.query.get("ids")
    users = [u.strip() for u in raw.split(",") if u.strip()] if raw else [call.user_id]
    if len(users) > 1:
        raise ApiError(400, "Too many ids requested")
    w = call.world
    return json_response(
        [u in w.catalog.user_by_id and (pl.id in w.user_state(u).followed_playlists or pl.owner_id == u) for u in users]
    )
