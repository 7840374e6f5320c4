"""RedisStateStore: pending logins shared by every worker of an app, so a login started on one completes on any.

Each pending login is one Redis string, ``<namespace>:login:<state>`` (or ``<namespace>:{<client_id>}:login:<state>``
when a client id is given), holding the :class:`~spotify_async.auth.state.PendingLogin` JSON (the PKCE verifier and
when the login started) and expiring with the login (``SET ... PX <lifetime> NX``). ``take`` reads and deletes it in
one script, so of two callbacks carrying the same state, on whatever workers, exactly one gets the login: a replay is
refused everywhere, before anything is sent to Spotify.

The verifier is stored in clear in Redis, as the token store keeps tokens: protect Redis with AUTH/ACLs and TLS
(``rediss://``). Nothing else is stored. Every call is bounded by ``timeout`` and a failure raises
:class:`~spotify_async.errors.CoordinationError` (a login cannot fall back to one process: the callback may land on
another).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..auth.state import PendingLogin, new_state
from ..errors import CoordinationError, InvalidInput
from . import _scripts
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, open_backend, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisStateStore"]


class RedisStateStore:
    """A :class:`~spotify_async.auth.state.StateStore` in Redis (see the module docstring)."""

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str | None = None,
        namespace: str = DEFAULT_NAMESPACE,
        timeout: float = 2.0,
    ) -> None:
        if client_id is not None:
            self._prefix = Keys(namespace, client_id)("login") + ":"
        else:
            if not isinstance(namespace, str) or not namespace:
                raise InvalidInput("namespace must be a non-empty string")
            self._prefix = f"{namespace}:login:"
        self._backend = open_backend(redis, timeout=timeout)

    def __repr__(self) -> str:
        return f"<RedisStateStore {self._backend.where} {self._prefix}*>"

    @property
    def backend(self) -> Backend:
        return self._backend

    async def put(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        if not isinstance(lifetime, (int, float)) or not lifetime >= 0:
            raise InvalidInput("a login lifetime must be a number of seconds >= 0")
        state = new_state() if state is None else state
        ms = max(1, int(lifetime * 1000))
        written = await self._backend.execute(
            "login state put", "SET", self._prefix + state, login.to_json(), "PX", ms, "NX"
        )
        if written is None:
            raise InvalidInput("a login with this state is already pending: let the flow make the state")
        return state

    async def take(self, state: str) -> PendingLogin | None:
        raw = text(await self._backend.script(_scripts.STATE_TAKE, [self._prefix + state], []))
        if not raw:
            return None
        login = PendingLogin.from_json(raw)
        if login is None:
            # never quote the content: it holds a verifier
            raise CoordinationError(f"the pending login under {self._prefix}<state> is unreadable")
        return login

    async def aclose(self) -> None:
        """Close the Redis client if this store created it."""
        await self._backend.aclose()
