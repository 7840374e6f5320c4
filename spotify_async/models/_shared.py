"""Values shared between structured objects instead of copied into each, and identifiers not stored at all.

A track and its album each carry ``available_markets``: up to 185 two-letter codes, and nearly every track of a
catalogue carries the same list. orjson builds a fresh list of fresh strings for every occurrence (about 11 KiB each,
two per playlist entry), so a caller that keeps what it fetched held 27 KiB per entry, almost all of it copies of the
same few lists. The models declare these fields ``tuple[str, ...]`` and the converter hands every occurrence of one
list over as the same tuple (:func:`share_strings`); words of enumeration-like fields (``type``, ``album_type``,
``release_date_precision``...) that are in a fixed vocabulary become one shared string (:func:`share_word`). Both
values are immutable, so sharing them cannot leak a change from one object into another; mutable models (``Image``,
``ExternalUrls``) are not shared, for that reason. And ``uri``, ``href`` and ``external_urls`` that are exactly what an
object's ``type`` and ``id`` give are not stored: :func:`derived_attribute` builds them on first read.

How a list is recognised: its elements joined with ``,`` are the key of a bounded cache of tuples. Joining 185 short
strings is one C loop (about 1.4 us, faster than hashing them one by one, or than comparing with a candidate list).
The join is ambiguous only when an element itself contains the separator (``["A,B"]`` and ``["A", "B"]``), so a
tuple enters the cache only when its key has exactly ``len - 1`` separators, and a hit counts only when the lengths
agree: then the incoming elements contain no separator either, and equal joins mean equal lists. A list the cache does
not know is converted once with its elements interned (so even lists that never repeat share their codes); the cache
holds at most :data:`MAX_SHARED_LISTS` distinct lists (a few MiB at most), after which new lists are still converted
and their codes shared, but not remembered.

Anything that is not a list of strings (a value the lenient converter tolerates) is handed back unchanged, or as a
plain tuple when it is a list with other elements; the strict converter checks every element before sharing.

Market arrays shared before they are decoded (:func:`decode_shared`). Recognising a decoded list still costs a pass
over its 185 strings, and orjson has built those 185 strings (and will free them) only for the list to be thrown away:
on a 100-item playlist page that is four arrays per entry and more than a third of ``orjson.loads``. So a body that is
about to be structured is first searched for its ``"available_markets"`` arrays, which is a byte search in C. Each
array's bytes are the key of a bounded cache of shared tuples; an array seen before is replaced in the body by a
placeholder number, and only the rest of the document is decoded. The structuring code meets the placeholder where the
list would have been and takes the tuple from the table of that body (:class:`SharedArrays`, active on this thread
while the body is structured). The result is the same objects, values and errors as decoding the whole body:

* An array enters the table only when its bytes decode, on their own, to a list of strings. Those bytes start at
  ``[`` and end at the first ``]`` after it; if that ``]`` were inside a string, or closed a nested array, the slice
  would not be a JSON document, so a slice that decodes is exactly the array. Equal bytes decode to equal lists, so a
  cache hit needs no decoding. An array of anything else (a value only the lenient converter tolerates, or one the
  strict converter must report) stays in the body and goes through the ordinary path, errors and all.
* The key can only be a key: inside a JSON string every ``"`` is escaped, so ``"available_markets"`` followed by
  ``:`` is a key (a key is all that a ``:`` can follow), unless its first quote is escaped, which is checked.
* A placeholder is a large number offset by a value drawn at import, in a field where Spotify sends an array or
  ``null``; a body that has a number there is decoded whole, as before. Placeholders are resolved only while their
  body's table is active, and only by the structuring of ``tuple[str, ...]`` fields, so nothing else ever sees one;
  the raw dict an :class:`~spotify_async.models.UnknownItem` keeps gets its lists back (:func:`restore_arrays`).
"""

from __future__ import annotations

import random
import sys
import threading
from typing import Any

import orjson

from .common import ExternalUrls

__all__ = [
    "DERIVED_FIELDS",
    "DERIVED_PREFIXES",
    "MAX_SHARED_ARRAYS",
    "MAX_SHARED_LISTS",
    "SharedArrays",
    "WORDS",
    "decode_shared",
    "derived_attribute",
    "install_derived",
    "restore_arrays",
    "share_strings",
    "share_word",
    "shared_lists",
]

#: the most distinct string lists remembered; real catalogues have a few dozen distinct market lists
MAX_SHARED_LISTS = 1024

_SEPARATOR = ","
_lists: dict[str, tuple[str, ...]] = {}
_intern = sys.intern


