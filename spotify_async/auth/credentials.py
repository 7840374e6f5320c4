"""Client Credentials and fixed tokens: the two app-level ways to authenticate.

``ClientCredentials`` fetches an app token on first need and again before it expires (through the session's
TokenManager). ``await ClientCredentials(...).request_token()`` asks for one token once, for callers who want to keep it
and pass it on as a fixed token (``Spotify(StaticToken(token))`` or ``Spotify(token)``); a fixed token cannot be
refreshed, so when it expires calls fail with a clear :class:`~spotify_async.errors.Unauthorized`.
"""

from __future__ import annotations

import aiohttp

from ..config import ACCOUNTS_BASE, Config
from ..errors import InvalidInput, Unauthorized
from .accounts import AccountsClient
from .base import AuthFlow
from .token import Token

__all__ = ["ClientCredentials", "StaticToken"]


class ClientCredentials(AuthFlow):
    """The Client Credentials grant: app-only access (no user data), refreshed on demand."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        if not client_id or not isinstance(client_id, str):
            raise InvalidInput("client_id must be a non-empty string")
        if not client_secret or not isinstance(client_secret, str):
            raise InvalidInput("client_secret must be a non-empty string")
        self.client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret=<redacted>)"

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        payload = await accounts.request_token(
            {"grant_type": "client_credentials"}, basic=(self.client_id or "", self._client_secret)
        )
        return Token.from_response(payload)

    async def request_token(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        accounts_base: str = ACCOUNTS_BASE,
        config: Config | None = None,
    ) -> Token:
        """Request one token now and return it (no caching). Uses ``session`` or a short-lived one of its own."""
        config = config or Config()
        if session is not None:
            return await self.obtain(AccountsClient(session, accounts_base, config), None)
        async with aiohttp.ClientSession() as own:
            return await self.obtain(AccountsClient(own, accounts_base, config), None)


class StaticToken(AuthFlow):
    """A fixed access token (a string or a :class:`Token`) that is used as is and never refreshed."""

    identity = "token"

    def __init__(self, token: str | Token) -> None:
        if isinstance(token, str):
            if not token:
                raise InvalidInput("the access token is empty")
            token = Token(access_token=token)
        self._token = token

    def __repr__(self) -> str:
        return f"StaticToken({self._token!r})"

    @property
    def initial_token(self) -> Token:
        return self._token

    def can_refresh(self, current: Token | None) -> bool:
        return False

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        raise Unauthorized(
            401,
            "the fixed access token has expired or was rejected, and a fixed token cannot be refreshed; "
            "pass ClientCredentials (or a user flow) to refresh on demand",
        )
