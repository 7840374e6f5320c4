"""Spotify ids, URIs and open.spotify.com URLs: parsing, validation and conversion.

Every endpoint that takes an id accepts any of the three forms::

    "4aawyAB9vmqN3uQ7FjRGTy"
    "spotify:album:4aawyAB9vmqN3uQ7FjRGTy"
    "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=..."

and a malformed one raises :class:`~spotify_async.errors.InvalidInput` before anything is sent. So does a value that
is not a string at all (``None``, an int, bytes, such a value inside a list): the message names the argument (``arg=``)
and, in a list, the position, rather than letting a bare ``TypeError`` escape.

An id that reaches a URL path must not be able to change which endpoint is called: user ids are free-form, so one made
only of dots (``.``, ``..``) is refused here, and :meth:`~spotify_async.http.routes.Route.compile` refuses any path
segment that would be normalised away.

Endpoints that take references of several types (``PUT /me/library``, playlist items, the play queue) use
:func:`to_uris`: URIs and URLs say their own type, a bare id needs ``default_type``, and ``allowed`` names the types
the endpoint takes, so a wrong or malformed entry is reported with its position in the list.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from .errors import InvalidInput

__all__ = [
    "ItemType",
    "SpotifyRef",
    "parse",
    "to_id",
    "to_ids",
    "to_ref",
    "to_uri",
    "to_uris",
    "to_url",
    "user_id",
]

ItemType = Literal["album", "artist", "track", "playlist", "show", "episode", "audiobook", "chapter", "user"]
ITEM_TYPES: frozenset[str] = frozenset(
    {"album", "artist", "track", "playlist", "show", "episode", "audiobook", "chapter", "user"}
)

_BASE62 = re.compile(r"[0-9A-Za-z]{22}\Z")
# user ids are free-form (old accounts use their login name); keep them to what Spotify issues, and never only dots:
# "." and ".." would be normalised out of the URL path (``users.get("..")`` would send ``GET /v1/``)
_USER_ID = re.compile(r"(?!\.+\Z)[0-9A-Za-z._\-]{1,64}\Z")


def _not_a_string(value: object, what: str, arg: str | None) -> InvalidInput:
    name = arg or what
    return InvalidInput(
        f"{name} must be a string (an id, a Spotify URI or an open.spotify.com URL), got {_kind(value)}"
    )


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


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


def parse(value: str, expected: str | None = None, *, arg: str | None = None) -> SpotifyRef:
    """Parse an id, URI or URL. ``expected`` is the item type the caller needs; a bare id is taken as that type.
    ``arg`` names the argument in the error a non-string gets."""
    if not isinstance(value, str):
        raise _not_a_string(value, f"a {expected} id" if expected else "a Spotify id", arg)
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


def to_id(value: str, expected: str, *, arg: str | None = None) -> str:
    """Return the bare id of ``value`` (an id, URI or URL of type ``expected``); ``arg`` names the argument in errors."""
    # fast path: a bare base-62 id, the overwhelmingly common case on hot paths (22 ASCII letters and digits: what
    # _BASE62 matches, tested without the regex engine)
    if value.__class__ is str and len(value) == 22 and value.isascii() and value.isalnum():
        return value
    return parse(value, expected, arg=arg).id


def to_uri(value: str, expected: str | None = None) -> str:
    """Return the ``spotify:<type>:<id>`` URI of ``value``."""
    return parse(value, expected).uri


def to_url(value: str, expected: str | None = None) -> str:
    """Return the open.spotify.com URL of ``value``."""
    return parse(value, expected).url


def user_id(value: str, *, arg: str | None = None) -> str:
    """Return the user id of ``value`` (a user id, ``spotify:user:...`` URI or profile URL)."""
    return parse(value, "user", arg=arg).id


def to_ref(value: str, default_type: str | None = None, *, arg: str | None = None) -> SpotifyRef:
    """Parse an id, URI or URL of any type; a bare id is taken as ``default_type`` (and refused without one).

    Unlike :func:`parse` with ``expected``, a URI or URL of another type than ``default_type`` is accepted as that type.
    """
    if not isinstance(value, str):
        raise _not_a_string(value, "a Spotify URI", arg)
    if not value.strip().startswith(("spotify:", "http://", "https://")):
        if default_type is None:
            raise InvalidInput(f"{value!r} is a bare id: say which type it is, or pass a Spotify URI or URL")
        return parse(value, default_type, arg=arg)
    return parse(value, arg=arg)


def _values(values: Iterable[str], what: str, arg: str | None = None) -> list[str]:
    # a lone string is iterable too: refuse it rather than treat each character as an id
    where = f"{arg}: " if arg else ""
    if isinstance(values, (str, bytes, bytearray)):
        single = "string" if isinstance(values, str) else _kind(values)
        raise InvalidInput(f"{where}expected a list of {what}, got a single {single} (wrap it in a list)")
    try:
        return list(values)
    except TypeError:
        raise InvalidInput(f"{where}expected a list of {what}, got {_kind(values)}") from None


def to_uris(
    values: Iterable[str],
    default_type: str | None = None,
    *,
    allowed: Collection[str] | None = None,
    arg: str | None = None,
) -> list[str]:
    """Validate a list of ids, URIs or URLs and return their ``spotify:<type>:<id>`` URIs, in order.

    A bare id is taken as ``default_type`` (refused without one); ``allowed`` limits the types. The first bad entry
    raises :class:`~spotify_async.errors.InvalidInput` naming its position (and ``arg``, the argument, when given).
    """
    where = f"{arg}: " if arg else ""
    out: list[str] = []
    for index, value in enumerate(_values(values, "Spotify URIs", arg)):
        try:
            ref = to_ref(value, default_type)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}item {index}: {exc}") from None
        if allowed is not None and ref.type not in allowed:
            raise InvalidInput(
                f"{where}item {index}: {value!r} is a {ref.type}; this call takes {', '.join(sorted(allowed))}"
            )
        out.append(ref.uri)
    return out


def to_ids(values: Iterable[str], expected: str, *, arg: str | None = None) -> list[str]:
    """Validate a list of ids, URIs or URLs of type ``expected`` and return the bare ids, in order."""
    where = f"{arg}: " if arg else ""
    out: list[str] = []
    for index, value in enumerate(_values(values, f"{expected} ids", arg)):
        try:
            out.append(to_id(value, expected))
        except InvalidInput as exc:
            raise InvalidInput(f"{where}item {index}: {exc}") from None
    return out
