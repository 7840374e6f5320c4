"""Player routes: devices, playback state, currently playing, queue, transfer, play/pause/seek/volume/repeat/
shuffle/next/previous and recently played (cursor paging).

Each user has three devices and nothing playing at first (``GET /me/player`` answers 204). Commands need a
premium user (``PREMIUM_REQUIRED``) and an active or named device (``NO_ACTIVE_DEVICE``); Spotify's other
``reason`` codes apply where they would (``ALREADY_PAUSED``, ``NOT_PAUSED``, ``NO_NEXT_TRACK``,
``NO_PREV_TRACK``, ``VOLUME_CONTROL_DISALLOW``). Progress advances with the wall clock while playing.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from .._util import ApiError, empty_response, json_response, parse_int, parse_limit
from .._world import Device, PlayerState
from ._base import RequestContext, handles
from ._common import parse_uri

_READ = ("user-read-playback-state",)
_READ_CURRENT = ("user-read-currently-playing", "user-read-playback-state")
_MODIFY = ("user-modify-playback-state",)


def _fail(status: int, message: str, reason: str) -> ApiError:
    return ApiError(status, f"Player command failed: {message}", reason)


def _device_json(d: Device, active: bool) -> dict[str, Any]:
    return {
        "id": d.id,
        "is_active": active,
        "is_private_session": d.is_private_session,
        "is_restricted": d.is_restricted,
        "name": d.name,
        "supports_volume": d.supports_volume,
        "type": d.type,
        "volume_percent": d.volume_percent,
    }


def _progress(p: PlayerState, ctx: RequestContext) -> int:
    if not p.items:
        return 0
    duration = _duration(ctx, p.items[p.position])
    if p.is_playing:
        elapsed = int((time.monotonic() - p.started_at) * 1000)
        return min(duration, p.progress_ms + elapsed)
    return p.progress_ms


def _duration(ctx: RequestContext, item: tuple[str, str]) -> int:
    c = ctx.world.catalog
    kind, ident = item
    return c.track_by_id[ident].duration_ms if kind == "track" else c.episode_by_id[ident].duration_ms


def _item_json(ctx: RequestContext, item: tuple[str, str]) -> Any:
    r = ctx.world.render
    return r.track(item[1]) if item[0] == "track" else r.episode(item[1])


def _context_json(ctx: RequestContext, uri: str | None) -> Any:
    if uri is None:
        return None
    kind, ident = uri.split(":")[1:3]
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{ident}"},
        "href": f"{ctx.world.api_base}/{kind}s/{ident}",
        "type": kind,
        "uri": uri,
    }


def _state_json(ctx: RequestContext, p: PlayerState, with_device: bool) -> dict[str, Any]:
    item = p.items[p.position] if p.items else None
    out: dict[str, Any] = {}
    if with_device:
        device = next(d for d in p.devices if d.id == p.active_device)
        out["device"] = _device_json(device, True)
        out["shuffle_state"] = p.shuffle
        out["smart_shuffle"] = False
        out["repeat_state"] = p.repeat
    out["timestamp"] = p.timestamp_ms
    out["context"] = _context_json(ctx, p.context_uri)
    out["progress_ms"] = _progress(p, ctx)
    out["item"] = _item_json(ctx, item) if item else None
    out["currently_playing_type"] = item[0] if item else "unknown"
    out["actions"] = {"disallows": {"resuming": True} if p.is_playing else {"pausing": True}}
    out["is_playing"] = p.is_playing
    return out


@handles("get-information-about-the-users-current-playback")
async def get_state(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_READ)
    p = ctx.user.player
    if p.active_device is None:
        return empty_response(204)
    return json_response(_state_json(ctx, p, True))


@handles("get-the-users-currently-playing-track")
async def get_currently_playing(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_READ_CURRENT)
    p = ctx.user.player
    if p.active_device is None or not p.items:
        return empty_response(204)
    return json_response(_state_json(ctx, p, False))


@handles("get-a-users-available-devices")
async def get_devices(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_READ)
    p = ctx.user.player
    return json_response({"devices": [_device_json(d, d.id == p.active_device) for d in p.devices]})


def _commanded(ctx: RequestContext) -> PlayerState:
    """The user's player after the checks every command makes; switches to ``device_id`` if given."""
    uid = ctx.require_scope(*_MODIFY)
    if ctx.world.catalog.user_by_id[uid].product != "premium":
        raise _fail(403, "Premium required", "PREMIUM_REQUIRED")
    p = ctx.user.player
    device_id = ctx.query.get("device_id")
    if device_id:
        if not any(d.id == device_id for d in p.devices):
            raise ApiError(404, "Device not found")
        p.active_device = device_id
    if p.active_device is None:
        raise _fail(404, "No active device found", "NO_ACTIVE_DEVICE")
    return p


