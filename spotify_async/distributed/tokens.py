"""One token for every process of an app: a Redis token store and a distributed single-flight refresh.

:class:`RedisTokenStore` implements the :class:`~spotify_async.auth.stores.TokenStore` protocol (``load``, ``save``,
``delete``) on a Redis hash per key. :class:`DistributedAuth` wraps any auth flow (``ClientCredentials`` above all) so
that all processes make **one token request per expiry**:

1. A process that needs a token (cold start, near expiry, or a 401) first reads the store: a token there that is not
   the one it already has and is not near its expiry is simply adopted. No request.
2. Otherwise it tries the refresh lock: ``SET NX PX lock_ttl`` plus a fencing number from ``INCR``, in one script.
   The holder reads the store once more (a peer may have just finished), then asks the accounts service, then writes
   the token *with its fencing number*: the store refuses a write whose number is older than the stored token's, so a
   holder that stalled past its lock (a GC pause, a frozen VM) cannot replace a newer token. Then it deletes the lock
   if it is still its own.
3. A process that finds the lock taken polls the store (every ``poll`` seconds, one round trip each) until a usable
   token appears, or the lock is gone without one (the holder failed or crashed: the lock's expiry frees it) and it
   tries to take the lock itself. The whole wait is bounded by ``wait_timeout``; past it,
   :class:`~spotify_async.errors.CoordinationError`.
4. A holder whose token request fails because of the accounts service (it answers 5xx or 429, or something that is
   not a token, or cannot be reached) marks the failure in Redis for ``failure_cooldown`` seconds (the error's type
   and status, nothing else) before it lets the lock go. A refusal of this process's own request (a 4xx such as
   ``invalid_client``: a process left with an old secret, say) is not marked, so it cannot hold up the others. A
   process that finds the lock free and the mark there does not ask again: it raises
   :class:`~spotify_async.errors.AuthError` (``error="refresh_failed"``) at once, saying what failed and when the
   next request may go. So an outage of the accounts service costs one token request per cooldown for all processes
   (while a holder's attempt outlasts ``lock_ttl``, another may start one), not one per process in turn, each after
   the last one's retries; and a process whose token still works goes on with it (the
   :class:`~spotify_async.auth.TokenManager` does so after any failed refresh but ``invalid_grant``). A token stored
   clears the mark.

Within a process the :class:`~spotify_async.auth.TokenManager` still makes all coroutines share one refresh, so
Redis sees one lock attempt per process per expiry.

User flows (:class:`~spotify_async.AuthorizationCode`, :class:`~spotify_async.PKCE`, :class:`~spotify_async.TokenSwap`)
work the same way under the user's key (the flow's ``user_key``), with four more rules because their refresh tokens
may rotate and may be single-use:

* **Stored before use.** The lock holder refreshes with the *stored* token's refresh token (the newest, whoever
  rotated it last), sends the bare request (:meth:`UserFlow.grant <spotify_async.auth.user.UserFlow.grant>`), and
  writes the answer, rotated refresh token included, to Redis with its fencing number before it returns the new
  access token to anyone; only then does the flow see it (``on_change``; the flow's own store is not written again
  when it is this store).
* **The newer grant wins.** A new login saves its token with a fresh fencing number (``save``), newer than any
  holder's; a holder whose refresh raced it has its fenced write refused and returns the login's token instead.
* **A grant is never dropped.** When Redis fails just after the holder's grant (the write of the new token), the
  token is handed to the manager unstored instead of raising: the manager stores it before use (with the lock's
  fencing number) and, while Redis stays down, keeps it aside and stores it at its next try without a second grant.
  A single-use refresh token already spent on that grant would otherwise leave no live one anywhere, and
  ``fallback="local"`` would have sent the spent one again.
* **invalid_grant reaches everyone.** The holder that is refused records a digest of the refused refresh token
  beside the stored token (``refused``); every process that finds the stored token's refresh token refused raises
  :class:`~spotify_async.errors.ReauthorizationRequired` without sending it again. A new login stores a token with
  another refresh token, which the mark does not match.

What is stored, in clear, under ``<namespace>:{<client_id>}:token:<key>``: the token JSON of
:meth:`Token.to_dict <spotify_async.auth.Token.to_dict>` (access token, refresh token for user flows, expiry, scopes,
token type), the fencing number and the time it was saved. That is what a token store must hold; protect it with
Redis AUTH/ACLs and TLS (``rediss://``) as you would any credential. The client secret is never stored: each process
keeps its own, and only the process holding the lock uses it. Lock values are a random holder id and the fencing number.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import secrets
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from ..auth.base import AuthFlow
from ..auth.token import Token
from ..auth.user import UserFlow
from ..errors import (
    AuthError,
    CoordinationError,
    InvalidInput,
    ReauthorizationRequired,
    SpotifyError,
    TransportError,
    failure_summary,
)
from . import _scripts
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, open_backend, text
from .limiter import Fallback, check_fallback

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ..auth.accounts import AccountsClient
    from ..auth.manager import TokenManager

__all__ = ["DistributedAuth", "RedisRefreshLock", "RedisTokenStore", "StoredToken"]

log = logging.getLogger("spotify_async.distributed")


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # a failed unlock is harmless (the lock expires); never "exception was never retrieved"


def _service_failure(exc: SpotifyError) -> bool:
    """Whether a failed token request says the accounts service is failing (not this process's request): a network
    failure, a 5xx or 429, or a 200 that is not a token."""
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, AuthError) and not isinstance(exc, ReauthorizationRequired):
        status = exc.status
        return exc.error == "invalid_response" or (isinstance(status, int) and (status >= 500 or status == 429))
    return False


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidInput("a token store key must be a non-empty string")
    return key


def refresh_digest(refresh_token: str) -> str:
    """What marks a refused refresh token in Redis: a digest, never the token."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


@attrs.frozen(repr=False)
class StoredToken:
    """What the store holds under one key, with the state of its refresh lock (one read)."""

    token: Token | None
    #: epoch seconds the token was saved (None: unknown)
    saved_at: float | None
    #: fencing number of the stored token (None: nothing stored)
    fence: int | None
    #: milliseconds the refresh lock still has (<= 0: free)
    lock_ms: int
    #: digest of a refresh token the accounts service refused for this key (None: none was)
    refused: str | None = None
    #: what the latest refresh failed with (an error's type and status), while its mark lasts (None: no mark)
    failed: str | None = None
    #: milliseconds the failure mark still has (<= 0: none)
    failed_ms: int = 0

    @property
    def refresh_refused(self) -> bool:
        """Whether the stored token's refresh token is one the accounts service refused (log in again)."""
        token = self.token
        return (
            token is not None
            and token.refresh_token is not None
            and self.refused is not None
            and self.refused == refresh_digest(token.refresh_token)
        )

    def __repr__(self) -> str:
        return f"StoredToken(token={self.token!r}, fence={self.fence}, lock_ms={self.lock_ms})"


class RedisTokenStore:
    """A :class:`~spotify_async.auth.stores.TokenStore` in Redis, shared by every process of one app."""

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str,
        namespace: str = DEFAULT_NAMESPACE,
        timeout: float = 2.0,
    ) -> None:
        self._backend = open_backend(redis, timeout=timeout)
        self._keys = Keys(namespace, client_id)

    def __repr__(self) -> str:
        return f"<RedisTokenStore {self._backend.where} {self._keys.prefix}token:*>"

    def _names(self, key: str) -> tuple[str, str, str, str]:
        """(token hash, fence counter, refresh lock, failure mark) of ``key``."""
        _check_key(key)
        return (
            self._keys("token", key),
            self._keys("token", key, "fence"),
            self._keys("token", key, "lock"),
            self._keys("token", key, "failed"),
        )

    @property
    def backend(self) -> Backend:
        return self._backend

    def same_place(self, other: object) -> bool:
        """Whether ``other`` is a RedisTokenStore writing the same keys on the same server (another client of it)."""
        return other is self or (
            isinstance(other, RedisTokenStore)
            and other._keys.prefix == self._keys.prefix
            and other._backend.where == self._backend.where
        )

    # ------------------------------------------------------------------ TokenStore protocol
    async def load(self, key: str) -> Token | None:
        """The token stored under ``key``, or None."""
        return (await self.peek(key)).token

    async def save(self, key: str, token: Token) -> None:
        """Store ``token`` under ``key`` as the newest (a new fencing number: no earlier lock holder can replace it)."""
        await self._save(key, token, None)

    async def delete(self, key: str) -> None:
        """Forget the token under ``key`` (the fencing counter stays, so fencing remains monotonic)."""
        token_key, _, _, _ = self._names(key)
        await self._backend.execute("token delete", "DEL", token_key)

    # ------------------------------------------------------------------ fenced access
    async def save_fenced(self, key: str, token: Token, fence: int) -> bool:
        """Store ``token`` unless the stored one carries a newer fencing number; True when written."""
        return await self._save(key, token, fence)

    async def _save(self, key: str, token: Token, fence: int | None) -> bool:
        token_key, fence_key, _, failed_key = self._names(key)
        payload = orjson.dumps(token.to_dict())
        answer = await self._backend.script(
            _scripts.TOKEN_SAVE,
            [token_key, fence_key, failed_key],
            [payload.decode(), "" if fence is None else fence, time.time()],
        )
        written = int(answer[0]) == 1
        log.debug("token %s in the shared store (fence %s)", "saved" if written else "NOT saved: newer one", answer[1])
        return written

    async def peek(self, key: str) -> StoredToken:
        """The stored token, its fencing number and save time, and the refresh lock's remaining time: one read."""
        token_key, _, lock_key, failed_key = self._names(key)
        raw, saved_at, fence, lock_ms, refused, failed, failed_ms = await self._backend.script(
            _scripts.TOKEN_PEEK, [token_key, lock_key, failed_key], []
        )
        token: Token | None = None
        body = text(raw)
        if body:
            try:
                token = Token.from_dict(orjson.loads(body))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                # never quote the content: it holds a token
                raise CoordinationError(f"the token stored under {token_key!r} is unreadable; delete it") from None
        saved = text(saved_at)
        fence_text = text(fence)
        return StoredToken(
            token=token,
            saved_at=float(saved) if saved else None,
            fence=int(fence_text) if fence_text else None,
            lock_ms=int(lock_ms),
            refused=text(refused) or None,
            failed=text(failed) or None,
            failed_ms=int(failed_ms),
        )

    async def mark_refused(self, key: str, refresh_token: str) -> None:
        """Record that ``refresh_token`` was refused (``invalid_grant``), so no process sends it again."""
        token_key, _, _, _ = self._names(key)
        await self._backend.execute("token refused", "HSET", token_key, "refused", refresh_digest(refresh_token))

    async def mark_failed(self, key: str, what: str, seconds: float) -> None:
        """Record for ``seconds`` that a refresh of ``key`` failed with ``what`` (an error's type and status: never a
        message, which may quote a server), so that no process asks again meanwhile; a token saved clears it."""
        _, _, _, failed_key = self._names(key)
        await self._backend.execute("token failed", "SET", failed_key, what, "PX", max(1, int(seconds * 1000)))

    def lock(self, key: str, *, ttl: float = 10.0) -> RedisRefreshLock:
        """The refresh lock of ``key`` (same Redis client)."""
        _, fence_key, lock_key, _ = self._names(key)
        return RedisRefreshLock._from_keys(self._backend, lock_key, fence_key, ttl)

    async def aclose(self) -> None:
        """Close the Redis client if this store created it."""
        await self._backend.aclose()


