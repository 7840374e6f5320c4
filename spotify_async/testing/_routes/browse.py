"""Browse and discovery routes: categories, featured and category playlists, new releases, markets,
recommendations and their genre seeds, audio features and audio analysis.

Most of these are gone for development-mode apps (the dispatcher refuses them before they get here); the
analysis numbers are derived from the track id so repeated calls agree.
"""

from __future__ import annotations

import random
from typing import Any

from aiohttp import web

from .._util import ApiError, is_id, json_response, page, parse_limit, parse_offset, split_ids
from ._base import RequestContext, handles


def _category(ctx: RequestContext, cid: str) -> dict[str, Any]:
    cat = ctx.world.catalog.category_by_id[cid]
    return {
        "href": f"{ctx.world.api_base}/browse/categories/{cid}",
        "icons": [{"height": 274, "url": f"https://t.scdn.co/media/derived/{cat.image}_274x274.jpg", "width": 274}],
        "id": cid,
        "name": cat.name,
    }


@handles("get-categories")
async def get_categories(ctx: RequestContext) -> web.StreamResponse:
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    ids = ctx.world.catalog.categories
    items = [_category(ctx, c) for c in ids[offset : offset + limit]]
    return json_response(
        {"categories": page(f"{ctx.world.api_base}/browse/categories", items, len(ids), offset, limit)}
    )


@handles("get-a-category")
async def get_category(ctx: RequestContext) -> web.StreamResponse:
    cid = ctx.params["category_id"]
    if cid not in ctx.world.catalog.category_by_id:
        raise ApiError(404, "Resource not found")
    return json_response(_category(ctx, cid))


def _playlists_page(ctx: RequestContext, ids: list[str], url: str, message: str) -> web.Response:
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    c = ctx.world.catalog
    items = [ctx.world.render.playlist_simple(c.playlist_by_id[p]) for p in ids[offset : offset + limit]]
    return json_response({"message": message, "playlists": page(url, items, len(ids), offset, limit)})


@handles("get-a-categories-playlists")
async def get_category_playlists(ctx: RequestContext) -> web.StreamResponse:
    cid = ctx.params["category_id"]
    cat = ctx.world.catalog.category_by_id.get(cid)
    if cat is None:
        raise ApiError(404, "Resource not found")
    url = f"{ctx.world.api_base}/browse/categories/{cid}/playlists"
    return _playlists_page(ctx, cat.playlist_ids, url, cat.name)


@handles("get-featured-playlists")
async def get_featured(ctx: RequestContext) -> web.StreamResponse:
    ids = ctx.world.catalog.editorial_playlists
    return _playlists_page(ctx, ids, f"{ctx.world.api_base}/browse/featured-playlists", "Popular Playlists")


@handles("get-new-releases")
async def get_new_releases(ctx: RequestContext) -> web.StreamResponse:
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    c = ctx.world.catalog
    order: list[str] | None = ctx.world.memo.get("new-releases")
    if order is None:
        order = sorted(c.albums, key=lambda a: c.album_by_id[a].release_date, reverse=True)[:100]
        ctx.world.memo["new-releases"] = order
    r = ctx.world.render
    items = [r.album_simple(a) for a in order[offset : offset + limit]]
    return json_response(
        {"albums": page(f"{ctx.world.api_base}/browse/new-releases", items, len(order), offset, limit)}
    )


@handles("get-available-markets")
async def get_markets(ctx: RequestContext) -> web.StreamResponse:
    return json_response({"markets": ctx.world.render.markets})


@handles("get-recommendation-genres")
async def get_genre_seeds(ctx: RequestContext) -> web.StreamResponse:
    return json_response({"genres": ctx.world.catalog.genres})


@handles("get-recommendations")
async def get_recommendations(ctx: RequestContext) -> web.StreamResponse:
    c = ctx.world.catalog
    seeds: list[tuple[str, str]] = []
    for key, kind in (("seed_artists", "artist"), ("seed_genres", "genre"), ("seed_tracks", "track")):
        raw = ctx.query.get(key)
        if raw:
            seeds.extend((kind, s.strip()) for s in raw.split(",") if s.strip())
    if not seeds:
        raise ApiError(400, "No seeds provided")
    if len(seeds) > 5:
        raise ApiError(400, "Too many seeds provided")
    limit = parse_limit(ctx.query, 20, 100)
    pool: list[str] = []
    seed_objs = []
    for kind, value in seeds:
        if kind == "genre":
            if value not in c.genres:
                raise ApiError(400, f"Invalid seed genre: {value}")
            matching = [a for a in c.artists if value in c.artist_by_id[a].genres]
            for a in matching:
                pool.extend(c.artist_by_id[a].track_ids)
            seed_objs.append(
                {
                    "afterFilteringSize": len(matching),
                    "afterRelinkingSize": len(matching),
                    "href": None,
                    "id": value,
                    "initialPoolSize": len(matching),
                    "type": "GENRE",
                }
            )
            continue
        if not is_id(value):
            raise ApiError(400, "invalid id")
        if kind == "artist":
            if value not in c.artist_by_id:
                raise ApiError(400, f"Invalid seed artist: {value}")
            pool.extend(c.artist_by_id[value].track_ids)
        else:
            if value not in c.track_by_id:
                raise ApiError(400, f"Invalid seed track: {value}")
            pool.extend(c.artist_by_id[c.track_by_id[value].artist_ids[0]].track_ids)
        seed_objs.append(
            {
                "afterFilteringSize": 250,
                "afterRelinkingSize": 250,
                "href": f"{ctx.world.api_base}/{kind}s/{value}",
                "id": value,
                "initialPoolSize": 250,
                "type": kind.upper(),
            }
        )
    rng = random.Random("|".join(v for _, v in seeds))
    pool = sorted(set(pool)) or list(c.tracks)
    picked = rng.sample(pool, min(limit, len(pool)))
    if len(picked) < limit:
        picked += rng.sample(c.tracks, limit - len(picked))
    r = ctx.world.render
    return json_response({"seeds": seed_objs, "tracks": [r.track(t) for t in picked]})


