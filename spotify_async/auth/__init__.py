"""Authentication: token type, flows (client credentials, fixed token, Authorization Code, PKCE, Token Swap), the
token manager, token stores, pending-login state stores, sealing and scopes."""

from .accounts import AccountsClient
from .base import AuthFlow
from .credentials import ClientCredentials, StaticToken
from .manager import TokenManager
from .scopes import ALL_SCOPES, Scope
from .state import MemoryStateStore, PendingLogin, SignedStateStore, StateStore
from .stores import FileTokenStore, MemoryTokenStore, TokenStore
from .token import Token
from .tokenswap import TokenSwap
from .user import PKCE, AuthorizationCode, StateMismatch, UserFlow

__all__ = [
    "ALL_SCOPES",
    "PKCE",
    "AccountsClient",
    "AuthFlow",
    "AuthorizationCode",
    "ClientCredentials",
    "FileTokenStore",
    "MemoryStateStore",
    "PendingLogin",
    "SignedStateStore",
    "StateStore",
    "MemoryTokenStore",
    "Scope",
    "StateMismatch",
    "StaticToken",
    "Token",
    "TokenManager",
    "TokenStore",
    "TokenSwap",
    "UserFlow",
]
