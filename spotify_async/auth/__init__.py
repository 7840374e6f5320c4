"""Authentication: token type, flows (client credentials, fixed token; user flows), and the token manager."""

from .accounts import AccountsClient
from .base import AuthFlow
from .credentials import ClientCredentials, StaticToken
from .manager import TokenManager
from .token import Token

__all__ = ["AccountsClient", "AuthFlow", "ClientCredentials", "StaticToken", "Token", "TokenManager"]
