"""``GET /search``: Spotify's query syntax over the generated catalog.

Free words match as prefixes of words in an item's name (and, for tracks and albums, its artists' names); all of
them must match. Field filters narrow further: ``artist:``, ``album:``, ``track:``, ``year:`` (``1999`` or
``1990-1999``), ``genre:``, ``isrc:``, ``upc:``; ``tag:new`` and ``tag:hipster`` are accepted and ignored. Quotes
group words (``artist:"the silver owls"``). Results are ordered by popularity. The paging links use ``query=`` as
Spotify's do, and the handler accepts it as an alias of ``q`` so following them works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from .._util import ApiError, json_response, page, parse_limit, parse_offset, q
from .._world import World
from ._base import RequestContext, handles

TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
_WORD = re.compile(r"[0-9a-z]+")
_TOKEN = re.compile(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)')
_FIELDS = {"artist", "album", "track", "year", "genre", "isrc", "upc", "tag"}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(slots=True)
class Entry:
    id: str
    words: tuple[str, ...]
    name_words: tuple[str, ...]
    artist_words: tuple[str, ...]
    album_words: tuple[str, ...]
    year: int
    genres: tuple[str, ...]
    code: str  # isrc or upc
    popularity: int


def _build(world: World) -> dict[str, list[Entry]]:
    c = world.catalog
    idx: dict[str, list[Entry]] = {t: [] for t in TYPES}

    def artist_words(ids: list[str]) -> tuple[str, ...]:
        return tuple(w for a in ids for w in words(c.artist_by_id[a].name))

    def genres(ids: list[str]) -> tuple[str, ...]:
        return tuple(g for a in ids for g in c.artist_by_id[a].genres)

    for a in c.artist_by_id.values():
        nw = tuple(words(a.name))
        idx["artist"].append(Entry(a.id, nw, nw, nw, (), 0, tuple(a.genres), "", a.popularity))
    for al in c.album_by_id.values():
        nw = tuple(words(al.name))
        aw = artist_words(al.artist_ids)
        idx["album"].append(
            Entry(al.id, nw + aw, nw, aw, nw, int(al.release_date[:4]), genres(al.artist_ids), al.upc, al.popularity)
        )
    for t in c.track_by_id.values():
        al = c.album_by_id[t.album_id]
        nw = tuple(words(t.name))
        aw = artist_words(t.artist_ids)
        idx["track"].append(
            Entry(
                t.id,
                nw + aw,
                nw,
                aw,
                tuple(words(al.name)),
                int(al.release_date[:4]),
                genres(t.artist_ids),
                t.isrc.lower(),
                t.popularity,
            )
        )
    for p in c.playlist_by_id.values():
        nw = tuple(words(p.name))
        idx["playlist"].append(Entry(p.id, nw, nw, (), (), 0, (), "", min(100, p.followers // 100)))
    for s in c.show_by_id.values():
        nw = tuple(words(s.name))
        idx["show"].append(Entry(s.id, nw + tuple(words(s.publisher)), nw, (), (), 0, (), "", 50))
    for e in c.episode_by_id.values():
        nw = tuple(words(e.name))
        idx["episode"].append(Entry(e.id, nw, nw, (), (), int(e.release_date[:4]), (), "", 50))
    for b in c.audiobook_by_id.values():
        nw = tuple(words(b.name))
        aw = tuple(w for n in b.authors for w in words(n))
        idx["audiobook"].append(Entry(b.id, nw + aw, nw, aw, (), 0, (), "", 50))
    for lst in idx.values():
        lst.sort(key=lambda e: (-e.popularity, e.id))
    return idx


def _has_all(needles: list[str], hay: tuple[str, ...]) -> bool:
    return all(any(h.startswith(n) for h in hay) for n in needles)


def _matcher(query: str) -> tuple[list[str], dict[str, list[str]]]:
    free: list[str] = []
    fields: dict[str, list[str]] = {}
    for m in _TOKEN.finditer(query):
        key = (m.group(1) or m.group(3) or "").lower()
        value = m.group(2) if m.group(1) else m.group(4) if m.group(3) else m.group(5) or m.group(6) or ""
        if key and key in _FIELDS:
            fields.setdefault(key, []).append(value)
        elif key:
            free.extend(words(f"{key} {value}"))
        else:
            free.extend(words(value))
    return free, fields


def _year_ok(spec: str, year: int) -> bool:
    lo, _, hi = spec.partition("-")
    try:
        return int(lo) <= year <= int(hi or lo)
    except ValueError:
        return False


def _match(entry: Entry, free: list[str], fields: dict[str, list[str]]) -> bool:
    if free and not _has_all(free, entry.words):
        return False
    for key, values in fields.items():
        for value in values:
            if key == "artist" and not _has_all(words(value), entry.artist_words):
                return False
            if key == "album" and not _has_all(words(value), entry.album_words):
                return False
            if key == "track" and not _has_all(words(value), entry.name_words):
                return False
            if key == "year" and not _year_ok(value, entry.year):
                return False
            if key == "genre" and value.lower() not in entry.genres:
                return False
            if key in ("isrc", "upc") and value.lower() != entry.code.lower():
                return False
    return True


@handles("search")
async def search(ctx: RequestContext) -> web.StreamResponse:
    query = ctx.query.get("q") or ctx.query.get("query")
    if not query:
        raise ApiError(400, "No search query")
    raw_types = ctx.query.get("type")
    if not raw_types:
        raise ApiError(400, "Missing parameter type")
    types = [t.strip() for t in raw_types.split(",")]
    for t in types:
        if t not in TYPES:
            raise ApiError(400, f"Bad search type field {t}")
    w = ctx.world
    # max 10, default 5 since February 2026, as the spec says (for extended apps too: the spec describes them)
    limit = parse_limit(ctx.query, 5, 10)
    offset = parse_offset(ctx.query, 1000)
    if w.search_index is None:
        w.search_index = _build(w)
    idx: dict[str, list[Entry]] = w.search_index
    free, fields = _matcher(query)
    r = w.render
    c = w.catalog
    out: dict[str, object] = {}
    for t in types:
        hits = [e.id for e in idx[t] if _match(e, free, fields)]
        chosen = hits[offset : offset + limit]
        if t == "track":
            items: list[object] = [r.track(i) for i in chosen]
        elif t == "album":
            items = [r.album_simple(i) for i in chosen]
        elif t == "artist":
            items = [r.artist(i) for i in chosen]
        elif t == "playlist":
            items = [r.playlist_simple(c.playlist_by_id[i]) for i in chosen]
        elif t == "show":
            items = [r.show_simple(i) for i in chosen]
        elif t == "episode":
            items = [r.episode_simple(i) for i in chosen]
        else:
            items = [r.audiobook_simple(i) for i in chosen]
        extra = f"&query={q(query)}&type={t}"
        out[t + "s"] = page(f"{r.base}/search", items, len(hits), offset, limit, extra)
    return json_response(out)