def share_strings(value: Any) -> Any:
    """The shared tuple equal to the list of strings ``value`` (or that a placeholder of :func:`decode_shared`
    stands for); anything else unchanged (a list: as a tuple)."""
    if value.__class__ is not list:
        if value.__class__ is int:
            return resolve_placeholder(value)
        return value
    if not value:
        return ()
    try:
        key = _SEPARATOR.join(value)
    except TypeError:  # not all strings: the lenient converter hands it through, as a tuple like the others
        return tuple(value)
    shared = _lists.get(key)
    if shared is not None and len(shared) == len(value):
        return shared
    return _remember(key, value)


def _remember(key: str, value: list[Any]) -> tuple[str, ...]:
    shared = tuple(_intern(s) if s.__class__ is str else s for s in value)
    if key.count(_SEPARATOR) == len(value) - 1 and len(_lists) < MAX_SHARED_LISTS:
        _lists[key] = shared
    return shared


# ---- market arrays shared before decoding (see the module docstring) ---------------------------------------------

#: the most distinct array texts remembered (a few per distinct list: Spotify's JSON has one formatting)
MAX_SHARED_ARRAYS = 1024
#: placeholders are this number plus the array's index in its body's table; drawn at import, far above any count
_BASE = (1 << 62) + (random.getrandbits(40) << 20)
#: the most arrays replaced in one body (its table indexes stay below this)
_MAX_PER_BODY = 1 << 20
_KEY = b'"available_markets"'
_KEY_END = len(_KEY)
_WHITESPACE = b" \t\r\n"
_NUMBER_START = frozenset(b"-0123456789")
_arrays: dict[bytes, tuple[str, ...]] = {}
#: the first placeholders' texts, made once (a 100-item page has about 400 arrays); an immutable tuple, so threads
#: decoding at once never see it change; later ones are made as needed
_PLACEHOLDERS: tuple[bytes, ...] = tuple(str(_BASE + index).encode() for index in range(512))


class _Active(threading.local):
    table: list[tuple[str, ...]] | None = None


_active = _Active()


class SharedArrays:
    """The tuples that one body's placeholders stand for; ``with`` it while structuring what it was decoded from."""

    __slots__ = ("_previous", "table")

    def __init__(self, table: list[tuple[str, ...]]) -> None:
        self.table = table
        self._previous: list[tuple[str, ...]] | None = None

    def __enter__(self) -> SharedArrays:
        self._previous = _active.table
        _active.table = self.table
        return self

    def __exit__(self, *exc: object) -> None:
        _active.table = self._previous
        self._previous = None


def resolve_placeholder(value: int) -> Any:
    """The tuple a placeholder of the active body stands for; any other number unchanged."""
    table = _active.table
    if table is not None:
        index = value - _BASE
        if 0 <= index < len(table):
            return table[index]
    return value


def _placeholder(index: int) -> bytes:
    return _PLACEHOLDERS[index] if index < 512 else str(_BASE + index).encode()


def _shared_array(chunk: bytes) -> tuple[str, ...] | None:
    """The shared tuple of one array's bytes, or ``None`` when they are not, on their own, a list of strings."""
    shared = _arrays.get(chunk)
    if shared is not None:
        return shared
    try:
        value = orjson.loads(chunk)
    except orjson.JSONDecodeError:
        return None  # the first "]" was not the array's end: leave it to the ordinary decoder
    if value.__class__ is not list:
        return None
    for element in value:
        if element.__class__ is not str:
            return None
    made: tuple[str, ...] = share_strings(value)
    if len(_arrays) < MAX_SHARED_ARRAYS:
        _arrays[chunk] = made
    return made


def decode_shared(body: bytes) -> tuple[Any, SharedArrays | None]:
    """``orjson.loads(body)``, with every ``available_markets`` array of strings decoded once per distinct text and
    left out of the rest (see the module docstring). Returns the decoded document and the table its placeholders
    stand for (``None`` when nothing was replaced: then the document is exactly ``orjson.loads(body)``). Raises what
    ``orjson.loads(body)`` raises."""
    find = body.find
    pos = find(_KEY)
    if pos < 0:
        return orjson.loads(body), None
    pieces: list[bytes] = []
    table: list[tuple[str, ...]] = []
    start = 0
    size = len(body)
    while pos >= 0:
        end = pos + _KEY_END
        if pos and body[pos - 1] == 0x5C:  # an escaped quote: not the key (keep to the ordinary decoder)
            return orjson.loads(body), None
        if body.startswith(b":[", end):
            open_at = end + 1
        else:
            i = end
            while i < size and body[i] in _WHITESPACE:
                i += 1
            if i >= size or body[i] != 0x3A:  # ":"
                pos = find(_KEY, end)
                continue
            i += 1
            while i < size and body[i] in _WHITESPACE:
                i += 1
            if i < size and body[i] in _NUMBER_START:
                return orjson.loads(body), None  # a number where the array belongs: no placeholder may be mistaken
            if i >= size or body[i] != 0x5B:  # "[": null or another value stays as it is
                pos = find(_KEY, end)
                continue
            open_at = i
        close_at = find(b"]", open_at)
        if close_at < 0 or len(table) >= _MAX_PER_BODY:
            return orjson.loads(body), None
        if close_at == open_at + 1:  # "[]": nothing to save, orjson makes an empty list at once
            pos = find(_KEY, close_at)
            continue
        shared = _shared_array(body[open_at : close_at + 1])
        if shared is None:
            pos = find(_KEY, end)
            continue
        pieces.append(body[start:open_at])
        pieces.append(_placeholder(len(table)))
        table.append(shared)
        start = close_at + 1
        pos = find(_KEY, start)
    if not table:
        return orjson.loads(body), None
    pieces.append(body[start:])
    try:
        data = orjson.loads(b"".join(pieces))
    except orjson.JSONDecodeError:
        return orjson.loads(body), None  # not JSON elsewhere: the ordinary decoder raises its own error
    return data, SharedArrays(table)


