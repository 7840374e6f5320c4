"""The ``fields`` query parameter of the playlist reads, as Spotify applies it: a projection of the JSON answer.

Spotify's syntax: a comma-separated list of keys; a dot reaches into an object (``tracks.items``); parentheses pick
keys inside an object or inside every element of a list (``items(added_at,track(name,album(name)))``). Keys not named
are left out; a key named without a sub-selection is kept whole. A list is projected element by element, and ``null``
stays ``null``. Exclusions (``!key``) are not modelled: an expression with one is refused with a 400, as the fake does
not pretend to apply what it cannot.
"""

from __future__ import annotations

from typing import Any

from ._util import ApiError

__all__ = ["FIELDS_OPERATIONS", "parse_fields", "project"]

#: the operations whose spec lists a ``fields`` query parameter
FIELDS_OPERATIONS = frozenset({"get-playlist", "get-playlists-items", "get-playlists-tracks"})

#: a parsed selection: key -> its sub-selection (``None``: the whole value)
Selection = dict[str, "Selection | None"]


def parse_fields(expression: str) -> Selection:
    """The selection an expression names; ``ApiError(400)`` for one the fake cannot read."""
    if "!" in expression:
        raise ApiError(400, "FakeSpotify does not model fields exclusions ('!')")
    selection, end = _parse(expression.replace(" ", ""), 0)
    if end != len(expression.replace(" ", "")) or not selection:
        raise ApiError(400, f"Invalid fields expression {expression!r}")
    return selection


def _parse(text: str, at: int) -> tuple[Selection, int]:
    """A comma-separated list of keys, up to the end or to the ``)`` that closes it."""
    selection: Selection = {}
    while at < len(text):
        name, sub, at = _key(text, at)
        selection[name] = _merge(selection[name], sub) if name in selection else sub
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        break
    return selection, at


def _key(text: str, at: int) -> tuple[str, Selection | None, int]:
    """One key and what it selects: nothing more, a dotted path (``tracks.items``) or a ``(...)`` list."""
    start = at
    while at < len(text) and text[at] not in ",().":
        at += 1
    name = text[start:at]
    if not name:
        raise ApiError(400, f"Invalid fields expression {text!r}")
    sub: Selection | None = None
    if at < len(text) and text[at] == "(":
        sub, at = _parse(text, at + 1)
        if at >= len(text) or text[at] != ")":
            raise ApiError(400, f"Invalid fields expression {text!r}: unbalanced parentheses")
        at += 1
    elif at < len(text) and text[at] == ".":
        inner, inner_sub, at = _key(text, at + 1)
        sub = {inner: inner_sub}
    return name, sub, at


def _merge(a: Selection | None, b: Selection | None) -> Selection | None:
    if a is None or b is None:
        return None  # one mention keeps the whole value
    merged = dict(a)
    for key, sub in b.items():
        merged[key] = _merge(merged[key], sub) if key in merged else sub
    return merged


def project(value: Any, selection: Selection | None) -> Any:
    """``value`` with only what ``selection`` names (lists element by element)."""
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [project(item, selection) for item in value]
    if isinstance(value, dict):
        return {key: project(value[key], sub) for key, sub in selection.items() if key in value}
    return value