def _stamp(p: PlayerState) -> None:
    p.timestamp_ms = int(time.time() * 1000)


def _set_playing(p: PlayerState, playing: bool, progress: int) -> None:
    p.progress_ms = progress
    p.is_playing = playing
    p.started_at = time.monotonic()
    _stamp(p)


def _context_items(ctx: RequestContext, uri: str) -> list[tuple[str, str]]:
    kind, ident = parse_uri(uri, ("album", "artist", "playlist", "show"))
    c = ctx.world.catalog
    if kind == "album" and ident in c.album_by_id:
        return [("track", t) for t in c.album_by_id[ident].track_ids]
    if kind == "artist" and ident in c.artist_by_id:
        return [("track", t) for t in c.artist_by_id[ident].track_ids[:10]]
    if kind == "playlist" and ident in c.playlist_by_id:
        return [(e.kind, e.item_id) for e in c.playlist_by_id[ident].entries]
    if kind == "show" and ident in c.show_by_id:
        return [("episode", e) for e in c.show_by_id[ident].episode_ids]
    raise ApiError(404, "Not found.")


@handles("start-a-users-playback")
async def play(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    body = await ctx.json_body(required=False)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(400, "Malformed json")
    if "context_uri" in body and "uris" in body:
        raise ApiError(400, 'Only one of either "context_uri" or "uris" can be specified')
    if "context_uri" in body or "uris" in body:
        if "context_uri" in body:
            context: str | None = str(body["context_uri"])
            items = _context_items(ctx, str(context))
        else:
            context = None
            uris = body["uris"]
            if not isinstance(uris, list) or not uris:
                raise ApiError(400, "Invalid uris")
            items = [parse_uri(str(u), ("track", "episode")) for u in uris]
            c = ctx.world.catalog
            for kind, ident in items:
                if ident not in (c.track_by_id if kind == "track" else c.episode_by_id):
                    raise ApiError(404, "Not found.")
        if not items:
            raise _fail(403, "Restriction violated", "UNKNOWN")
        position = 0
        offset = body.get("offset")
        if isinstance(offset, dict):
            if "position" in offset:
                position = int(offset["position"])
            elif "uri" in offset:
                target = parse_uri(str(offset["uri"]), ("track", "episode"))
                position = items.index(target) if target in items else -1
            if not 0 <= position < len(items):
                raise ApiError(400, "Offset out of range")
        p.context_uri = context
        p.items = items
        p.position = position
        _set_playing(p, True, int(body.get("position_ms", 0) or 0))
        return empty_response(204)
    # resume
    if not p.items:
        raise _fail(403, "Restriction violated", "UNKNOWN")
    if p.is_playing:
        raise _fail(403, "Restriction violated", "NOT_PAUSED")
    _set_playing(p, True, p.progress_ms)
    return empty_response(204)


@handles("pause-a-users-playback")
async def pause(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    if not p.is_playing:
        raise _fail(403, "Restriction violated", "ALREADY_PAUSED")
    _set_playing(p, False, _progress(p, ctx))
    return empty_response(204)


def _record(ctx: RequestContext, p: PlayerState) -> None:
    if p.items and p.items[p.position][0] == "track":
        ctx.user.recently_played.insert(0, (p.items[p.position][1], int(time.time() * 1000), p.context_uri))


@handles("skip-users-playback-to-next-track")
async def skip_next(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    if p.queue:
        _record(ctx, p)
        item = p.queue.pop(0)
        p.items.insert(p.position + 1, item)
        p.position += 1
    elif p.items and p.position + 1 < len(p.items):
        _record(ctx, p)
        p.position += 1
    elif p.items and p.repeat == "context":
        _record(ctx, p)
        p.position = 0
    else:
        raise _fail(403, "Restriction violated", "NO_NEXT_TRACK")
    _set_playing(p, p.is_playing, 0)
    return empty_response(204)


@handles("skip-users-playback-to-previous-track")
async def skip_previous(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    if not p.items or p.position == 0:
        raise _fail(403, "Restriction violated", "NO_PREV_TRACK")
    p.position -= 1
    _set_playing(p, p.is_playing, 0)
    return empty_response(204)


@handles("seek-to-position-in-currently-playing-track")
async def seek(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    if "position_ms" not in ctx.query:
        raise ApiError(400, "Missing required parameter: position_ms")
    pos = parse_int(ctx.query.get("position_ms"), 0, "Invalid position_ms")
    if pos < 0:
        raise ApiError(400, "Invalid position_ms")
    if not p.items:
        raise _fail(403, "Restriction violated", "UNKNOWN")
    _set_playing(p, p.is_playing, min(pos, _duration(ctx, p.items[p.position])))
    return empty_response(204)


@handles("set-repeat-mode-on-users-playback")
async def repeat(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    state = ctx.query.get("state")
    if state not in ("track", "context", "off"):
        raise ApiError(400, "Invalid repeat state: must be one of track, context, off")
    p.repeat = state
    _stamp(p)
    return empty_response(204)


@handles("set-volume-for-users-playback")
async def volume(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    if "volume_percent" not in ctx.query:
        raise ApiError(400, "Missing required parameter: volume_percent")
    value = parse_int(ctx.query.get("volume_percent"), 0, "Invalid volume_percent")
    if not 0 <= value <= 100:
        raise ApiError(400, "Invalid volume_percent")
    device = next(d for d in p.devices if d.id == p.active_device)
    if not device.supports_volume:
        raise _fail(403, "Cannot control device volume", "VOLUME_CONTROL_DISALLOW")
    device.volume_percent = value
    return empty_response(204)


@handles("toggle-shuffle-for-users-playback")
async def shuffle(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    state = ctx.query.get("state")
    if state not in ("true", "false"):
        raise ApiError(400, "Invalid shuffle state: must be true or false")
    p.shuffle = state == "true"
    _stamp(p)
    return empty_response(204)


@handles("transfer-a-users-playback")
async def transfer(ctx: RequestContext) -> web.StreamResponse:
    uid = ctx.require_scope(*_MODIFY)
    if ctx.world.catalog.user_by_id[uid].product != "premium":
        raise _fail(403, "Premium required", "PREMIUM_REQUIRED")
    body = await ctx.json_body()
    ids = body.get("device_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        raise ApiError(400, "Missing required field: device_ids")
    if len(ids) > 1:
        raise ApiError(400, "Can't have more than one device id")
    p = ctx.user.player
    if not any(d.id == ids[0] for d in p.devices):
        raise ApiError(404, "Device not found")
    p.active_device = ids[0]
    play_now = body.get("play")
    if play_now is True and p.items:
        _set_playing(p, True, _progress(p, ctx))
    _stamp(p)
    return empty_response(204)


@handles("get-queue")
async def get_queue(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope(*_READ_CURRENT)
    p = ctx.user.player
    current = _item_json(ctx, p.items[p.position]) if p.items else None
    upcoming = p.queue + p.items[p.position + 1 : p.position + 20]
    return json_response({"currently_playing": current, "queue": [_item_json(ctx, i) for i in upcoming[:20]]})


@handles("add-to-queue")
async def add_to_queue(ctx: RequestContext) -> web.StreamResponse:
    p = _commanded(ctx)
    uri = ctx.query.get("uri")
    if not uri:
        raise ApiError(400, "Missing required parameter: uri")
    kind, ident = parse_uri(uri, ("track", "episode"))
    c = ctx.world.catalog
    if ident not in (c.track_by_id if kind == "track" else c.episode_by_id):
        raise ApiError(404, "Not found.")
    p.queue.append((kind, ident))
    return empty_response(204)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@handles("get-recently-played")
async def recently_played(ctx: RequestContext) -> web.StreamResponse:
    ctx.require_scope("user-read-recently-played")
    limit = parse_limit(ctx.query, 20, 50)
    after_raw, before_raw = ctx.query.get("after"), ctx.query.get("before")
    if after_raw is not None and before_raw is not None:
        raise ApiError(400, "Only one of after or before can be specified")
    history = ctx.user.recently_played  # newest first
    if after_raw is not None:
        after = parse_int(after_raw, 0, "Invalid after")
        newer = [h for h in history if h[1] > after]
        chosen = newer[-limit:]
    else:
        before = parse_int(before_raw, 2**62, "Invalid before") if before_raw is not None else 2**62
        chosen = [h for h in history if h[1] < before][:limit]
    base = f"{ctx.world.api_base}/me/player/recently-played"
    r = ctx.world.render
    items = [
        {"track": r.track(tid), "played_at": _iso(ms), "context": _context_json(ctx, played_in)}
        for tid, ms, played_in in chosen
    ]
    cursors = {"after": str(chosen[0][1]), "before": str(chosen[-1][1])} if chosen else None
    older = bool(chosen) and any(h[1] < chosen[-1][1] for h in history)
    return json_response(
        {
            "items": items,
            "next": f"{base}?before={chosen[-1][1]}&limit={limit}" if older else None,
            "cursors": cursors,
            "limit": limit,
            "href": f"{base}?limit={limit}"
            + (f"&after={after_raw}" if after_raw else "")
            + (f"&before={before_raw}" if before_raw else ""),
        }
    )
