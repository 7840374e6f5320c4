"""TokenManager: a valid access token on demand, refreshed once for everyone who is waiting.

Theory
------
Every request asks the manager for a token right before it is sent. The common case must cost nothing: the cached
token is returned without awaiting anything. A token counts as stale ``margin`` seconds before it expires, where the
margin is the configured one (60 s by default) but never more than a quarter of the token's lifetime, so a token that
lives two seconds in a test is not refreshed forever.

When the token is absent or stale, exactly one coroutine becomes the *refresher*: it creates a task that performs the
grant (client credentials, or a refresh for user flows) and stores it as the in-flight refresh. Everyone else who
arrives while that task runs awaits the same task (shielded, so a cancelled waiter does not cancel the refresh for the
others). A thousand concurrent calls on a cold start therefore make one token request, and they all see the same
outcome: the new token, or the same exception.

A 401 from the Web API means the token we sent is no longer good. ``invalidate(token)`` drops it only if it is still
the current one: when fifty requests fail with the same stale token, the first invalidation triggers a refresh and the
other forty-nine find a newer token already in place, instead of each forcing its own refresh.

A refresh that answers ``invalid_grant`` is final: the user must authorize again. The manager remembers that failure
and raises the same :class:`~spotify_async.errors.ReauthorizationRequired` for later calls without asking the
accounts service again, until a new token is set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ..errors import ReauthorizationRequired
from ..hooks import IdentityKind
from .accounts import AccountsClient
from .base import AuthFlow
from .token import Token

__all__ = ["TokenManager"]

log = logging.getLogger("spotify_async.auth")

#: called with the new token whenever it changes (persist it, audit it)
TokenHook = Callable[[Token], Awaitable[None]]


class TokenManager:
    """Owns the current token of one identity (the app, or one user) and refreshes it single-flight."""

    def __init__(self, flow: AuthFlow, accounts: AccountsClient, *, margin: float = 60.0) -> None:
        self.flow = flow
        self.accounts = accounts
        self._margin = margin
        self._token: Token | None = flow.initial_token
        self._stale_at = self._compute_stale_at(self._token)
        self._refreshing: asyncio.Task[Token] | None = None
        self._failure: ReauthorizationRequired | None = None
        #: token requests this manager has made (tests, demo summary)
        self.refresh_count = 0
        flow.bind(self)

    def __repr__(self) -> str:
        return f"TokenManager(flow={self.flow!r}, token={self._token!r})"

    @property
    def token(self) -> Token | None:
        """The current token (may be stale); ``None`` before the first one."""
        return self._token

    def _compute_stale_at(self, token: Token | None) -> float:
        if token is None:
            return float("-inf")
        if token.expires_at is None:
            return float("inf")
        lifetime = max(0.0, token.expires_at - time.time())
        margin = min(self._margin, lifetime / 4)
        return token.expires_at - margin

    def fresh(self) -> Token | None:
        """The current token if it is valid now, without awaiting anything; ``None`` when a refresh is due."""
        token = self._token
        if token is not None and time.time() < self._stale_at:
            return token
        return None

    async def get(self) -> Token:
        """Return a token that is valid now, refreshing (once, for all waiters) when needed."""
        token = self._token
        if token is not None and time.time() < self._stale_at:
            return token
        return await self._refresh(stale=token)

    def invalidate(self, token: Token) -> bool:
        """Forget ``token`` if it is still the current one (a 401 said it is no good). True when it was current."""
        if self._token is not None and self._token.access_token == token.access_token:
            log.debug("token invalidated after a 401")
            self._stale_at = float("-inf")
            return True
        return False

    @property
    def identity(self) -> IdentityKind:
        """Whose token this is (the flow's kind): ``"app"``, ``"user"`` or ``"token"``."""
        return self.flow.identity

    @property
    def can_refresh(self) -> bool:
        return self.flow.can_refresh(self._token)

    async def set_token(self, token: Token) -> None:
        """Replace the current token (a new login); clears a remembered ``invalid_grant`` failure."""
        self._failure = None
        self._install(token)
        await self.flow.token_changed(token)

    def _install(self, token: Token) -> None:
        self._token = token
        self._stale_at = self._compute_stale_at(token)

    async def _refresh(self, stale: Token | None) -> Token:
        if self._failure is not None:
            raise self._failure
        task = self._refreshing
        if task is None:
            task = asyncio.ensure_future(self._do_refresh(stale))
            self._refreshing = task
            task.add_done_callback(self._refresh_done)
        # shield: one cancelled waiter must not cancel the refresh the others are waiting for
        return await asyncio.shield(task)

    def _refresh_done(self, task: asyncio.Task[Token]) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter re-raises it, nobody may be left to log it

    async def _do_refresh(self, stale: Token | None) -> Token:
        # another refresh may have completed between the caller's check and this task starting
        current = self._token
        if current is not None and current is not stale and time.time() < self._stale_at:
            return current
        self.refresh_count += 1
        try:
            token = await self.flow.obtain(self.accounts, current)
        except ReauthorizationRequired as exc:
            self._failure = exc
            raise
        # persist before use: a rotated refresh token must not be lost if the process dies right after
        await self.flow.token_changed(token)
        self._install(token)
        log.debug("token obtained, expires in %s s", token.expires_in())
        return token