def _features(ctx: RequestContext, tid: str) -> dict[str, Any]:
    rng = random.Random(tid)
    t = ctx.world.catalog.track_by_id[tid]
    base = ctx.world.api_base
    return {
        "danceability": round(rng.random(), 3),
        "energy": round(rng.random(), 3),
        "key": rng.randint(0, 11),
        "loudness": round(rng.uniform(-20, -2), 3),
        "mode": rng.randint(0, 1),
        "speechiness": round(rng.random() * 0.3, 4),
        "acousticness": round(rng.random(), 4),
        "instrumentalness": round(rng.random() * 0.5, 6),
        "liveness": round(rng.random() * 0.5, 4),
        "valence": round(rng.random(), 3),
        "tempo": round(rng.uniform(60, 190), 3),
        "type": "audio_features",
        "id": tid,
        "uri": f"spotify:track:{tid}",
        "track_href": f"{base}/tracks/{tid}",
        "analysis_url": f"{base}/audio-analysis/{tid}",
        "duration_ms": t.duration_ms,
        "time_signature": rng.choice((3, 4, 4, 4, 5)),
    }


@handles("get-audio-features")
async def get_audio_features(ctx: RequestContext) -> web.StreamResponse:
    tid = ctx.path_id()
    if tid not in ctx.world.catalog.track_by_id:
        raise ApiError(404, "Resource not found")
    return json_response(_features(ctx, tid))


@handles("get-several-audio-features")
async def get_several_audio_features(ctx: RequestContext) -> web.StreamResponse:
    ids = split_ids(ctx.query, 100)
    known = ctx.world.catalog.track_by_id
    return json_response({"audio_features": [_features(ctx, i) if i in known else None for i in ids]})


@handles("get-audio-analysis")
async def get_audio_analysis(ctx: RequestContext) -> web.StreamResponse:
    tid = ctx.path_id()
    t = ctx.world.catalog.track_by_id.get(tid)
    if t is None:
        raise ApiError(404, "analysis not found")
    f = _features(ctx, tid)
    rng = random.Random(tid + "a")
    duration = t.duration_ms / 1000
    beat = 60.0 / f["tempo"]

    def spans(step: float) -> list[dict[str, float]]:
        out = []
        start = 0.0
        while start < duration:
            out.append(
                {
                    "start": round(start, 5),
                    "duration": round(min(step, duration - start), 5),
                    "confidence": round(rng.random(), 3),
                }
            )
            start += step
        return out

    sections = [
        {
            **s,
            "loudness": f["loudness"],
            "tempo": f["tempo"],
            "tempo_confidence": 0.8,
            "key": f["key"],
            "key_confidence": 0.6,
            "mode": f["mode"],
            "mode_confidence": 0.6,
            "time_signature": f["time_signature"],
            "time_signature_confidence": 1.0,
        }
        for s in spans(30.0)
    ]
    segments = [
        {
            **s,
            "loudness_start": -30.0,
            "loudness_max": f["loudness"],
            "loudness_max_time": 0.05,
            "loudness_end": 0.0,
            "pitches": [round(rng.random(), 3) for _ in range(12)],
            "timbre": [round(rng.uniform(-50, 50), 3) for _ in range(12)],
        }
        for s in spans(2.0)
    ]
    return json_response(
        {
            "meta": {
                "analyzer_version": "4.0.0",
                "platform": "Linux",
                "detailed_status": "OK",
                "status_code": 0,
                "timestamp": 1495193577,
                "analysis_time": 6.93906,
                "input_process": "libvorbisfile L+R 44100->22050",
            },
            "track": {
                "num_samples": int(duration * 22050),
                "duration": duration,
                "sample_md5": "",
                "offset_seconds": 0,
                "window_seconds": 0,
                "analysis_sample_rate": 22050,
                "analysis_channels": 1,
                "end_of_fade_in": 0.0,
                "start_of_fade_out": round(duration - 5, 3),
                "loudness": f["loudness"],
                "tempo": f["tempo"],
                "tempo_confidence": 0.73,
                "time_signature": f["time_signature"],
                "time_signature_confidence": 0.994,
                "key": f["key"],
                "key_confidence": 0.408,
                "mode": f["mode"],
                "mode_confidence": 0.485,
                "codestring": "",
                "code_version": 3.15,
                "echoprintstring": "",
                "echoprint_version": 4.15,
                "synchstring": "",
                "synch_version": 1,
                "rhythmstring": "",
                "rhythm_version": 1,
            },
            "bars": spans(beat * 4),
            "beats": spans(beat),
            "sections": sections,
            "segments": segments,
            "tatums": spans(beat / 2),
        }
    )