class RedisRefreshLock:
    """A lock with an expiry and a fencing number: at most one refresher at a time, and none blocked forever.

    ``acquire()`` returns the fencing number (strictly increasing per key) or None when another holder has it;
    ``release(fence)`` deletes the lock only if it is still the caller's. A holder that dies simply lets it expire.
    """

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str,
        key: str = "app",
        namespace: str = DEFAULT_NAMESPACE,
        ttl: float = 10.0,
        timeout: float = 2.0,
    ) -> None:
        keys = Keys(namespace, client_id)
        _check_key(key)
        self._setup(open_backend(redis, timeout=timeout), keys("token", key, "lock"), keys("token", key, "fence"), ttl)

    @classmethod
    def _from_keys(cls, backend: Backend, lock_key: str, fence_key: str, ttl: float) -> RedisRefreshLock:
        lock = object.__new__(cls)
        lock._setup(backend, lock_key, fence_key, ttl)
        return lock

    def _setup(self, backend: Backend, lock_key: str, fence_key: str, ttl: float) -> None:
        if ttl <= 0:
            raise InvalidInput("the lock ttl must be > 0 seconds")
        self._backend = backend
        self._lock_key = lock_key
        self._fence_key = fence_key
        self.ttl = ttl
        self._holder = secrets.token_hex(8)

    def __repr__(self) -> str:
        return f"<RedisRefreshLock {self._lock_key} ttl={self.ttl:g}s>"

    async def acquire(self) -> int | None:
        """Take the lock for ``ttl`` seconds: the fencing number, or None if someone else holds it."""
        ms = max(1, int(self.ttl * 1000))
        answer = await self._backend.script(
            _scripts.LOCK_ACQUIRE, [self._lock_key, self._fence_key], [self._holder, ms]
        )
        return int(answer[1]) if int(answer[0]) == 1 else None

    async def release(self, fence: int) -> bool:
        """Delete the lock if it is still ours (taken with ``fence``); True when deleted."""
        answer = await self._backend.script(_scripts.LOCK_RELEASE, [self._lock_key], [f"{self._holder}|{fence}"])
        return int(answer) == 1


