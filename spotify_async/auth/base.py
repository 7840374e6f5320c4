"""AuthFlow: what every way of getting a token (client credentials, a fixed token, user flows) must provide.

A flow knows how to obtain a new token from the accounts service, whether it can, and what to do when the token changes
(persist it). It does not hold the live token: the :class:`~spotify_async.auth.manager.TokenManager` bound to it (its
:attr:`AuthFlow.owner`) does, with the caching, single-flight and "newer grant wins" logic, so flows stay small.
"""

from __future__ import annotations

import abc
import inspect
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..hooks import IdentityKind
from .accounts import AccountsClient
from .token import Token

if TYPE_CHECKING:
    from .manager import TokenManager

__all__ = ["AuthFlow", "TokenChangeHook", "call_hook"]

#: ``on_change(user_key, token)``: called with every new token of a flow, after it was stored and before it is used
#: (``user_key`` is ``None`` for the app's own token and for a user flow without a key); may be a coroutine function
TokenChangeHook = Callable[[str | None, Token], "Awaitable[None] | None"]


async def call_hook(hook: TokenChangeHook | None, user_key: str | None, token: Token) -> None:
    """Call an ``on_change`` hook (plain or async) with a new token."""
    if hook is not None:
        result = hook(user_key, token)
        if inspect.isawaitable(result):
            await result


class AuthFlow(abc.ABC):
    """Base class of the ``auth`` argument of :class:`~spotify_async.Spotify`."""

    #: the app's client id when known (namespaces shared state such as a Redis budget)
    client_id: str | None = None
    #: whether the token is shared with other processes (a Redis store): a refusal seen here is then not final
    #: for this process, since another may store a new login; the manager asks the flow again rather than remember it
    shared: bool = False
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
        """Called by the owner with each new token before it is used (user flows persist it here)."""

    # weak: a flow that outlives its client (a login helper, a stored flow) must not keep a closed app alive
    _owner: weakref.ref[TokenManager] | None = None

    @property
    def owner(self) -> TokenManager | None:
        """The token manager that holds this flow's current token (the latest one made for it), if alive."""
        ref = self._owner
        return ref() if ref is not None else None

    def bind(self, manager: TokenManager) -> None:
        """Called by each TokenManager made for this flow: it becomes the owner new logins are handed to."""
        self._owner = weakref.ref(manager)
