"""User authorization: the Authorization Code flow (confidential backends) and PKCE (CLIs, desktop, anything without a
secret), with login state, redirect-URI rules, refresh and persistence.

A login has two halves. :meth:`UserFlow.authorize_url` (or ``await`` :meth:`UserFlow.login_url`) sends the user to
Spotify with a fresh ``state`` (and, for PKCE, the S256 challenge of a fresh code verifier), which the flow's
:class:`~spotify_async.auth.state.StateStore` remembers for ten minutes: in this process by default, in Redis or in
the state itself (signed) when several workers serve the callback. Spotify redirects back with ``code`` and
``state``; :meth:`UserFlow.exchange` (or :meth:`UserFlow.exchange_callback` with the whole callback URL) takes the
state from the store (a state is good once) and trades the code for a token. The token is handed to the flow's owner
(the :class:`~spotify_async.auth.TokenManager` of the client using the flow), which saves it in the flow's store (when
it has one) and uses it; a flow no client uses yet saves and keeps it itself, for the first client to start with.

The flow describes how to get a token; its owner holds it. Refresh rules (the owner decides when and how often, see
:mod:`spotify_async.auth.manager`; the flow does the request and the saving):

* One refresh at a time per user: the owner's single flight, and one owner per flow for the clients of one app
  (``sp.for_user(flow)`` twice shares it); with single-use refresh tokens a second concurrent refresh would revoke
  the grant.
* A refresh is never retried once the request may have reached the server (``repeatable=False``).
* A new ``refresh_token`` in the answer is saved (store, then the ``on_change`` hook) before the new access token is
  returned to anyone; an answer without one keeps the old refresh token.
* ``invalid_grant`` raises :class:`~spotify_async.errors.ReauthorizationRequired`; the flow remembers it, so no
  client sends that refresh token again. A new login (exchange or load) clears it.
* Confidential refresh sends the Basic client header; PKCE sends ``client_id`` and no secret.
* The newer grant wins: a new login (:meth:`UserFlow.set_token`, :meth:`exchange`, :meth:`load`) goes to the owner,
  and a refresh that was in flight meanwhile has its answer (a token or ``invalid_grant``) dropped there, so it can
  neither overwrite the new login nor mark it as needing reauthorization.

Many users under one app: keep one flow as the login helper and give each user a flow of their own with
:meth:`UserFlow.for_user` (same credentials, store and hook; its own token and key), then
``app.for_user(user_flow)``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp

from ..config import ACCOUNTS_BASE, Config
from ..errors import AuthError, InvalidInput, ReauthorizationRequired
from .accounts import AccountsClient
from .base import AuthFlow, TokenChangeHook, call_hook
from .scopes import Scope, normalize_scopes
from .state import MemoryStateStore, PendingLogin, StateStore, SyncStateStore
from .stores import TokenStore
from .token import Token

__all__ = [
    "PKCE",
    "AuthorizationCode",
    "StateMismatch",
    "TokenChangeHook",
    "UserFlow",
    "check_redirect_uri",
    "code_challenge",
    "generate_code_verifier",
]

log = logging.getLogger("spotify_async.auth")


F = TypeVar("F", bound="UserFlow")

_VERIFIER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


class StateMismatch(InvalidInput):
    """The ``state`` of a callback is not one this flow issued (forged, expired, already used, or missing)."""


def check_redirect_uri(uri: str) -> str:
    """Return ``uri`` if Spotify accepts it as a redirect URI, else raise InvalidInput saying why.

    Spotify accepts HTTPS anywhere and plain HTTP only on the loopback literals ``127.0.0.1`` and ``[::1]``; it
    refuses ``localhost`` (since 2025). The URI must also be registered, exactly, in the app's dashboard.
    """
    if not isinstance(uri, str) or not uri:
        raise InvalidInput("redirect_uri must be a non-empty string")
    try:
        split = urlsplit(uri)
        host = split.hostname
        split.port  # noqa: B018 - parses the port: a bad one raises ValueError here
    except ValueError:
        raise InvalidInput(f"redirect_uri {uri!r} is not a valid URL") from None
    if split.fragment:
        raise InvalidInput("redirect_uri must not contain a fragment (#...)")
    if not host:
        raise InvalidInput(f"redirect_uri {uri!r} has no host")
    if host == "localhost" or host.endswith(".localhost"):
        raise InvalidInput(
            f"redirect_uri {uri!r} uses 'localhost', which Spotify refuses: use the loopback literal instead, "
            "http://127.0.0.1:PORT/callback (or http://[::1]:PORT/callback), and register exactly that URI in the "
            "app's dashboard"
        )
    if split.scheme == "https":
        return uri
    if split.scheme == "http":
        if host in ("127.0.0.1", "::1"):
            return uri
        raise InvalidInput(
            f"redirect_uri {uri!r} must use HTTPS: Spotify allows plain http only for the loopback addresses "
            "http://127.0.0.1:PORT and http://[::1]:PORT"
        )
    raise InvalidInput(f"redirect_uri {uri!r} must be an https:// URL (or http:// on 127.0.0.1 / [::1])")


def generate_code_verifier(length: int = 64) -> str:
    """A fresh PKCE code verifier: ``length`` (43 to 128) random characters of ``[A-Za-z0-9-._~]``."""
    if not 43 <= length <= 128:
        raise InvalidInput("a PKCE code verifier has 43 to 128 characters")
    return "".join(secrets.choice(_VERIFIER_CHARS) for _ in range(length))


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: base64url(SHA-256(verifier)) without padding (RFC 7636, section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class UserFlow(AuthFlow):
    """What :class:`AuthorizationCode` and :class:`PKCE` share: login state, exchange, refresh, persistence."""

    identity = "user"

    #: how long a login started by authorize_url() may take before its state is forgotten (seconds)
    login_lifetime: float = 600.0
    #: most logins the default in-memory state store remembers at once (the oldest is forgotten first)
    max_pending: int = 1024

    def __init__(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str | Scope] | str = (),
        token: Token | None = None,
        store: TokenStore | None = None,
        user_key: str | None = None,
        accounts_base: str | None = None,
        on_change: TokenChangeHook | None = None,
        state_store: StateStore | None = None,
    ) -> None:
        if not client_id or not isinstance(client_id, str):
            raise InvalidInput("client_id must be a non-empty string")
        if state_store is not None and not isinstance(state_store, StateStore):
            raise InvalidInput(
                "state_store must be a StateStore (MemoryStateStore, SignedStateStore, distributed.RedisStateStore)"
            )
        if token is not None and not isinstance(token, Token):
            raise InvalidInput("token must be a spotify_async.Token (Token.from_dict() reads a stored one)")
        if user_key is not None and (not isinstance(user_key, str) or not user_key):
            raise InvalidInput("user_key must be a non-empty string")
        self.client_id = client_id
        self.redirect_uri = check_redirect_uri(redirect_uri)
        self.scopes: frozenset[str] = normalize_scopes(scopes)
        self.store = store
        self.on_change = on_change
        self._accounts_base = accounts_base.rstrip("/") if accounts_base else None
        #: where pending logins wait for their callback (shared by the flows for_user() makes)
        self.state_store: StateStore = (
            state_store if state_store is not None else MemoryStateStore(max_entries=self.max_pending)
        )
        self._reset(token, user_key)

    def _reset(self, token: Token | None, user_key: str | None) -> None:
        self.user_key = user_key
        self._token = token
        self._persisted: Token | None = token  # a token given or loaded needs no saving
        self._failed_refresh: str | None = None  # refresh token that got invalid_grant
        self._saving: Token | None = None  # the token being saved right now (not to be saved twice)
        self._owner = None  # a copy made by for_user() has no client yet

    # ---------------------------------------------------------------- identity
    @property
    def token(self) -> Token | None:
        """This flow's current token (``None`` before a login or load): its owner's, which the owner saved through
        this flow, so the flow still has it when the client is gone."""
        owner = self.owner
        return owner.token if owner is not None else self._token

    @property
    def accounts_base(self) -> str:
        """Where the accounts service is: as given, else the base of the client using this flow, else Spotify's."""
        if self._accounts_base is not None:
            return self._accounts_base
        owner = self.owner
        return owner.accounts.accounts_base if owner is not None else ACCOUNTS_BASE

    def for_user(self: F, user_key: str, token: Token | None = None) -> F:
        """A flow for one user with the same app credentials, redirect URI, scopes, store and hook, but its own
        key and token. Pass it to ``app.for_user(...)``; call :meth:`load` first to read a stored token."""
        if not isinstance(user_key, str) or not user_key:
            raise InvalidInput("user_key must be a non-empty string")
        clone = copy.copy(self)
        clone._reset(token, user_key)
        return clone

    async def restore(self: F, user_key: str) -> F | None:
        """The flow of a user whose token is in the store (``None`` when the store has no token for them)."""
        flow = self.for_user(user_key)
        return flow if await flow.load() is not None else None

    # ---------------------------------------------------------------- login, first half
    def authorize_url(self, state: str | None = None, show_dialog: bool = False) -> str:
        """The URL to send the user to. A fresh ``state`` is generated unless given; the flow's state store remembers
        it (and the PKCE verifier) for :attr:`login_lifetime` seconds. ``show_dialog`` asks Spotify to show the
        consent screen even to a user who already approved the app (lets them switch accounts).

        Needs a store that remembers without I/O (the default :class:`~spotify_async.MemoryStateStore`, or
        :class:`~spotify_async.SignedStateStore`); with any store, ``await`` :meth:`login_url`."""
        store = self.state_store
        if not isinstance(store, SyncStateStore):
            raise InvalidInput(
                f"this flow's state store ({type(store).__name__}) needs I/O to remember a login: "
                "use 'await flow.login_url()' instead of flow.authorize_url()"
            )
        params, login = self._start_login(state, show_dialog)
        params["state"] = store.put_now(login, state=state, lifetime=self.login_lifetime)
        return f"{self.accounts_base}/authorize?{urlencode(params)}"

    async def login_url(self, state: str | None = None, show_dialog: bool = False) -> str:
        """:meth:`authorize_url` for every kind of state store (Redis included)."""
        params, login = self._start_login(state, show_dialog)
        params["state"] = await self.state_store.put(login, state=state, lifetime=self.login_lifetime)
        return f"{self.accounts_base}/authorize?{urlencode(params)}"

    def _start_login(self, state: str | None, show_dialog: bool) -> tuple[dict[str, str], PendingLogin]:
        if state is not None and (not isinstance(state, str) or not state):
            raise InvalidInput("state must be a non-empty string")
        params: dict[str, str] = {
            "client_id": self.client_id or "",
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
        }
        if self.scopes:
            params["scope"] = " ".join(sorted(self.scopes))
        if show_dialog:
            params["show_dialog"] = "true"
        verifier = self._login_params(params)
        return params, PendingLogin(verifier, time.time())

    def _login_params(self, params: dict[str, str]) -> str | None:
        """Add flow-specific parameters to the authorize URL; return the code verifier to remember (PKCE)."""
        return None

    async def _take_pending(self, state: str | None) -> PendingLogin:
        if not state:
            raise StateMismatch(
                "the callback carried no state: refusing it (a login this flow started always has one); "
                "start the login again"
            )
        if not isinstance(state, str) or len(state) > 4096:
            raise StateMismatch("the state in the callback is not one this flow could have issued")
        entry = await self.state_store.take(state)
        if entry is None:
            raise StateMismatch(
                "the state in the callback does not match a login this flow started: it may be forged (cross-site "
                f"request forgery), older than {self.login_lifetime:g}s, or already used; start the login again"
            )
        return entry

    # ---------------------------------------------------------------- login, second half
    async def exchange(
        self,
        code: str,
        *,
        state: str | None,
        session: aiohttp.ClientSession | None = None,
    ) -> Token:
        """Trade the callback's ``code`` for a token, after checking ``state`` (raises :class:`StateMismatch`).

        The token becomes this flow's token (see :meth:`set_token`), saved in the store when the flow has a
        :attr:`user_key` (a login helper serving many users has none: give the token to ``login.for_user(key)`` with
        :meth:`set_token`).
        The request uses the connection pool of the client using this flow, else ``session``, else a short-lived one.
        """
        if not isinstance(code, str) or not code:
            raise InvalidInput("the authorization code is empty")
        pending = await self._take_pending(state)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        payload = await self._request(form, pending, session)
        token = Token.from_response(payload)
        log.debug("authorization code exchanged; scopes granted: %s", " ".join(sorted(token.scopes)) or "(none)")
        await self.set_token(token)
        return token

    async def exchange_callback(
        self,
        callback: str | Mapping[str, str],
        *,
        session: aiohttp.ClientSession | None = None,
    ) -> Token:
        """:meth:`exchange` from the callback itself: the full redirect URL, or its query parameters. A callback
        with ``error`` (the user clicked Cancel: ``access_denied``) raises AuthError and ends that login."""
        params = dict(parse_qsl(urlsplit(callback).query)) if isinstance(callback, str) else dict(callback)
        error = params.get("error")
        if error:
            await self._take_pending(params.get("state"))
            why = "the user declined to authorize the app" if error == "access_denied" else "the login failed"
            raise AuthError(error, why)
        code = params.get("code")
        if not code:
            raise InvalidInput("the callback has neither code nor error")
        return await self.exchange(code, state=params.get("state"), session=session)

    async def load(self) -> Token | None:
        """Read this flow's token from its store (under :attr:`user_key`) and use it; ``None`` when there is none."""
        if self.store is None:
            raise InvalidInput("this flow has no token store")
        if self.user_key is None:
            raise InvalidInput("this flow has no user_key to load a token for")
        token = await self.store.load(self.user_key)
        if token is not None:
            # already stored: nothing to save and nothing changed, so no hook; the owner uses it as the newest grant
            self._token = self._persisted = token
            await self._hand_over(token)
        return token

    async def set_token(self, token: Token) -> None:
        """Make ``token`` this flow's token (a new login): handed to the owner (the client using this flow), which
        saves it under :attr:`user_key` when the flow has a store, fires ``on_change`` and uses it from then on,
        clearing a remembered ``invalid_grant``; without a client yet, the flow saves and keeps it itself."""
        if not isinstance(token, Token):
            raise InvalidInput("token must be a spotify_async.Token")
        await self._hand_over(token)

    async def _hand_over(self, token: Token) -> None:
        self._failed_refresh = None
        owner = self.owner
        if owner is not None:
            await owner.set_token(token)  # persisted there through token_changed (a no-op when already stored)
        else:
            await self.token_changed(token)

    # ---------------------------------------------------------------- AuthFlow
    @property
    def initial_token(self) -> Token | None:
        return self.token

    def can_refresh(self, current: Token | None) -> bool:
        token = self.token or current
        return token is not None and token.refresh_token is not None

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        """A refresh of ``current`` (the owner's token; else this flow's own). The owner saves the answer through
        :meth:`token_changed` before anyone uses it."""
        base = current if current is not None else self._token
        if base is None:
            raise ReauthorizationRequired("no_token", "no user token yet: log in first (authorize_url + exchange)")
        return await self.grant(accounts, base)

    async def grant(self, accounts: AccountsClient, current: Token) -> Token:
        """Send one refresh of ``current`` and return the new token, *without* storing it or firing the hook.

        :meth:`obtain` is what the owner calls; this is the bare request, also for a coordinator that stores the token
        itself (:class:`~spotify_async.distributed.DistributedAuth` writes it fenced to Redis). An ``invalid_grant`` is remembered, so that refresh token is never sent again.
        """
        refresh_token = current.refresh_token
        if refresh_token is None:
            raise ReauthorizationRequired("no_refresh_token", "the token has no refresh token: log in again")
        if refresh_token == self._failed_refresh:
            raise ReauthorizationRequired("invalid_grant", "the refresh token was refused earlier: log in again")
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        try:
            payload = await self._request(form, None, None, accounts=accounts)
        except ReauthorizationRequired:
            self._failed_refresh = refresh_token
            raise
        token = Token.from_response(payload, previous=current)
        log.debug("token refreshed; refresh token %s", "rotated" if token.refresh_token != refresh_token else "kept")
        return token

    async def adopt(self, token: Token, *, stored: bool) -> None:
        """Make ``token`` (obtained by a coordinator) this flow's token: saved in the flow's store unless ``stored``
        (the coordinator already wrote it there), then the ``on_change`` hook. Not a new login (that is :meth:`set_token`)."""
        if token is self._persisted or token is self._saving:
            return
        if stored:
            self._token = self._persisted = token
            await self._fire(token)
        else:
            await self._persist(token)

    async def token_changed(self, token: Token) -> None:
        if token is not self._persisted and token is not self._saving:
            await self._persist(token)

    async def _persist(self, token: Token) -> None:
        self._token = token  # first in memory: if saving fails, the next call retries the save, not the grant
        self._saving = token
        try:
            if self.store is not None and self.user_key is not None:
                await self.store.save(self.user_key, token)
        finally:
            if self._saving is token:
                self._saving = None
        self._persisted = token
        await self._fire(token)

    async def _fire(self, token: Token) -> None:
        await call_hook(self.on_change, self.user_key, token)

    # ---------------------------------------------------------------- requests
    def _client_auth(self, form: dict[str, str], pending: PendingLogin | None) -> tuple[str, str] | None:
        """Add client authentication to ``form``; return Basic credentials when the flow uses them."""
        raise NotImplementedError

    async def _request(
        self,
        form: dict[str, str],
        pending: PendingLogin | None,
        session: aiohttp.ClientSession | None,
        *,
        accounts: AccountsClient | None = None,
    ) -> dict[str, object]:
        basic = self._client_auth(form, pending)
        url = self._token_url(form)
        owner = self.owner
        if accounts is None and owner is not None:
            accounts = owner.accounts
        if accounts is None and session is not None:
            accounts = AccountsClient(session, self.accounts_base, Config())
        if accounts is not None:
            # neither a code exchange nor a refresh may be repeated once the server may have seen it
            return await accounts.request_token(form, basic=basic, repeatable=False, url=url)
        async with aiohttp.ClientSession() as own:
            return await AccountsClient(own, self.accounts_base, Config()).request_token(
                form, basic=basic, repeatable=False, url=url
            )

    def _token_url(self, form: dict[str, str]) -> str | None:
        """Where this grant goes: ``None`` for the accounts service's token endpoint."""
        return None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r}, "
            f"user_key={self.user_key!r}, token={self.token!r})"
        )


