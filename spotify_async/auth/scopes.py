"""Scopes: the 19 OAuth scopes as constants, and which scopes each Web API operation cannot work without.

The spec lists scopes per operation, but not all of them are requirements. Some only unlock optional content: ``GET /me``
lists ``user-read-private`` and ``user-read-email`` yet answers without them (country, product and email are simply
absent); ``user-read-playback-position`` adds ``resume_point`` to shows and episodes; ``playlist-read-private`` adds
private playlists to a listing that works without it. Others are "any one of": a playlist write needs
``playlist-modify-public`` for a public playlist or ``playlist-modify-private`` for a private one, and we cannot know
which before asking. So :data:`REQUIREMENTS` is written by hand from what the operations do, and a test checks it
against the route table.

:func:`check_scopes` is what the session calls before sending, when the token's granted scopes are known. It raises
:class:`~spotify_async.errors.ScopeError` only when *no* alternative is satisfied, so a call that could work is never
blocked. It is a dictionary lookup and a frozenset comparison: cheap enough for every request.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from ..errors import InvalidInput, ScopeError

__all__ = [
    "ALL_SCOPES",
    "OPTIONAL_ONLY",
    "REQUIREMENTS",
    "Scope",
    "ScopeRequirement",
    "check_scopes",
    "normalize_scopes",
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


def _all(*scopes: Scope) -> ScopeRequirement:
    return ScopeRequirement((frozenset(s.value for s in scopes),))


def _any(*scopes: Scope) -> ScopeRequirement:
    return ScopeRequirement(tuple(frozenset((s.value,)) for s in scopes))


_LIB_READ = _all(Scope.USER_LIBRARY_READ)
_LIB_MODIFY = _all(Scope.USER_LIBRARY_MODIFY)
_FOLLOW_READ = _all(Scope.USER_FOLLOW_READ)
_FOLLOW_MODIFY = _all(Scope.USER_FOLLOW_MODIFY)
_PLAYLIST_MODIFY = _any(Scope.PLAYLIST_MODIFY_PUBLIC, Scope.PLAYLIST_MODIFY_PRIVATE)
_PLAYBACK_READ = _all(Scope.USER_READ_PLAYBACK_STATE)
_PLAYBACK_MODIFY = _all(Scope.USER_MODIFY_PLAYBACK_STATE)
# Spotify's own clients read the current track with either scope; when unsure, do not block
_CURRENTLY_PLAYING = _any(Scope.USER_READ_CURRENTLY_PLAYING, Scope.USER_READ_PLAYBACK_STATE)

#: operationId -> what it cannot work without. Operations not listed need no scope, or only optional ones:
#: get-current-users-profile (private/email add fields), get-a-show / get-a-shows-episodes / get-an-episode /
#: get-multiple-episodes (playback position adds resume points), get-a-list-of-current-users-playlists,
#: get-list-users-playlists, get-playlists-items, get-playlists-tracks (private scopes add private playlists; the
#: items of public playlists the user owns come without them).
REQUIREMENTS: Mapping[str, ScopeRequirement] = {
    # library, per type (extended mode) and the 2026 generic library (URIs of any type: any one family suffices)
    "get-users-saved-albums": _LIB_READ,
    "save-albums-user": _LIB_MODIFY,
    "remove-albums-user": _LIB_MODIFY,
    "check-users-saved-albums": _LIB_READ,
    "get-users-saved-tracks": _LIB_READ,
    "save-tracks-user": _LIB_MODIFY,
    "remove-tracks-user": _LIB_MODIFY,
    "check-users-saved-tracks": _LIB_READ,
    "get-users-saved-episodes": _LIB_READ,
    "save-episodes-user": _LIB_MODIFY,
    "remove-episodes-user": _LIB_MODIFY,
    "check-users-saved-episodes": _LIB_READ,
    "get-users-saved-shows": _LIB_READ,
    "save-shows-user": _LIB_MODIFY,
    "remove-shows-user": _LIB_MODIFY,
    "check-users-saved-shows": _LIB_READ,
    "get-users-saved-audiobooks": _LIB_READ,
    "save-audiobooks-user": _LIB_MODIFY,
    "remove-audiobooks-user": _LIB_MODIFY,
    "check-users-saved-audiobooks": _LIB_READ,
    "save-library-items": _any(Scope.USER_LIBRARY_MODIFY, Scope.USER_FOLLOW_MODIFY, Scope.PLAYLIST_MODIFY_PUBLIC),
    "remove-library-items": _any(Scope.USER_LIBRARY_MODIFY, Scope.USER_FOLLOW_MODIFY, Scope.PLAYLIST_MODIFY_PUBLIC),
    "check-library-contains": _any(Scope.USER_LIBRARY_READ, Scope.USER_FOLLOW_READ, Scope.PLAYLIST_READ_PRIVATE),
    # follows
    "get-followed": _FOLLOW_READ,
    "follow-artists-users": _FOLLOW_MODIFY,
    "unfollow-artists-users": _FOLLOW_MODIFY,
    "check-current-user-follows": _FOLLOW_READ,
    "follow-playlist": _PLAYLIST_MODIFY,
    "unfollow-playlist": _PLAYLIST_MODIFY,
    # playlist writes (public or private playlist: either modify scope may be the right one)
    "change-playlist-details": _PLAYLIST_MODIFY,
    "add-tracks-to-playlist": _PLAYLIST_MODIFY,
    "reorder-or-replace-playlists-tracks": _PLAYLIST_MODIFY,
    "remove-tracks-playlist": _PLAYLIST_MODIFY,
    "add-items-to-playlist": _PLAYLIST_MODIFY,
    "reorder-or-replace-playlists-items": _PLAYLIST_MODIFY,
    "remove-items-playlist": _PLAYLIST_MODIFY,
    "create-playlist": _PLAYLIST_MODIFY,
    "create-playlist-for-user": _PLAYLIST_MODIFY,
    "upload-custom-playlist-cover": ScopeRequirement(
        (
            frozenset((Scope.UGC_IMAGE_UPLOAD.value, Scope.PLAYLIST_MODIFY_PUBLIC.value)),
            frozenset((Scope.UGC_IMAGE_UPLOAD.value, Scope.PLAYLIST_MODIFY_PRIVATE.value)),
        )
    ),
    # player
    "get-information-about-the-users-current-playback": _PLAYBACK_READ,
    "get-a-users-available-devices": _PLAYBACK_READ,
    "get-the-users-currently-playing-track": _CURRENTLY_PLAYING,
    "get-queue": _CURRENTLY_PLAYING,
    "transfer-a-users-playback": _PLAYBACK_MODIFY,
    "start-a-users-playback": _PLAYBACK_MODIFY,
    "pause-a-users-playback": _PLAYBACK_MODIFY,
    "skip-users-playback-to-next-track": _PLAYBACK_MODIFY,
    "skip-users-playback-to-previous-track": _PLAYBACK_MODIFY,
    "seek-to-position-in-currently-playing-track": _PLAYBACK_MODIFY,
    "set-repeat-mode-on-users-playback": _PLAYBACK_MODIFY,
    "set-volume-for-users-playback": _PLAYBACK_MODIFY,
    "toggle-shuffle-for-users-playback": _PLAYBACK_MODIFY,
    "add-to-queue": _PLAYBACK_MODIFY,
    "get-recently-played": _all(Scope.USER_READ_RECENTLY_PLAYED),
    # personalisation
    "get-users-top-artists": _all(Scope.USER_TOP_READ),
    "get-users-top-tracks": _all(Scope.USER_TOP_READ),
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


def check_scopes(operation_id: str, granted: frozenset[str]) -> None:
    """Raise ScopeError when ``granted`` satisfies none of the operation's alternatives; otherwise return."""
    need = REQUIREMENTS.get(operation_id)
    if need is None or need.satisfied_by(granted):
        return
    raise scope_error(operation_id, need, granted)


def scope_error(operation_id: str, need: ScopeRequirement, granted: frozenset[str]) -> ScopeError:
    """A ScopeError whose message says what would satisfy the operation (and that one of several is enough)."""
    err = ScopeError(operation_id, need.missing(granted))
    # ScopeError's own message lists ``missing`` as if all were needed; say exactly what would do
    err.args = (
        f"{operation_id} needs scope {need.describe()}, which this token was not granted; "
        "ask the user to authorize again with it",
    )
    return err
