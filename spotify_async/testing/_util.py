"""Small pieces every part of FakeSpotify shares: base-62 ids, Spotify's error bodies, JSON responses, limit and
offset validation, and paging objects whose ``next``/``previous`` links work when followed."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_RE = re.compile(r"[0-9A-Za-z]{22}\Z")
JSON_CT = "application/json; charset=utf-8"


def _words(text: str) -> list[str]:
    """Split a long literal of space-separated words (keeps word lists readable in source)."""
    return text.split()


def new_id(rng: random.Random) -> str:
    """A 22-character base-62 id, like Spotify's (62**22 is just under 2**131)."""
    n = rng.getrandbits(131)
    chars = []
    for _ in range(22):
        n, r = divmod(n, 62)
        chars.append(BASE62[r])
    return "".join(chars)


def is_id(value: str) -> bool:
    return ID_RE.match(value) is not None


class ApiError(Exception):
    """Raised by a route handler; the dispatcher renders it as Spotify's Web API error body."""

    def __init__(
        self, status: int, message: str, reason: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = dict(headers) if headers else None


def error_body(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "message": message}
    if reason is not None:
        err["reason"] = reason
    return {"error": err}


def json_response(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return raw_json_response(orjson.dumps(obj), status, headers)


def raw_json_response(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    resp = web.Response(body=body, status=status)
    resp.headers["Content-Type"] = JSON_CT
    if headers:
        resp.headers.update(headers)
    return resp


def error_response(
    status: int, message: str, reason: str | None = None, headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_response(error_body(status, message, reason), status, headers)


def empty_response(status: int = 204) -> web.Response:
    return web.Response(status=status)


def parse_int(value: str | None, default: int, message: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, message) from None


def parse_limit(query: Mapping[str, str], default: int, maximum: int, minimum: int = 1) -> int:
    limit = parse_int(query.get("limit"), default, "Invalid limit")
    if limit < minimum or limit > maximum:
        raise ApiError(400, "Invalid limit")
    return limit


def parse_offset(query: Mapping[str, str], maximum: int | None = None) -> int:
    offset = parse_int(query.get("offset"), 0, "Invalid offset")
    if offset < 0 or (maximum is not None and offset > maximum):
        raise ApiError(400, "Invalid offset")
    return offset


def q(value: str) -> str:
    """Percent-encode a query value the way Spotify writes it in paging links (commas kept)."""
    return quote(value, safe=",:")


def page(url: str, items: Sequence[Any], total: int, offset: int, limit: int, extra: str = "") -> dict[str, Any]:
    """A paging object. ``url`` is absolute without a query; ``extra`` is ``&key=value...`` appended after
    ``offset`` and ``limit`` (Spotify's order)."""
    nxt = f"{url}?offset={offset + limit}&limit={limit}{extra}" if offset + limit < total else None
    prev = f"{url}?offset={max(0, offset - limit)}&limit={limit}{extra}" if offset > 0 else None
    return {
        "href": f"{url}?offset={offset}&limit={limit}{extra}",
        "items": items,
        "limit": limit,
        "next": nxt,
        "offset": offset,
        "previous": prev,
        "total": total,
    }


def split_ids(query: Mapping[str, str], maximum: int, key: str = "ids") -> list[str]:
    """Validate a comma-separated id list from the query string, as Spotify's several-items endpoints do."""
    raw = query.get(key)
    if raw is None or raw.strip() == "":
        raise ApiError(400, f"Missing required field: {key}" if raw is None else "invalid id")
    ids = [part.strip() for part in raw.split(",")]
    if len(ids) > maximum:
        raise ApiError(400, "Too many ids requested")
    for ident in ids:
        if not is_id(ident):
            raise ApiError(400, "invalid id")
    return ids