class DistributedAuth(AuthFlow):
    """Wraps an auth flow so that every process of the app shares one token through a :class:`RedisTokenStore`.

    ``Spotify(DistributedAuth(ClientCredentials(id, secret), store), ...)`` in every process: one token request per
    expiry for all of them (see the module docstring). ``key`` names the token in the store: by default the user
    flow's ``user_key``, else ``"app"`` (the app's client-credentials token). ``lock_ttl`` bounds how long a crashed refresher can
    hold the others up; ``wait_timeout`` (default ``3 * lock_ttl + 5``) bounds a waiter in all; ``failure_cooldown``
    (default 5 s; 0: off) is how long, after a failed token request, no process asks again (step 4 of the module
    docstring).
    """

    def __init__(
        self,
        flow: AuthFlow,
        store: RedisTokenStore,
        *,
        key: str | None = None,
        lock_ttl: float = 10.0,
        margin: float = 60.0,
        wait_timeout: float | None = None,
        poll: float = 0.05,
        fallback: Fallback = "error",
        failure_cooldown: float = 5.0,
    ) -> None:
        if not isinstance(flow, AuthFlow):
            raise InvalidInput(f"flow must be an AuthFlow such as ClientCredentials, not {type(flow).__name__}")
        if isinstance(flow, DistributedAuth):
            raise InvalidInput("the flow is already distributed")
        check_fallback(fallback)
        if poll <= 0:
            raise InvalidInput("poll must be > 0 seconds")
        if (
            isinstance(failure_cooldown, bool)
            or not isinstance(failure_cooldown, (int, float))
            or not 0 <= failure_cooldown < float("inf")
        ):
            raise InvalidInput(f"failure_cooldown must be a finite number of seconds >= 0, got {failure_cooldown!r}")
        if key is None:
            if isinstance(flow, UserFlow):
                if flow.user_key is None:
                    raise InvalidInput(
                        "a user flow shares its token under its user_key: use login.for_user(key), or pass key="
                    )
                key = flow.user_key
            else:
                key = "app"
        self.flow = flow
        self.store = store
        self.key = _check_key(key)
        self.client_id = flow.client_id
        self.identity = flow.identity
        self.lock = store.lock(key, ttl=lock_ttl)
        self.margin = margin
        self.wait_timeout = wait_timeout if wait_timeout is not None else 3 * lock_ttl + 5.0
        self.poll = poll
        self.fallback: Fallback = fallback
        self.failure_cooldown = float(failure_cooldown)
        self._known: Token | None = None  # the last token this wrapper stored or adopted (token_changed skips it)
        #: a token this process was granted under the lock but could not store (Redis failed), and that lock's fence
        self._unstored: tuple[Token, int] | None = None
        #: token requests this process made through the wrapped flow
        self.token_requests = 0
        #: tokens adopted from the shared store instead of being requested
        self.adopted = 0

    shared = True

    def __repr__(self) -> str:
        return f"DistributedAuth({self.flow!r}, key={self.key!r})"

    # ------------------------------------------------------------------ AuthFlow
    @property
    def initial_token(self) -> Token | None:
        return self.flow.initial_token

    def can_refresh(self, current: Token | None) -> bool:
        return self.flow.can_refresh(current)

    def bind(self, manager: TokenManager) -> None:
        super().bind(manager)
        self.flow.bind(manager)  # a login on the wrapped flow goes to this manager, and through this wrapper to Redis

    async def token_changed(self, token: Token) -> None:
        if token is not self._known:
            unstored = self._unstored
            if unstored is not None and unstored[0] is token:
                # granted under the lock but not stored then: stored now with that lock's fence, so a login stored
                # meanwhile (a newer fence) is not replaced
                if not await self.store.save_fenced(self.key, token, unstored[1]):
                    log.debug("a newer token was stored while this one waited to be; it stays the stored one")
                self._unstored = None
            else:
                # a token from outside the shared refresh (a new login): it becomes the newest for every process
                await self.store.save(self.key, token)
            self._known = token
        await self._tell_flow(token)

    async def _store_granted(self, token: Token, fence: int) -> bool | None:
        """Store a token just granted under the lock (fenced): True when written, False when a newer one is stored,
        None when Redis failed. Then the token is not lost (for a user flow its refresh token may be the only live
        one now): it is returned to the manager unstored, whose save (:meth:`token_changed`) stores it, and which
        keeps it aside until it can."""
        try:
            return await self.store.save_fenced(self.key, token, fence)
        except CoordinationError:
            log.warning("the new token could not be stored in the shared store; it is kept and stored when it can be")
            self._unstored = (token, fence)
            return None

    async def _tell_flow(self, token: Token) -> None:
        flow = self.flow
        if isinstance(flow, UserFlow):
            # already in this store: the flow must not write it again (unfenced), only take it and fire its hook
            await flow.adopt(token, stored=self.store.same_place(flow.store))
        else:
            await flow.token_changed(token)

    def _usable(self, stored: StoredToken, current: Token | None) -> Token | None:
        token = stored.token
        if token is None:
            return None
        if current is not None and token.access_token == current.access_token:
            return None  # the very token the caller found stale or was refused with
        if token.expires_at is None:
            return token
        now = time.time()
        lifetime = token.expires_at - (stored.saved_at if stored.saved_at is not None else now)
        margin = min(self.margin, max(0.0, lifetime) / 4)
        return token if now < token.expires_at - margin else None

    def _adopt(self, token: Token) -> Token:
        self._known = token
        self.adopted += 1
        return token

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        """A token newer than ``current``: from the store, or requested by the one process holding the lock."""
        try:
            return await self._obtain(accounts, current)
        except CoordinationError as exc:
            if self.fallback != "local":
                raise
            log.warning("shared token store unavailable, requesting a token for this process alone: %s", exc)
            self.token_requests += 1
            return await self.flow.obtain(accounts, current)

    async def _obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        deadline = time.monotonic() + self.wait_timeout
        while True:
            stored = await self.store.peek(self.key)
            found = self._usable(stored, current)
            if found is not None:
                return self._adopt(found)
            self._check_refused(stored)
            if stored.lock_ms <= 0:
                self._check_failed(stored)
                fence = await self.lock.acquire()
                if fence is not None:
                    return await self._refresh(accounts, current, fence)
            # someone else is refreshing: wait for their token, or for their lock to lapse
            while True:
                if time.monotonic() >= deadline:
                    raise CoordinationError(
                        f"no shared token appeared within {self.wait_timeout:g}s while another process held the "
                        "refresh lock"
                    )
                await asyncio.sleep(self.poll * random.uniform(0.8, 1.2))
                stored = await self.store.peek(self.key)
                found = self._usable(stored, current)
                if found is not None:
                    return self._adopt(found)
                self._check_refused(stored)
                if stored.lock_ms <= 0:
                    break  # free: the holder failed or died; try to take it

    def _check_failed(self, stored: StoredToken) -> None:
        if stored.failed is not None and stored.failed_ms > 0:
            raise AuthError(
                "refresh_failed",
                f"the app's last token request (in this or another process) failed moments ago ({stored.failed}); "
                f"no process asks again for {stored.failed_ms / 1000:.1f} s",
            )

    async def _grant(self, grant: Awaitable[Token]) -> Token:
        """Await the wrapped flow's token request; a failure of the accounts service (:func:`_service_failure`) is
        marked for the other processes before it propagates."""
        try:
            return await grant
        except SpotifyError as exc:
            if self.failure_cooldown > 0 and _service_failure(exc):
                try:
                    await self.store.mark_failed(self.key, failure_summary(exc), self.failure_cooldown)
                except CoordinationError:
                    pass  # the others will ask themselves: no worse than without the mark
            raise

    def _check_refused(self, stored: StoredToken) -> None:
        if stored.refresh_refused:
            raise ReauthorizationRequired(
                "invalid_grant", "the stored refresh token was refused (seen by another process): log in again"
            )

    async def _refresh(self, accounts: AccountsClient, current: Token | None, fence: int) -> Token:
        try:
            stored = await self.store.peek(self.key)
            found = self._usable(stored, current)
            if found is not None:  # a peer finished between our read and our lock
                return self._adopt(found)
            self._check_refused(stored)
            self._check_failed(stored)  # marked between our read and our lock
            base = current
            if stored.token is not None and (current is None or stored.token != current):
                # the stored token is the newest one (its refresh token, for user flows, is the live one)
                base = stored.token
                if not isinstance(self.flow, UserFlow):
                    await self.flow.token_changed(base)
            flow = self.flow
            if not isinstance(flow, UserFlow):
                self.token_requests += 1
                token = await self._grant(flow.obtain(accounts, base))
                written = await self._store_granted(token, fence)
                if written is None:
                    return token
                if not written:
                    log.debug("a newer token was stored while this process refreshed; using its own for now")
                self._known = token
                return token
            return await self._refresh_user(flow, accounts, base, fence)
        finally:
            await self._unlock(fence)

    async def _refresh_user(self, flow: UserFlow, accounts: AccountsClient, base: Token | None, fence: int) -> Token:
        if base is None:
            raise ReauthorizationRequired("no_token", f"no token is stored for {self.key!r}: the user must log in")
        self.token_requests += 1
        try:
            token = await self._grant(flow.grant(accounts, base))
        except ReauthorizationRequired:
            if base.refresh_token is not None:
                await self.store.mark_refused(self.key, base.refresh_token)
            raise
        # stored (with the rotated refresh token) before anyone may use the new access token
        written = await self._store_granted(token, fence)
        if written is None:
            return token  # the manager stores it before use (token_changed), or keeps it aside: never lost
        if not written:
            newer = (await self.store.peek(self.key)).token
            if newer is not None:
                log.debug("a new login was stored while this process refreshed; the login's token wins")
                return self._adopt(newer)
        self._known = token
        return token

    async def _unlock(self, fence: int) -> None:
        task: asyncio.Future[Any] = asyncio.ensure_future(self.lock.release(fence))
        task.add_done_callback(_retrieve)
        try:
            await asyncio.shield(task)
        except CoordinationError:
            pass  # the lock expires on its own
