"""Token: the public access-token type, and how tokens are kept out of reprs, logs and messages.

``expires_at`` is in epoch seconds (wall clock) so a token survives a process restart in a token store; ``scopes`` is a
frozenset. The access and refresh tokens are never part of ``repr()``/``str()``; code that must show one (a CLI that
prints a token the user asked for) reads the attribute explicitly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = ["Token"]


def _scopes(value: Iterable[str] | str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(value)


@attrs.frozen(repr=False, eq=True)
class Token:
    """An OAuth access token, with its refresh token (user flows), expiry and granted scopes."""

    access_token: str
    refresh_token: str | None = None
    #: epoch seconds; ``None`` when unknown (a fixed token whose expiry the caller did not give)
    expires_at: float | None = None
    scopes: frozenset[str] = attrs.field(default=frozenset(), converter=_scopes)
    token_type: str = "Bearer"

    @classmethod
    def from_response(
        cls, payload: Mapping[str, Any], *, now: float | None = None, previous: Token | None = None
    ) -> Token:
        """Build a token from an accounts-service answer.

        A refresh answer without ``refresh_token`` keeps ``previous``'s (Spotify does not always rotate it); one without
        ``scope`` keeps the previous scopes.
        """
        now = time.time() if now is None else now
        expires_in = payload.get("expires_in")
        refresh = payload.get("refresh_token") or (previous.refresh_token if previous else None)
        scope = payload.get("scope")
        scopes = _scopes(scope) if scope is not None else (previous.scopes if previous else frozenset())
        return cls(
            access_token=str(payload["access_token"]),
            refresh_token=refresh,
            expires_at=now + float(expires_in) if expires_in is not None else None,
            scopes=scopes,
            token_type=str(payload.get("token_type", "Bearer")),
        )

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative once expired); ``None`` when the expiry is unknown."""
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def is_expired(self, margin: float = 0.0, now: float | None = None) -> bool:
        left = self.expires_in(now)
        return left is not None and left <= margin

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for token stores (contains the secrets: store it with care)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scopes": sorted(self.scopes),
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
            scopes=data.get("scopes") or (),
            token_type=str(data.get("token_type", "Bearer")),
        )

    def __repr__(self) -> str:
        left = self.expires_in()
        expiry = "unknown" if left is None else f"{left:.0f}s"
        return (
            f"Token(access_token=<redacted>, refresh_token={'<redacted>' if self.refresh_token else None}, "
            f"expires_in={expiry}, scopes={sorted(self.scopes)!r})"
        )

    __str__ = __repr__
