"""AuthFlow: what every way of getting a token (client credentials, a fixed token, user flows) must provide.

A flow knows how to obtain a new token from the accounts service, whether it can, and what to do when the token changes
(persist it). The :class:`~spotify_async.auth.manager.TokenManager` owns the caching and single-flight logic, so flows
stay small.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ..hooks import IdentityKind
from .accounts import AccountsClient
from .token import Token

if TYPE_CHECKING:
    from .manager import TokenManager

__all__ = ["AuthFlow"]


class AuthFlow(abc.ABC):
    """Base class of the ``auth`` argument of :class:`~spotify_async.Spotify`."""

    #: the app's client id when known (namespaces shared state such as a Redis budget)
    client_id: str | None = None
    #: whose token this flow gives: the app's (``"app"``), one user's (``"user"``), or unknown (``"token"``)
    identity: IdentityKind = "app"

    @property
    def initial_token(self) -> Token | None:
        """A token to start with (a fixed or stored token), or ``None`` to obtain one on first use."""
        return None

    def can_refresh(self, current: Token | None) -> bool:
        """Whether :meth:`obtain` can produce a new token (a 401 is retried only when it can)."""
        return True

    @abc.abstractmethod
    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        """Get a new token: a fresh grant, or a refresh of ``current``."""

    async def token_changed(self, token: Token) -> None:  # noqa: B027 - optional hook, empty by design
        """Called with each new token before it is used (user flows persist it here)."""

    def bind(self, manager: TokenManager) -> None:  # noqa: B027 - optional hook, empty by design
        """Called by each TokenManager created for this flow (user flows tell it about a new login)."""