class AuthorizationCode(UserFlow):
    """The Authorization Code flow for confidential clients (a backend that can keep the client secret).

    Every token request carries the Basic client header.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str | Scope] | str = (),
        token: Token | None = None,
        store: TokenStore | None = None,
        user_key: str | None = None,
        accounts_base: str | None = None,
        on_change: TokenChangeHook | None = None,
        state_store: StateStore | None = None,
    ) -> None:
        if not client_secret or not isinstance(client_secret, str):
            raise InvalidInput("client_secret must be a non-empty string (no secret? use PKCE)")
        super().__init__(
            client_id,
            redirect_uri,
            scopes=scopes,
            token=token,
            store=store,
            user_key=user_key,
            accounts_base=accounts_base,
            on_change=on_change,
            state_store=state_store,
        )
        self._client_secret = client_secret

    def _client_auth(self, form: dict[str, str], pending: PendingLogin | None) -> tuple[str, str] | None:
        return (self.client_id or "", self._client_secret)


class PKCE(UserFlow):
    """Authorization Code with PKCE, for clients that cannot keep a secret (CLIs, desktop and mobile apps).

    Each login gets a fresh code verifier (``verifier_length`` characters) whose S256 challenge goes in the authorize
    URL; the exchange proves possession with the verifier. Requests carry ``client_id`` and never a secret.
    """

    def __init__(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str | Scope] | str = (),
        token: Token | None = None,
        store: TokenStore | None = None,
        user_key: str | None = None,
        accounts_base: str | None = None,
        on_change: TokenChangeHook | None = None,
        verifier_length: int = 64,
        state_store: StateStore | None = None,
    ) -> None:
        generate_code_verifier(verifier_length)  # validates the length now, not at the first login
        super().__init__(
            client_id,
            redirect_uri,
            scopes=scopes,
            token=token,
            store=store,
            user_key=user_key,
            accounts_base=accounts_base,
            on_change=on_change,
            state_store=state_store,
        )
        self.verifier_length = verifier_length

    def _login_params(self, params: dict[str, str]) -> str | None:
        verifier = generate_code_verifier(self.verifier_length)
        params["code_challenge_method"] = "S256"
        params["code_challenge"] = code_challenge(verifier)
        return verifier

    def _client_auth(self, form: dict[str, str], pending: PendingLogin | None) -> tuple[str, str] | None:
        form["client_id"] = self.client_id or ""
        if pending is not None and pending.verifier is not None:
            form["code_verifier"] = pending.verifier
        return None
