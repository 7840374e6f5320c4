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
    MemoryStateStore,
    MemoryTokenStore,
    PendingLogin,
    Scope,
    SignedStateStore,
    StateMismatch,
    StateStore,
    StaticToken,
    Token,
    TokenManager,
    TokenStore,
    TokenSwap,
)
from .config import (
    ACCOUNTS_BASE,
    API_BASE,
    Config,
    HttpCache,
    RateBudget,
    RetryDecider,
    RetryOutcome,
    RetryPolicy,
    Timeouts,
)
from .endpoints.playlists import PlaylistSnapshot
from .errors import (
    AuthError,
    BadRequest,
    CoordinationError,
    EndpointUnavailable,
    Forbidden,
    HTTPError,
    InvalidInput,
    ModelError,
    NotFound,
    NotModified,
    RateLimited,
    ReauthorizationRequired,
    ScopeError,
    ServerError,
    SpotifyError,
    TransportError,
    Unauthorized,
)
from .hooks import Hooks
from .http import Batch, Call, CursorPaged, Lane, Paged, Response, WaitSnapshot
from .http.store import CacheStore, MemoryCacheStore
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
    "Batch",
    "CacheStore",
    "Call",
    "ClientCredentials",
    "Config",
    "CoordinationError",
    "CursorPaged",
    "EndpointUnavailable",
    "FileTokenStore",
    "Forbidden",
    "HTTPError",
    "HttpCache",
    "InvalidInput",
    "MemoryStateStore",
    "MemoryCacheStore",
    "Lane",
    "MemoryTokenStore",
    "ModelError",
    "NotFound",
    "NotModified",
    "Paged",
    "PendingLogin",
    "PlaylistSnapshot",
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
    "SignedStateStore",
    "Spotify",
    "SpotifyError",
    "StateMismatch",
    "StateStore",
    "StaticToken",
    "Timeouts",
    "Token",
    "TokenManager",
    "TokenStore",
    "TokenSwap",
    "TransportError",
    "Unauthorized",
    "WaitSnapshot",
    "__version__",
    "errors",
    "ids",
    "models",
]
