"""Spotify ids, URIs and open.spotify.com URLs: parsing, validation and conversion.

Every endpoint that takes an id accepts any of the three forms::

    "4aawyAB9vmqN3uQ7FjRGTy"
    "spotify:album:4aawyAB9vmqN3uQ7FjRGTy"
    "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=..."

and a malformed one raises :class:`~spotify_async.errors.InvalidInput` before anything is sent.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from .errors import InvalidInput

__all__ = ["ItemType", "SpotifyRef", "parse", "to_id", "to_uri", "to_url", "user_id"]

ItemType = Literal["album", "artist", "track", "playlist", "show", "episode", "audiobook", "chapter", "user"]
ITEM_TYPES: frozenset[str] = frozenset(
    {"album", "artist", "track", "playlist", "show", "episode", "audiobook", "chapter", "user"}
)

_BASE62 = re.compile(r"[0-9A-Za-z]{22}\Z")
# user ids are free-form (old accounts use their login name); keep them to what Spotify issues
_USER_ID = re.compile(r"[0-9A-Za-z._\-]{1,64}\Z")


class SpotifyRef(NamedTuple):
    """A parsed reference: the item's type and its id."""

    type: str
    id: str

    @property
    def uri(self) -> str:
        return f"spotify:{self.type}:{self.id}"

    @property
    def url(self) -> str:
        return f"https://open.spotify.com/{self.type}/{self.id}"


def _check_id(kind: str, ident: str, original: str) -> str:
    pattern = _USER_ID if kind == "user" else _BASE62
    if not pattern.match(ident):
        expected = "a user id" if kind == "user" else "22 base-62 characters"
        raise InvalidInput(
            f"invalid {kind} id {original!r}: expected {expected}, a Spotify URI or an open.spotify.com URL"
        )
    return ident


def parse(value: str, expected: str | None = None) -> SpotifyRef:
    """Parse an id, URI or URL. ``expected`` is the item type the caller needs; a bare id is taken as that type."""
    if not isinstance(value, str):
        raise InvalidInput(f"expected a Spotify id, URI or URL as a string, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise InvalidInput(f"empty {expected or 'Spotify'} id")
    kind: str | None
    if text.startswith("spotify:"):
        parts = text.split(":")
        # spotify:user:NAME:playlist:ID is the old playlist form
        if len(parts) == 5 and parts[1] == "user" and parts[3] == "playlist":
            kind, ident = "playlist", parts[4]
        elif len(parts) == 3:
            kind, ident = parts[1], parts[2]
        else:
            raise InvalidInput(f"malformed Spotify URI {value!r}: expected spotify:<type>:<id>")
    elif text.startswith(("http://", "https://")):
        split = urlsplit(text)
        if split.hostname not in ("open.spotify.com", "play.spotify.com"):
            raise InvalidInput(f"not an open.spotify.com URL: {value!r}")
        segments = [s for s in split.path.split("/") if s]
        if segments and segments[0].startswith("intl-"):
            segments = segments[1:]
        if len(segments) == 4 and segments[0] == "user" and segments[2] == "playlist":
            segments = segments[2:]
        if len(segments) != 2:
            raise InvalidInput(f"malformed Spotify URL {value!r}: expected https://open.spotify.com/<type>/<id>")
        kind, ident = segments
    else:
        if expected is None:
            raise InvalidInput(f"{value!r} is a bare id: say which type it is, or pass a URI or URL")
        kind, ident = expected, text
    if kind not in ITEM_TYPES:
        raise InvalidInput(f"unknown Spotify item type {kind!r} in {value!r}")
    if expected is not None and kind != expected:
        raise InvalidInput(f"expected a {expected} but {value!r} is a {kind}")
    return SpotifyRef(kind, _check_id(kind, ident, value))


def to_id(value: str, expected: str) -> str:
    """Return the bare id of ``value`` (an id, URI or URL of type ``expected``)."""
    # fast path: a bare base-62 id, the overwhelmingly common case on hot paths
    if len(value) == 22 and _BASE62.match(value):
        return value
    return parse(value, expected).id


def to_uri(value: str, expected: str | None = None) -> str:
    """Return the ``spotify:<type>:<id>`` URI of ``value``."""
    return parse(value, expected).uri


def to_url(value: str, expected: str | None = None) -> str:
    """Return the open.spotify.com URL of ``value``."""
    return parse(value, expected).url


def user_id(value: str) -> str:
    """Return the user id of ``value`` (a user id, ``spotify:user:...`` URI or profile URL)."""
    return parse(value, "user").id
