"""Pending logins: where the ``state`` of a login (and, for PKCE, its code verifier) waits for the callback.

A login has two halves that may run in different processes: the worker that builds the authorize URL is not always
the one that receives the callback (several gunicorn or uvicorn workers, containers behind a balancer). The flows
therefore keep pending logins in a :class:`StateStore`:

* ``put(login, state=..., lifetime=...)`` remembers a :class:`PendingLogin` for ``lifetime`` seconds and returns the
  ``state`` to put in the authorize URL (the caller's, or one the store makes); a caller's state that is already
  pending is refused (:class:`~spotify_async.errors.InvalidInput`), never silently replaced;
* ``take(state)`` returns the login *and forgets it in the same step*, or ``None`` when the state is unknown,
  expired or already taken. That atomic take is what makes a state single-use: a replayed callback finds nothing.

Three stores:

* :class:`MemoryStateStore` (the default): a bounded dict in this process. Right for one process.
* :class:`spotify_async.distributed.RedisStateStore`: one key per login with an expiry, taken with one atomic script,
  so a login started on one worker completes on any other and a replay is refused on all of them.
* :class:`SignedStateStore`: no storage at all. The state *is* the pending login, sealed with a key every worker
  holds (:mod:`spotify_async.auth.sealing`: encrypted and authenticated, with its expiry inside), so the PKCE verifier
  crosses the user's browser encrypted and never in clear. Being stateless, it cannot know on its own that a state
  was already used by another worker: each process remembers the states it has taken until they expire (a replay to
  the same worker is refused as a state mismatch), and a replay reaching another worker carries an authorization code
  that Spotify has already redeemed, so the exchange fails there with ``invalid_grant``
  (:class:`~spotify_async.errors.ReauthorizationRequired`) and no token is issued. Use Redis when every worker must
  refuse the replay *before* asking Spotify.

Stores whose ``put`` needs no I/O (memory, signed) also offer ``put_now``, which the synchronous
:meth:`UserFlow.authorize_url <spotify_async.auth.user.UserFlow.authorize_url>` uses; with any store,
``await flow.login_url()`` works.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

import attrs
import orjson

from ..errors import InvalidInput
from .sealing import Sealer

__all__ = ["MemoryStateStore", "PendingLogin", "SignedStateStore", "StateStore", "SyncStateStore", "new_state"]


def new_state() -> str:
    """A fresh, unguessable state value (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


@attrs.frozen(repr=False)
class PendingLogin:
    """One login between its authorize URL and its callback."""

    #: the PKCE code verifier (``None`` for the confidential flow)
    verifier: str | None
    #: epoch seconds when the login started
    created: float

    def __repr__(self) -> str:
        return f"PendingLogin(verifier={'<redacted>' if self.verifier else None}, created={self.created:.0f})"

    def to_json(self) -> bytes:
        return orjson.dumps({"verifier": self.verifier, "created": self.created})

    @classmethod
    def from_json(cls, raw: bytes | str) -> PendingLogin | None:
        """The login in ``raw``, or ``None`` when it is not one (never quotes the content: it holds a verifier)."""
        try:
            data = orjson.loads(raw)
            verifier, created = data["verifier"], float(data["created"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        if verifier is not None and not isinstance(verifier, str):
            return None
        return cls(verifier, created)


@runtime_checkable
class StateStore(Protocol):
    """Where pending logins wait for their callback (see the module docstring for the contract)."""

    async def put(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        """Remember ``login`` for ``lifetime`` seconds; return the state to send (``state``, or a new one)."""
        ...

    async def take(self, state: str) -> PendingLogin | None:
        """The login of ``state``, forgotten in the same step; ``None`` when unknown, expired or already taken."""
        ...


@runtime_checkable
class SyncStateStore(StateStore, Protocol):
    """A state store whose ``put`` needs no I/O, so a login URL can be built synchronously."""

    def put_now(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        """``put`` without awaiting."""
        ...


def _check_lifetime(lifetime: float) -> float:
    if not isinstance(lifetime, (int, float)) or not lifetime >= 0:
        raise InvalidInput("a login lifetime must be a number of seconds >= 0")
    return float(lifetime)


class MemoryStateStore:
    """Pending logins in this process's memory (the default store): at most ``max_entries``, oldest forgotten first.

    ``clock`` (epoch seconds) is injectable for tests.
    """

    def __init__(self, *, max_entries: int = 1024, clock: Callable[[], float] = time.time) -> None:
        if not isinstance(max_entries, int) or max_entries < 1:
            raise InvalidInput("max_entries must be an integer >= 1")
        self.max_entries = max_entries
        self._clock = clock
        #: state -> (login, deadline), oldest first
        self._logins: OrderedDict[str, tuple[PendingLogin, float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"MemoryStateStore(pending={len(self._logins)})"

    def __len__(self) -> int:
        return len(self._logins)

    def _purge(self, now: float) -> None:
        logins = self._logins
        while logins:
            state, (_, deadline) = next(iter(logins.items()))
            if deadline > now:
                break
            del logins[state]

    def put_now(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        lifetime = _check_lifetime(lifetime)
        state = new_state() if state is None else state
        now = self._clock()
        self._purge(now)
        if state in self._logins:
            raise InvalidInput("a login with this state is already pending: let the flow make the state")
        while len(self._logins) >= self.max_entries:
            self._logins.popitem(last=False)
        self._logins[state] = (login, now + lifetime)
        return state

    async def put(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        return self.put_now(login, state=state, lifetime=lifetime)

    async def take(self, state: str) -> PendingLogin | None:
        self._purge(self._clock())
        entry = self._logins.pop(state, None)
        return None if entry is None else entry[0]


class SignedStateStore:
    """No storage: the state carries the pending login, sealed with ``key`` (the same key in every worker).

    ``key`` is at least 32 random bytes (``secrets.token_bytes(32)``), kept like the client secret. The state is about
    150 characters (about 235 with PKCE's default 64-character verifier). See the module docstring for what a stateless state can and cannot
    refuse. ``previous_keys`` still open states sealed before a key change (logins in progress survive a rotation).
    ``clock`` (epoch seconds) is injectable for tests.
    """

    def __init__(
        self,
        key: bytes,
        *,
        previous_keys: Iterable[bytes] = (),
        clock: Callable[[], float] = time.time,
        max_spent: int = 65536,
    ) -> None:
        self._sealer = Sealer(key, "spotify_async login state", previous=previous_keys, clock=clock)
        self._clock = clock
        self.max_spent = max_spent
        #: nonces of states taken by this process -> when they expire (a replay here is refused)
        self._spent: OrderedDict[str, float] = OrderedDict()

    def __repr__(self) -> str:
        return "SignedStateStore(key=<redacted>)"

    def put_now(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        if state is not None:
            raise InvalidInput("a SignedStateStore makes the state itself: do not pass state=")
        lifetime = _check_lifetime(lifetime)
        payload = orjson.dumps({"n": secrets.token_urlsafe(12), "v": login.verifier, "c": login.created})
        return self._sealer.seal(payload, lifetime=lifetime)

    async def put(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        return self.put_now(login, state=state, lifetime=lifetime)

    async def take(self, state: str) -> PendingLogin | None:
        opened = self._sealer.open_with_expiry(state)
        if opened is None:
            return None
        raw, expires = opened
        try:
            data = orjson.loads(raw)
            nonce, verifier, created = str(data["n"]), data["v"], float(data["c"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        now = self._clock()
        spent = self._spent
        while spent:
            old, until = next(iter(spent.items()))
            if until > now and len(spent) < self.max_spent:
                break
            del spent[old]
        if nonce in spent:
            return None
        # remembered for as long as the sealed state could still open (its expiry is inside the seal)
        spent[nonce] = expires if expires is not None else now + 24 * 3600.0
        return PendingLogin(verifier if isinstance(verifier, str) else None, created)
