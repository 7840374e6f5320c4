"""Helpers several route areas share: ids from the query string or a JSON body, Spotify URIs, timestamps."""

from __future__ import annotations

import time
from typing import Any

from .._util import ApiError, is_id
from ._base import RequestContext

URI_KINDS = ("track", "album", "artist", "show", "episode", "audiobook", "playlist", "user")


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def check_ids(ids: list[str], maximum: int) -> list[str]:
    if not ids:
        raise ApiError(400, "Missing required field: ids")
    if len(ids) > maximum:
        raise ApiError(400, "Too many ids requested")
    for ident in ids:
        if not is_id(ident):
            raise ApiError(400, "invalid id")
    return ids


async def ids_from(ctx: RequestContext, maximum: int, key: str = "ids", check: bool = True) -> list[str]:
    """Ids from ``?ids=a,b`` or, for writes, a JSON body ``{"ids": [...]}`` (the query string wins, as at
    Spotify)."""
    raw = ctx.query.get(key)
    if raw is not None:
        ids = [p.strip() for p in raw.split(",") if p.strip()]
    else:
        body = await ctx.json_body(required=False)
        value: Any = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApiError(400, f"Missing required field: {key}")
        ids = list(value)
    return check_ids(ids, maximum) if check else ids


def parse_uri(uri: str, kinds: tuple[str, ...] = URI_KINDS) -> tuple[str, str]:
    parts = uri.split(":")
    if len(parts) != 3 or parts[0] != "spotify" or parts[1] not in kinds:
        raise ApiError(400, f"Unsupported URI: {uri}" if len(parts) == 3 else f"Invalid URI: {uri}")
    kind, ident = parts[1], parts[2]
    if kind != "user" and not is_id(ident):
        raise ApiError(400, "invalid id")
    return kind, ident
