"""spotify_async: an asyncio-native SDK for the Spotify Web API.

Public names only; see the README for a tour::

    from spotify_async import Spotify, ClientCredentials

    async with Spotify(ClientCredentials(client_id, client_secret)) as sp:
        album = await sp.albums.get("4aawyAB9vmqN3uQ7FjRGTy")
"""

from . import errors, ids, models
from .auth import (
    PKCE,
    AuthFlow,
    AuthorizationCode,
    ClientCredentials,
    FileTokenStore,
    MemoryTokenStore,
    Scope,
    StateMismatch,
    StaticToken,
    Token,
    TokenManager,
    TokenStore,
)
from .config import ACCOUNTS_BASE, API_BASE, Config, RateBudget, RetryDecider, RetryOutcome, RetryPolicy, Timeouts
from .errors import (
    AuthError,
    BadRequest,
    EndpointUnavailable,
    Forbidden,
    HTTPError,
    InvalidInput,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    ScopeError,
    ServerError,
    SpotifyError,
    TransportError,
    Unauthorized,
)
from .hooks import Hooks
from .http import Call, CursorPaged, Lane, Paged, Response, WaitSnapshot
from .session import Spotify

__version__ = "0.1.0"

__all__ = [
    "Hooks",
    "ACCOUNTS_BASE",
    "API_BASE",
    "PKCE",
    "AuthError",
    "AuthFlow",
    "AuthorizationCode",
    "BadRequest",
    "Call",
    "ClientCredentials",
    "Config",
    "CursorPaged",
    "EndpointUnavailable",
    "FileTokenStore",
    "Forbidden",
    "HTTPError",
    "InvalidInput",
    "Lane",
    "MemoryTokenStore",
    "NotFound",
    "Paged",
    "RateBudget",
    "RateLimited",
    "ReauthorizationRequired",
    "Response",
    "RetryDecider",
    "RetryOutcome",
    "RetryPolicy",
    "Scope",
    "ScopeError",
    "ServerError",
    "Spotify",
    "SpotifyError",
    "StateMismatch",
    "StaticToken",
    "Timeouts",
    "Token",
    "TokenManager",
    "TokenStore",
    "TransportError",
    "Unauthorized",
    "WaitSnapshot",
    "__version__",
    "errors",
    "ids",
    "models",
]
