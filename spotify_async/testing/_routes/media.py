"""Spoken-word catalog routes: shows and their episodes, episodes, audiobooks and their chapters, chapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from .._util import ApiError, json_response, page, parse_limit, parse_offset, raw_json_response, split_ids
from ._base import Call, api


def _single(call: Call, kind: str, table: dict[str, Any], build: Callable[[str], Any]) -> web.Response:
    ident = call.path_id()
    if ident not in table:
        raise ApiError(404, "Resource not found")
    key = (kind, ident)
    body = call.world.bytes_cache.get(key)
    if body is None:
        body = call.world.bytes_cache[key] = orjson.dumps(build(ident))
    return raw_json_response(body)


def _several(call: Call, key: str, table: dict[str, Any], build: Callable[[str], Any]) -> web.Response:
    ids = split_ids(call.query, 50)
    return json_response({key: [build(i) if i in table else None for i in ids]})


def _children(
    call: Call,
    parent: str,
    table: dict[str, Any],
    child_ids: Callable[[Any], list[str]],
    build: Callable[[str], Any],
    segment: str,
) -> web.Response:
    ident = call.path_id()
    rec = table.get(ident)
    if rec is None:
        raise ApiError(404, "Resource not found")
    limit = parse_limit(call.query, 20, 50)
    offset = parse_offset(call.query)
    ids = child_ids(rec)
    return json_response(
        page(
            f"{call.world.api_base}/{parent}/{ident}/{segment}",
            [build(i) for i in ids[offset : offset + limit]],
            len(ids),
            offset,
            limit,
        )
    )


@api("GET", "/shows/{id}", "get-a-show")
async def get_show(call: Call) -> web.StreamResponse:
    return _single(call, "show", call.world.catalog.show_by_id, call.world.render.show)


@api("GET", "/shows", "get-multiple-shows")
async def get_shows(call: Call) -> web.StreamResponse:
    return _several(call, "shows", call.world.catalog.show_by_id, call.world.render.show_simple)


@api("GET", "/shows/{id}/episodes", "get-a-shows-episodes")
async def get_show_episodes(call: Call) -> web.StreamResponse:
    w = call.world
    return _children(call, "shows", w.catalog.show_by_id, lambda s: s.episode_ids, w.render.episode_simple, "episodes")


@api("GET", "/episodes/{id}", "get-an-episode")
async def get_episode(call: Call) -> web.StreamResponse:
    return _single(call, "episode", call.world.catalog.episode_by_id, call.world.render.episode)


@api("GET", "/episodes", "get-multiple-episodes")
async def get_episodes(call: Call) -> web.StreamResponse:
    return _several(call, "episodes", call.world.catalog.episode_by_id, call.world.render.episode)


@api("GET", "/audiobooks/{id}", "get-an-audiobook")
async def get_audiobook(call: Call) -> web.StreamResponse:
    return _single(call, "audiobook", call.world.catalog.audiobook_by_id, call.world.render.audiobook)


@api("GET", "/audiobooks", "get-multiple-audiobooks")
async def get_audiobooks(call: Call) -> web.StreamResponse:
    return _several(call, "audiobooks", call.world.catalog.audiobook_by_id, call.world.render.audiobook)


@api("GET", "/audiobooks/{id}/chapters", "get-audiobook-chapters")
async def get_audiobook_chapters(call: Call) -> web.StreamResponse:
    w = call.world
    return _children(
        call, "audiobooks", w.catalog.audiobook_by_id, lambda b: b.chapter_ids, w.render.chapter_simple, "chapters"
    )


@api("GET", "/chapters/{id}", "get-a-chapter")
async def get_chapter(call: Call) -> web.StreamResponse:
    return _single(call, "chapter", call.world.catalog.chapter_by_id, call.world.render.chapter)


@api("GET", "/chapters", "get-several-chapters")
async def get_chapters(call: Call) -> web.StreamResponse:
    return _several(call, "chapters", call.world.catalog.chapter_by_id, call.world.render.chapter)
