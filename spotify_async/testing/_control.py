"""FakeSpotify's control operations: the knobs a fake in another process turns at ``POST /_fake/control``.

A control request is ``{"op": NAME, "args": {...}}``. :data:`CONTROL_OPERATIONS` maps each name to one
:class:`ControlOperation`: a function called with the fake and the request's ``args`` as keyword arguments, and
one line saying what it does. An unknown name, a missing or unexpected argument (the function's own signature says
which it takes) or a bad value answers ``400`` naming the problem; what the function returns is the ``result`` of
the ``{"ok": true, "result": ...}`` answer, so it must be JSON. :meth:`FakeSpotifyProcess.control` checks the name
against the same table before it sends anything. Adding an operation is one function and one row.

This module imports neither the fake nor ``aiohttp.web``, so the parent process's side of a
:class:`FakeSpotifyProcess` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput

if TYPE_CHECKING:
    from .fake import FakeSpotify

__all__ = ["CONTROL_OPERATIONS", "ControlOperation", "check_operation"]


@dataclass(frozen=True, slots=True)
class ControlOperation:
    """One row of the table: what to call, and what it does (for the docs and error messages)."""

    run: Callable[..., Any]
    summary: str


def _reset_stats(fake: FakeSpotify) -> None:
    fake.stats.reset()


def _set_latency(fake: FakeSpotify, *, seconds: float) -> None:
    fake.set_latency(seconds)


def _set_rate_limited_latency(fake: FakeSpotify, *, seconds: float | None = None) -> None:
    fake.set_rate_limited_latency(seconds)


def _set_rate_limit(fake: FakeSpotify, *, limit: int | None = None, window: float = 30.0) -> None:
    fake.set_rate_limit(limit, window)


def _inject(fake: FakeSpotify, **fault: Any) -> None:
    fake.inject(**fault)


def _clear_faults(fake: FakeSpotify) -> None:
    fake.clear_faults()


def _issue_user_token(
    fake: FakeSpotify, *, user_id: str | None = None, scopes: str | list[str] | None = None
) -> dict[str, Any]:
    return fake.issue_user_token(user_id, frozenset(scopes) if isinstance(scopes, list) else scopes)


def _expire_access_tokens(fake: FakeSpotify) -> None:
    fake.expire_access_tokens()


def _expire_refresh_tokens(fake: FakeSpotify, *, refresh_token: str | None = None) -> None:
    fake.expire_refresh_tokens(refresh_token)


#: every control operation, by the name a request gives
CONTROL_OPERATIONS: Mapping[str, ControlOperation] = MappingProxyType(
    {
        "reset_stats": ControlOperation(_reset_stats, "zero every counter of fake.stats"),
        "set_latency": ControlOperation(_set_latency, "set_latency(seconds): simulated latency of each API call"),
        "set_rate_limited_latency": ControlOperation(
            _set_rate_limited_latency,
            "set_rate_limited_latency(seconds=None): delay of a 429 of the hidden limit (None: the same latency)",
        ),
        "set_rate_limit": ControlOperation(
            _set_rate_limit, "set_rate_limit(limit, window=30.0): the hidden rolling-window limit (limit=None: off)"
        ),
        "inject": ControlOperation(_inject, "inject(kind, ...): queue a fault, as FakeSpotify.inject"),
        "clear_faults": ControlOperation(_clear_faults, "drop every queued fault"),
        "issue_user_token": ControlOperation(
            _issue_user_token, "issue_user_token(user_id=None, scopes=None): a user's token response (the result)"
        ),
        "expire_access_tokens": ControlOperation(_expire_access_tokens, "expire every access token issued so far"),
        "expire_refresh_tokens": ControlOperation(
            _expire_refresh_tokens, "expire_refresh_tokens(refresh_token=None): expire one refresh token, or all"
        ),
    }
)


def check_operation(op: object) -> ControlOperation:
    """The row of ``op``, or :class:`InvalidInput` listing the operations there are."""
    row = CONTROL_OPERATIONS.get(op) if isinstance(op, str) else None
    if row is None:
        raise InvalidInput(f"unknown control op {op!r}; the operations are {', '.join(CONTROL_OPERATIONS)}")
    return row