def restore_arrays(value: Any) -> Any:
    """``value`` (raw JSON kept as it came) with the active body's placeholders turned back into lists."""
    if _active.table is None:
        return value
    if value.__class__ is dict:
        out = {}
        for key, item in value.items():
            if key == "available_markets" and item.__class__ is int:
                resolved = resolve_placeholder(item)
                out[key] = list(resolved) if resolved is not item else item
            else:
                out[key] = restore_arrays(item)
        return out
    if value.__class__ is list:
        return [restore_arrays(item) for item in value]
    return value


#: the words of the enumeration-like fields (types, album types, date precisions, restriction reasons, copyright
#: kinds); a word outside this list is kept as it came, so the table never grows
WORDS: dict[str, str] = {
    word: word
    for word in (
        *("album", "artist", "audiobook", "chapter", "episode", "playlist", "show", "track", "user"),
        *("single", "compilation", "appears_on"),
        *("year", "month", "day"),
        *("market", "product", "explicit", "payment_required"),
        *("C", "P"),
    )
}


def share_word(value: Any) -> Any:
    """The shared copy of a known word (``"track"``, ``"single"``, ``"day"``); anything else unchanged."""
    return WORDS.get(value, value) if value.__class__ is str else value


def shared_lists() -> int:
    """How many distinct lists are remembered (for tests and benchmarks)."""
    return len(_lists)


# ---- identifiers Spotify derives from an object's type and id, kept only when they differ ------------------------

#: for each ``type``: the prefixes of its ``uri``, its ``href`` and its ``external_urls.spotify``, each followed by the id
DERIVED_PREFIXES: dict[str, tuple[str, str, str]] = {
    kind: (f"spotify:{kind}:", f"https://api.spotify.com/v1/{kind}s/", f"https://open.spotify.com/{kind}/")
    for kind in ("album", "artist", "audiobook", "chapter", "episode", "playlist", "show", "track", "user")
}
#: the attributes that may be left unset, and which prefix rebuilds each
DERIVED_FIELDS: dict[str, int] = {"uri": 0, "href": 1, "external_urls": 2}


def derived_attribute(self: Any, name: str) -> Any:
    """``__getattr__`` of the models whose ``uri``, ``href`` or ``external_urls`` may be left unset.

    Python calls it only for an attribute that is not set. The structuring code leaves those three unset when they are
    exactly what Spotify derives from the object's ``type`` and ``id`` (``spotify:track:<id>``,
    ``https://api.spotify.com/v1/tracks/<id>``, ``{"spotify": "https://open.spotify.com/track/<id>"}``): about 350
    bytes per object that no caller pays for until it reads them. The first read builds the value from the class's
    type and the object's ``id`` and stores it, so later reads are plain attribute reads and return the same object.
    (An ``id`` changed before that first read changes what it builds: the models are values, treat them so.)
    """
    index = DERIVED_FIELDS.get(name)
    kind = getattr(type(self), "_spotify_derived_type", None)
    if index is None or kind is None:
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    value: Any = DERIVED_PREFIXES[kind][index] + self.id
    if index == 2:
        value = ExternalUrls(spotify=value)
    object.__setattr__(self, name, value)
    return value


def install_derived(cls: type[Any], kind: str) -> bool:
    """Let instances of ``cls`` (whose ``type`` is ``kind``) leave the derived attributes unset.

    Gives the class :func:`derived_attribute` as its ``__getattr__`` (False when it already has another one, or
    derives for another type).
    """
    current = getattr(cls, "__getattr__", None)
    if current is None:
        cls.__getattr__ = derived_attribute
        cls._spotify_derived_type = kind
        return True
    return current is derived_attribute and getattr(cls, "_spotify_derived_type", None) == kind
