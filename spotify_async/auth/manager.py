"""TokenManager: the one owner of an identity's current token, refreshed once for everyone who is waiting.

Theory
------
There is exactly one owner of the current token per identity (the app, or one user): its ``TokenManager``. Flows
(:class:`~spotify_async.auth.base.AuthFlow`) only describe *how* to get a token (a grant, a refresh) and where to
persist it; they never hold the live token for a client, never push tokens into managers and keep no lock of their
own. A new login that a flow completes (:meth:`UserFlow.set_token <spotify_async.auth.user.UserFlow.set_token>`,
``exchange``, ``load``) is handed to the flow's owner, :meth:`TokenManager.set_token`, so every rule below is decided
here, in one place. Two clients of one app on the same flow object (``sp.for_user(flow)`` twice) share one manager.

Every request asks the manager for a token right before it is sent. The common case must cost nothing: the cached
token is returned without awaiting anything. Time is read from the manager's :class:`~spotify_async.http.clock.Clock`
(the session's, so a test's :class:`~spotify_async.testing.FakeClock` moves token expiry too): when a token is
installed, its remaining lifetime (``expires_at`` is wall-clock epoch seconds, so that it survives a restart in a
store) is turned into a deadline on the clock. A token counts as stale ``margin`` seconds before it expires, where the
margin is the configured one (60 s by default) but never more than a quarter of the token's remaining lifetime, so a
token that lives two seconds in a test is not refreshed forever.

When the token is absent or stale, exactly one coroutine becomes the *refresher*: it creates a task that performs the
grant (client credentials, or a refresh for user flows) and stores it as the in-flight refresh; the in-flight task is
the manager's one lock. The task checks again before it asks the accounts service (another refresh, or a login, may
have installed a good token between the caller's check and the task starting). Everyone else who arrives while that
task runs awaits the same task (shielded, so a cancelled waiter does not cancel the refresh for the others). A
thousand concurrent calls on a cold start therefore make one token request, and they all see the same outcome: the
new token, or the same exception.

A new token is persisted (:meth:`AuthFlow.token_changed`: the store, then the ``on_change`` hook) *before* it is
installed, so a rotated refresh token cannot be lost if the process dies right after. When that save fails, the token
is kept aside and the next refresh saves it again instead of sending a second grant.

A 401 from the Web API means the token we sent is no longer good. ``invalidate(token)`` drops it only if it is still
the current one: when fifty requests fail with the same stale token, the first invalidation triggers a refresh and the
other forty-nine find a newer token already in place, instead of each forcing its own refresh.

Inside the margin the current token still works, and the manager acts on that. A caller that finds the token there
waits for the refresh at most :data:`AHEAD_PATIENCE` (one second): a refresh that takes longer (an accounts service
that is slow or unreachable, its retries) goes on for the callers after it while this one goes ahead with the current
token. A refresh that fails for a reason other than ``invalid_grant`` (the accounts service answers 5xx or 429, cannot
be reached, refuses the client, the shared store cannot be read or written) does not fail the calls either: its
waiters get the current token, a warning is logged (the error's type, never a token), and the next refresh is tried
``1, 2, 4 ... 30`` seconds later (:data:`RETRY_DELAYS`, and never later than a second before the token expires);
until then the token counts as fresh again, so calls meanwhile send no token request and do not wait. A token a 401
refused, one that has expired (or has less than a second left), and a fixed token that cannot be refreshed are never
handed out this way: then the caller waits for the refresh and its failure reaches it as before. A new token resets
the delays.

A refresh that answers ``invalid_grant`` is final: the user must authorize again. The manager remembers that failure
and raises the same :class:`~spotify_async.errors.ReauthorizationRequired` for later calls without asking the
accounts service again, until a new token is set. A flow whose token is shared with other processes
(:attr:`AuthFlow.shared`, the Redis one) is asked again instead: another process may have stored a new login, and
the flow itself knows the refusal without a request.

The newer grant wins. :meth:`set_token` (a new login) starts a new *generation* before it awaits anything; a refresh
records the generation it started in, and when that changed while it was in flight it lost the race: whatever it
brings back (a token or ``invalid_grant``) is neither persisted, installed nor remembered, and its waiters get the
login's token. (A refreshed token already being saved when the login arrives is not installed either.) A refresh that
would start while a login is still being persisted has lost before it began: its waiters get the login's token, and no
request is sent. That comparison is made here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ..errors import InvalidInput, ReauthorizationRequired, SpotifyError, failure_summary
from ..hooks import IdentityKind
from ..http.clock import SYSTEM_CLOCK, Clock
from .accounts import AccountsClient
from .base import AuthFlow
from .token import Token

__all__ = ["AHEAD_PATIENCE", "RETRY_DELAYS", "TokenManager"]

log = logging.getLogger("spotify_async.auth")

#: seconds before the next refresh after 1, 2, 3 ... failed ones while the current token still works (then the last)
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
#: seconds a caller whose token still works waits for a refresh in flight before it goes ahead with that token
AHEAD_PATIENCE = 1.0
#: a token with less than this left is not handed out after a failed refresh (a request sent with it would arrive late)
_LAST_SECOND = 1.0


class TokenManager:
    """Owns the current token of one identity (the app, or one user) and refreshes it single-flight.

    ``clock`` is what expiry and the refresh margin are measured on (``Spotify(clock=...)`` passes its own).
    """

    def __init__(
        self, flow: AuthFlow, accounts: AccountsClient, *, margin: float = 60.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.flow = flow
        self.accounts = accounts
        self.clock = clock
        # the system clock read directly: get() runs before every request
        self._now: Callable[[], float] = time.monotonic if clock is SYSTEM_CLOCK else clock.now
        self._margin = margin
        self._token: Token | None = None
        self._stale_at = float("-inf")
        #: when the current token expires on the clock (no margin); -inf once a 401 refused it
        self._expires_at = float("-inf")
        #: refreshes failed in a row while the current token still worked (picks the next delay)
        self._failed = 0
        self._install(flow.initial_token)
        self._refreshing: asyncio.Task[Token] | None = None
        self._failure: ReauthorizationRequired | None = None
        self._generation = 0  # +1 on every set_token (a new login): a refresh from an older one lost the race
        self._newest: Token | None = None  # the token of the latest set_token (installed once persisted)
        self._unsaved: Token | None = None  # a granted token whose save failed: saved again, not granted again
        self._saving = 0  # logins being persisted by set_token: a refresh that starts meanwhile has lost to them
        #: token requests this manager has made (tests, demo summary)
        self.refresh_count = 0
        #: failed refreshes answered with the still-unexpired current token (see the module docstring)
        self.refresh_failures = 0
        flow.bind(self)

    @classmethod
    def owning(
        cls, flow: AuthFlow, accounts: AccountsClient, *, margin: float = 60.0, clock: Clock = SYSTEM_CLOCK
    ) -> TokenManager:
        """The manager that owns ``flow``'s token for clients of ``accounts`` (one app): the one already bound to
        the flow when it serves the same app, else a new one, which becomes the flow's owner."""
        owner = flow.owner
        if owner is not None and owner.accounts is accounts:
            return owner
        return cls(flow, accounts, margin=margin, clock=clock)

    def __repr__(self) -> str:
        return f"TokenManager(flow={self.flow!r}, token={self._token!r})"

    @property
    def token(self) -> Token | None:
        """The current token (may be stale); ``None`` before the first one."""
        return self._token

    def _deadline(self, token: Token | None) -> float:
        """When ``token`` turns stale, on this manager's clock."""
        if token is None:
            return float("-inf")
        if token.expires_at is None:
            return float("inf")
        left = token.expires_at - time.time()  # expires_at is wall-clock epoch seconds
        return self._now() + left - min(self._margin, max(0.0, left) / 4)

    def _install(self, token: Token | None) -> None:
        self._token = token
        self._stale_at = self._deadline(token)
        self._failed = 0  # a new token: the next failed refresh starts the delays again
        if token is None:
            self._expires_at = float("-inf")
        elif token.expires_at is None:
            self._expires_at = float("inf")
        else:
            self._expires_at = self._now() + token.expires_at - time.time()

    def fresh(self) -> Token | None:
        """The current token if it is valid now, without awaiting anything; ``None`` when a refresh is due."""
        token = self._token
        if token is not None and self._now() < self._stale_at:
            return token
        return None

    async def get(self) -> Token:
        """Return a token that is valid now, refreshing (once, for all waiters) when needed."""
        token = self._token
        if token is not None and self._now() < self._stale_at:
            return token
        return await self._refresh(stale=token)

    def invalidate(self, token: Token) -> bool:
        """Forget ``token`` if it is still the current one (a 401 said it is no good). True when it was current."""
        if self._token is not None and self._token.access_token == token.access_token:
            log.debug("token invalidated after a 401")
            self._stale_at = float("-inf")
            self._expires_at = float("-inf")  # refused: never handed out again, not even after a failed refresh
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
        """Make ``token`` the current token (a new login): persisted through the flow (which skips a token it read
        from its own store), then installed; clears a remembered ``invalid_grant`` failure. A refresh in flight now
        lost the race: when it completes, its answer is dropped and its waiters get this token."""
        self._generation += 1  # before any await
        self._newest = token
        self._failure = None
        self._unsaved = None
        self._saving += 1
        try:
            await self.flow.token_changed(token)
        finally:
            self._saving -= 1
        if self._newest is token:  # not overtaken by a later login while saving
            self._install(token)

    async def _refresh(self, stale: Token | None) -> Token:
        if self._failure is not None and not self.flow.shared:
            raise self._failure
        task = self._refreshing
        if task is None or task.done():
            # done but not yet cleared by its callback: under an eager task factory a refresh that needs no request
            # finishes inside ensure_future, and its answer is not the one a later 401 asks for
            task = asyncio.ensure_future(self._do_refresh(stale))
            self._refreshing = task
            task.add_done_callback(self._refresh_done)
        # shield: one cancelled waiter must not cancel the refresh the others are waiting for
        if stale is None or stale is not self._token or not self._still_works() or not self.flow.can_refresh(stale):
            return await asyncio.shield(task)
        # the token in hand still works (inside the margin): wait for the refresh only so long
        try:
            return await asyncio.wait_for(asyncio.shield(task), AHEAD_PATIENCE)
        except asyncio.TimeoutError:
            if task.done() or stale is not self._token or not self._still_works():
                return await asyncio.shield(task)
            log.debug("the token refresh is slow; going ahead with the current token meanwhile")
            return stale

    def _refresh_done(self, task: asyncio.Task[Token]) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter re-raises it, nobody may be left to log it

    def _still_works(self) -> bool:
        """Whether the current token may still be sent: not refused by a 401, and not about to expire."""
        return self._now() < self._expires_at - _LAST_SECOND

    def _instead_of_raising(self, generation: int, current: Token | None, exc: SpotifyError) -> Token | None:
        """What a refresh (started in ``generation``, from ``current``) that failed with ``exc`` hands out instead of
        raising: a login's token set meanwhile, ``current`` while it still works (and the delay before the next try
        starts), or ``None`` (raise ``exc``)."""
        newer = self._lost(generation)
        if newer is not None:
            return newer
        # (only a login installs a token during a refresh, and _lost or the start of _do_refresh saw it: the token is
        # still ``current`` here)
        if isinstance(exc, InvalidInput) or current is None or not self.flow.can_refresh(current):
            return None  # a mistake in the call, nothing to fall back on, or a fixed token
        if not self._still_works():
            return None
        return self._keep_after_failure(current, exc)

    def _keep_after_failure(self, current: Token, exc: Exception) -> Token:
        """A refresh failed but ``current`` still works: hand it out, and try again after the next delay."""
        delay = RETRY_DELAYS[min(self._failed, len(RETRY_DELAYS) - 1)]
        self._failed += 1
        self.refresh_failures += 1
        now = self._now()
        self._stale_at = min(now + delay, self._expires_at - _LAST_SECOND)
        log.warning(
            "token refresh failed (%s); the current token works for %.0f s more: using it, next refresh in %.1f s",
            failure_summary(exc),
            self._expires_at - now,
            self._stale_at - now,
        )
        return current

    def _lost(self, generation: int) -> Token | None:
        """The login's token when one was set since ``generation`` (the newer grant wins), else None."""
        return self._newest if self._generation != generation else None

    async def _do_refresh(self, stale: Token | None) -> Token:
        if self._saving and self._newest is not None:
            # a login is being persisted: it is newer than anything this refresh could get, so the refresh has lost
            # before it began (as one a login overtakes does), and its waiters get the login's token with no request
            return self._newest
        # the second check: a refresh or a login may have installed a good token since the caller looked
        current = self._token
        if current is not None and current is not stale and self._now() < self._stale_at:
            return current
        generation = self._generation
        token = self._unsaved
        if token is None or self._deadline(token) <= self._now():
            self.refresh_count += 1
            try:
                token = await self.flow.obtain(self.accounts, current)
            except ReauthorizationRequired as exc:
                newer = self._lost(generation)
                if newer is not None:
                    return newer  # a login completed meanwhile: its token stands, this refusal is moot
                self._failure = exc
                raise
            except SpotifyError as exc:
                instead = self._instead_of_raising(generation, current, exc)
                if instead is None:
                    raise
                return instead
        newer = self._lost(generation)
        if newer is not None:
            log.debug("a new token was set during the refresh; the refresh's token is discarded")
            return newer
        # persist before use: a rotated refresh token must not be lost if the process dies right after
        self._unsaved = token
        try:
            await self.flow.token_changed(token)
        except SpotifyError as exc:
            # not persisted, so not used (a rotated refresh token must not be lost): kept aside and saved again at
            # the next refresh, and meanwhile the current token goes on while it works
            instead = self._instead_of_raising(generation, current, exc)
            if instead is None:
                raise
            return instead
        self._unsaved = None
        newer = self._lost(generation)
        if newer is not None:
            return newer  # a login completed while this token was being saved: the login's stands
        self._install(token)
        log.debug("token obtained, expires in %s s", token.expires_in())
        return token
