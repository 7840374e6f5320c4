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
"""

from __future__ import annotations

import sys
from typing import Any

from .common import ExternalUrls

__all__ = [
    "DERIVED_FIELDS",
    "DERIVED_PREFIXES",
    "MAX_SHARED_LISTS",
    "WORDS",
    "derived_attribute",
    "install_derived",
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
    """The shared tuple equal to the list of strings ``value``; anything else unchanged (a list: as a tuple)."""
    if value.__class__ is not list:
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
