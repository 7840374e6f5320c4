"""Scopes: the 19 OAuth scopes as constants, and which scopes each Web API operation cannot work without.

The spec lists scopes per operation, but not all of them are requirements. Some only unlock optional content: ``GET /me``
lists ``user-read-private`` and ``user-read-email`` yet answers without them (country, product and email are simply
absent); ``user-read-playback-position`` adds ``resume_point`` to shows and episodes; ``playlist-read-private`` adds
private playlists to a listing that works without it. Others are "any one of": a playlist write needs
``playlist-modify-public`` for a public playlist or ``playlist-modify-private`` for a private one, and we cannot know
which before asking.

The scopes themselves are kept once, on the route table (``Route.scopes``, the spec's listing, which a test compares
with ``openapi.yml``). This module holds the *rules* that turn a listing into a requirement (:func:`requirement`:
operations whose scopes are all optional, scopes that only add content, scopes needed jointly, scopes another one
also satisfies); each Route computes its ``requires`` with them once. That column of the table, keyed by
operationId, is :data:`spotify_async.http.routes.REQUIREMENTS`, beside the table (``auth/`` sits below ``http/`` and
never imports it).

The session checks ``Route.requires`` before sending, when the token's granted scopes are known
(:func:`spotify_async.http.routes.check_scopes` does the same by operationId), with :func:`scope_error`. It raises
:class:`~spotify_async.errors.ScopeError` only when *no* alternative is satisfied, so a call that could work is never
blocked. It is a frozenset comparison per alternative: cheap enough for every request.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from ..errors import InvalidInput, ScopeError

__all__ = [
    "ALL_SCOPES",
    "ALSO_SATISFIED_BY",
    "CONTENT_ONLY",
    "JOINT",
    "OPTIONAL_ONLY",
    "Scope",
    "ScopeRequirement",
    "normalize_scopes",
    "requirement",
    "scope_error",
]


class Scope(str, enum.Enum):
    """The OAuth scopes Spotify knows. Members are strings: pass them wherever a scope name is accepted."""

    UGC_IMAGE_UPLOAD = "ugc-image-upload"
    USER_READ_PLAYBACK_STATE = "user-read-playback-state"
    USER_MODIFY_PLAYBACK_STATE = "user-modify-playback-state"
    USER_READ_CURRENTLY_PLAYING = "user-read-currently-playing"
    APP_REMOTE_CONTROL = "app-remote-control"
    STREAMING = "streaming"
    PLAYLIST_READ_PRIVATE = "playlist-read-private"
    PLAYLIST_READ_COLLABORATIVE = "playlist-read-collaborative"
    PLAYLIST_MODIFY_PRIVATE = "playlist-modify-private"
    PLAYLIST_MODIFY_PUBLIC = "playlist-modify-public"
    USER_FOLLOW_MODIFY = "user-follow-modify"
    USER_FOLLOW_READ = "user-follow-read"
    USER_READ_PLAYBACK_POSITION = "user-read-playback-position"
    USER_TOP_READ = "user-top-read"
    USER_READ_RECENTLY_PLAYED = "user-read-recently-played"
    USER_LIBRARY_MODIFY = "user-library-modify"
    USER_LIBRARY_READ = "user-library-read"
    USER_READ_EMAIL = "user-read-email"
    USER_READ_PRIVATE = "user-read-private"

    # a str-mixin enum formats as "Scope.X" on some Python versions; the scope name is what every caller wants
    def __str__(self) -> str:
        return self.value


#: every scope name Spotify knows
ALL_SCOPES: frozenset[str] = frozenset(s.value for s in Scope)


def normalize_scopes(scopes: Iterable[str | Scope] | str | None) -> frozenset[str]:
    """Scope names from a space- or comma-separated string or an iterable; unknown names raise InvalidInput."""
    if scopes is None:
        return frozenset()
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    out: set[str] = set()
    for item in items:
        name = item.value if isinstance(item, Scope) else str(item).strip()
        if not name:
            continue
        if name not in ALL_SCOPES:
            raise InvalidInput(f"unknown scope {name!r}: use the Scope constants (spotify_async.Scope)")
        out.add(name)
    return frozenset(out)


@attrs.frozen(slots=True)
class ScopeRequirement:
    """What an operation needs: at least one of ``alternatives``, each a set of scopes that must all be granted."""

    alternatives: tuple[frozenset[str], ...]

    def satisfied_by(self, granted: frozenset[str]) -> bool:
        # a plain loop: this runs before every request, and a generator costs a microsecond here
        for alt in self.alternatives:  # noqa: SIM110
            if alt <= granted:
                return True
        return False

    def missing(self, granted: frozenset[str]) -> frozenset[str]:
        """The fewest scopes that would have to be added (the first alternative on a tie)."""
        return min((alt - granted for alt in self.alternatives), key=len)

    def describe(self) -> str:
        parts = sorted(" + ".join(sorted(alt)) for alt in self.alternatives)
        return parts[0] if len(parts) == 1 else "one of: " + " | ".join(parts)


#: scopes that only add content to an answer that comes without them (``resume_point`` on shows and episodes)
CONTENT_ONLY: frozenset[str] = frozenset({Scope.USER_READ_PLAYBACK_POSITION.value})
#: scopes needed together with whichever of the others applies (a cover upload is an image upload *and* a
#: playlist write, public or private)
JOINT: frozenset[str] = frozenset({Scope.UGC_IMAGE_UPLOAD.value})
#: scope -> scopes that also satisfy it: Spotify's own clients read the current track with either; when unsure, do
#: not block
ALSO_SATISFIED_BY: Mapping[str, tuple[str, ...]] = {
    Scope.USER_READ_CURRENTLY_PLAYING.value: (Scope.USER_READ_PLAYBACK_STATE.value,),
}

#: operations whose listed scopes only unlock optional fields or content (documented above; checked by a test)
OPTIONAL_ONLY: frozenset[str] = frozenset(
    {
        "get-current-users-profile",
        "get-a-show",
        "get-a-shows-episodes",
        "get-an-episode",
        "get-multiple-episodes",
        "get-a-list-of-current-users-playlists",
        "get-list-users-playlists",
        "get-playlists-items",
        "get-playlists-tracks",
    }
)


def requirement(operation_id: str, listed: Iterable[str]) -> ScopeRequirement | None:
    """What an operation cannot work without, from the scopes the spec lists for it (``Route.scopes``).

    ``None`` for an operation in :data:`OPTIONAL_ONLY` or one that lists nothing but :data:`CONTENT_ONLY` scopes.
    Otherwise any one of the listed scopes is enough (a read/modify family: library, follow, public or private
    playlist), each alternative also holding the :data:`JOINT` scopes, plus the alternatives
    :data:`ALSO_SATISFIED_BY` names. The route table computes this once per route (``Route.requires``).
    """
    if operation_id in OPTIONAL_ONLY:
        return None
    scopes = [s for s in listed if s not in CONTENT_ONLY]
    joint = frozenset(s for s in scopes if s in JOINT)
    alternatives: list[frozenset[str]] = []
    for scope in scopes:
        if scope in JOINT:
            continue
        for option in (scope, *ALSO_SATISFIED_BY.get(scope, ())):
            alternative = joint | {option}
            if alternative not in alternatives:
                alternatives.append(alternative)
    if not alternatives:
        return ScopeRequirement((joint,)) if joint else None
    return ScopeRequirement(tuple(alternatives))


def scope_error(operation_id: str, need: ScopeRequirement, granted: frozenset[str]) -> ScopeError:
    """A ScopeError whose message says what would satisfy the operation (and that one of several is enough)."""
    err = ScopeError(operation_id, need.missing(granted))
    # ScopeError's own message lists ``missing`` as if all were needed; say exactly what would do
    err.args = (
        f"{operation_id} needs scope {need.describe()}, which this token was not granted; "
        "ask the user to authorize again with it",
    )
    return err
