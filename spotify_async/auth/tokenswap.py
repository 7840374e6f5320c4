"""TokenSwap: the Authorization Code flow for apps that cannot keep a secret, through a Token Swap server.

A public client (a desktop or mobile app, a browser extension, a CLI shipped to users) must not hold the client
secret. With Token Swap, a small server you run holds it (:mod:`spotify_async.swap`): the client sends the user to
Spotify as in any code login (``state`` checked, kept in the flow's :class:`~spotify_async.auth.state.StateStore`),
then posts the callback's ``code`` to the server's ``swap_url`` and, later, its refresh token to ``refresh_url``.
The server adds the secret, talks to the accounts service and answers in the accounts service's own shape, so
everything else is the user flows' machinery: the same typed errors (``invalid_grant`` is
:class:`~spotify_async.errors.ReauthorizationRequired`), single-flight refresh, rotated refresh tokens stored before
use, the old refresh token kept when none comes back, token stores and ``on_change``.

The refresh token the client holds is the server's *sealed* one (encrypted with a key only the server has), so a
leaked client or token file cannot be used against the accounts service directly; it opens only through the server.

Requests carry neither a client secret nor, since the server knows it, the client id. The swap and refresh URLs must
be HTTPS, or plain HTTP on a loopback address (a server on the same machine, tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address
from urllib.parse import urlsplit

from ..errors import InvalidInput
from .base import TokenChangeHook
from .scopes import Scope
from .state import PendingLogin, StateStore
from .stores import TokenStore
from .token import Token
from .user import UserFlow

__all__ = ["TokenSwap"]


def _check_server_url(name: str, url: str) -> str:
    if not isinstance(url, str) or not url:
        raise InvalidInput(f"{name} must be a non-empty URL")
    try:
        split = urlsplit(url)
        host = split.hostname
        split.port  # noqa: B018 - parses the port: a bad one raises ValueError here
    except ValueError:
        raise InvalidInput(f"{name} {url!r} is not a valid URL") from None
    if not host or split.scheme not in ("http", "https"):
        raise InvalidInput(f"{name} {url!r} must be an absolute https:// URL")
    if split.scheme == "http":
        try:
            loopback = host == "localhost" or ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise InvalidInput(
                f"{name} {url!r} must use HTTPS: codes and tokens travel to it (plain http only on loopback)"
            )
    return url


class TokenSwap(UserFlow):
    """The code flow with a Token Swap server holding the secret (see the module docstring).

    ``TokenSwap("https://swap.example/swap", "https://swap.example/refresh", client_id=..., redirect_uri=...,
    scopes=...)``; then ``authorize_url()`` and ``exchange_callback(...)`` as with :class:`AuthorizationCode`.
    """

    def __init__(
        self,
        swap_url: str,
        refresh_url: str,
        *,
        client_id: str,
        redirect_uri: str,
        scopes: Iterable[str | Scope] | str = (),
        token: Token | None = None,
        store: TokenStore | None = None,
        user_key: str | None = None,
        accounts_base: str | None = None,
        on_change: TokenChangeHook | None = None,
        state_store: StateStore | None = None,
    ) -> None:
        self.swap_url = _check_server_url("swap_url", swap_url)
        self.refresh_url = _check_server_url("refresh_url", refresh_url)
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

    def _client_auth(self, form: dict[str, str], pending: PendingLogin | None) -> tuple[str, str] | None:
        return None  # the server authenticates the app; the client has nothing to add

    def _token_url(self, form: dict[str, str]) -> str | None:
        return self.swap_url if form.get("grant_type") == "authorization_code" else self.refresh_url

    def __repr__(self) -> str:
        return (
            f"TokenSwap(swap_url={self.swap_url!r}, client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r}, "
            f"user_key={self.user_key!r}, token={self.token!r})"
        )
