"""Spoken-word catalog routes: shows and their episodes, episodes, audiobooks and their chapters, chapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from .._util import ApiError, json_response, page, parse_limit, parse_offset, raw_json_response, split_ids
from ._base import RequestContext, handles


def _single(ctx: RequestContext, kind: str, table: dict[str, Any], build: Callable[[str], Any]) -> web.Response:
    ident = ctx.path_id()
    if ident not in table:
        raise ApiError(404, "Resource not found")
    key = (kind, ident)
    body = ctx.world.bytes_cache.get(key)
    if body is None:
        body = ctx.world.bytes_cache[key] = orjson.dumps(build(ident))
    return raw_json_response(body)


def _several(ctx: RequestContext, key: str, table: dict[str, Any], build: Callable[[str], Any]) -> web.Response:
    ids = split_ids(ctx.query, 50)
    return json_response({key: [build(i) if i in table else None for i in ids]})


def _children(
    ctx: RequestContext,
    parent: str,
    table: dict[str, Any],
    child_ids: Callable[[Any], list[str]],
    build: Callable[[str], Any],
    segment: str,
) -> web.Response:
    ident = ctx.path_id()
    rec = table.get(ident)
    if rec is None:
        raise ApiError(404, "Resource not found")
    limit = parse_limit(ctx.query, 20, 50)
    offset = parse_offset(ctx.query)
    ids = child_ids(rec)
    return json_response(
        page(
            f"{ctx.world.api_base}/{parent}/{ident}/{segment}",
            [build(i) for i in ids[offset : offset + limit]],
            len(ids),
            offset,
            limit,
        )
    )


@handles("get-a-show")
async def get_show(ctx: RequestContext) -> web.StreamResponse:
    return _single(ctx, "show", ctx.world.catalog.show_by_id, ctx.world.render.show)


@handles("get-multiple-shows")
async def get_shows(ctx: RequestContext) -> web.StreamResponse:
    return _several(ctx, "shows", ctx.world.catalog.show_by_id, ctx.world.render.show_simple)


@handles("get-a-shows-episodes")
async def get_show_episodes(ctx: RequestContext) -> web.StreamResponse:
    w = ctx.world
    return _children(ctx, "shows", w.catalog.show_by_id, lambda s: s.episode_ids, w.render.episode_simple, "episodes")


@handles("get-an-episode")
async def get_episode(ctx: RequestContext) -> web.StreamResponse:
    return _single(ctx, "episode", ctx.world.catalog.episode_by_id, ctx.world.render.episode)


@handles("get-multiple-episodes")
async def get_episodes(ctx: RequestContext) -> web.StreamResponse:
    return _several(ctx, "episodes", ctx.world.catalog.episode_by_id, ctx.world.render.episode)


@handles("get-an-audiobook")
async def get_audiobook(ctx: RequestContext) -> web.StreamResponse:
    return _single(ctx, "audiobook", ctx.world.catalog.audiobook_by_id, ctx.world.render.audiobook)


@handles("get-multiple-audiobooks")
async def get_audiobooks(ctx: RequestContext) -> web.StreamResponse:
    return _several(ctx, "audiobooks", ctx.world.catalog.audiobook_by_id, ctx.world.render.audiobook)


@handles("get-audiobook-chapters")
async def get_audiobook_chapters(ctx: RequestContext) -> web.StreamResponse:
    w = ctx.world
    return _children(
        ctx, "audiobooks", w.catalog.audiobook_by_id, lambda b: b.chapter_ids, w.render.chapter_simple, "chapters"
    )


@handles("get-a-chapter")
async def get_chapter(ctx: RequestContext) -> web.StreamResponse:
    return _single(ctx, "chapter", ctx.world.catalog.chapter_by_id, ctx.world.render.chapter)


@handles("get-several-chapters")
async def get_chapters(ctx: RequestContext) -> web.StreamResponse:
    return _several(ctx, "chapters", ctx.world.catalog.chapter_by_id, ctx.world.render.chapter)
