"""The fake accounts service: ``GET /authorize`` and ``POST /api/token`` with every grant Spotify supports
(client credentials, authorization code, authorization code with PKCE, refresh token), and the access-token table
the Web API side checks bearer tokens against.

Errors use the accounts service's own body shape, ``{"error": "...", "error_description": "..."}`` with HTTP 400,
which differs from the Web API's nested ``{"error": {"status", "message"}}``.

Refresh rotation is configurable because Spotify's behaviour has varied: ``"none"`` (the response carries no new
refresh token: keep the old one), ``"rotate"`` (a new one each time; old ones keep working) and ``"single-use"``
(a new one each time; reusing an old one revokes the whole family, as PKCE refresh tokens have done).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web

from ._options import RefreshRotation, check_choice
from ._util import _words, json_response

SCOPES = frozenset(
    _words(
        "ugc-image-upload user-read-playback-state user-modify-playback-state user-read-currently-playing "
        "app-remote-control streaming playlist-read-private playlist-read-collaborative playlist-modify-private "
        "playlist-modify-public user-follow-modify user-follow-read user-read-playback-position user-top-read "
        "user-read-recently-played user-library-modify user-library-read user-read-email user-read-private"
    )
)
_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}\Z")
_CODE_LIFETIME = 600.0


@dataclass(slots=True)
class AccessToken:
    value: str
    client_id: str
    user_id: str | None
    scopes: frozenset[str]
    expires_at: float


@dataclass(slots=True)
class RefreshToken:
    value: str
    client_id: str
    user_id: str
    scopes: frozenset[str]
    family: int
    expires_at: float | None = None
    used: bool = False
    public_client: bool = False


@dataclass(slots=True)
class AuthCode:
    value: str
    client_id: str
    redirect_uri: str
    user_id: str
    scopes: frozenset[str]
    challenge: str | None
    expires_at: float
    used: bool = False


class AccountsError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _expires_in(seconds: float) -> int | float:
    # Spotify sends an integer; tests that ask for sub-second tokens get the exact float
    return int(seconds) if seconds == int(seconds) else seconds


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Accounts:
    """Apps (client id -> secret), authorization codes, refresh tokens and live access tokens."""

    def __init__(
        self, client_id: str, client_secret: str, token_expires_in: float, refresh_rotation: RefreshRotation
    ) -> None:
        check_choice("refresh_rotation", refresh_rotation, RefreshRotation)
        self.apps: dict[str, str] = {client_id: client_secret}
        self.token_expires_in = token_expires_in
        self.refresh_rotation = refresh_rotation
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.revoked_families: set[int] = set()
        self._family = 0
        self.login_user: str = ""
        self.approve: bool = True

    # ---- issuing ----------------------------------------------------------------------------------------------

    def issue_access(self, client_id: str, user_id: str | None, scopes: frozenset[str]) -> AccessToken:
        tok = AccessToken(
            "BQ" + secrets.token_urlsafe(40), client_id, user_id, scopes, time.monotonic() + self.token_expires_in
        )
        self.access[tok.value] = tok
        return tok

    def issue_refresh(
        self, client_id: str, user_id: str, scopes: frozenset[str], family: int | None = None, public: bool = False
    ) -> RefreshToken:
        if family is None:
            self._family += 1
            family = self._family
        tok = RefreshToken("AQ" + secrets.token_urlsafe(60), client_id, user_id, scopes, family, public_client=public)
        self.refresh[tok.value] = tok
        return tok

    def token_payload(
        self, access: AccessToken, refresh: RefreshToken | None, include_scope: bool = True
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"access_token": access.value, "token_type": "Bearer"}
        if include_scope:
            out["scope"] = " ".join(sorted(access.scopes))
        out["expires_in"] = _expires_in(self.token_expires_in)
        if refresh is not None:
            out["refresh_token"] = refresh.value
        return out

    # ---- /api/token -------------------------------------------------------------------------------------------

    def _basic(self, request: web.Request) -> tuple[str, str] | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise AccountsError("invalid_client", "Invalid client")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise AccountsError("invalid_client", "Invalid client") from None
        cid, sep, secret = decoded.partition(":")
        if not sep:
            raise AccountsError("invalid_client", "Invalid client")
        return cid, secret

    def _check_confidential(self, cid: str, secret: str) -> None:
        expected = self.apps.get(cid)
        if expected is None:
            raise AccountsError("invalid_client", "Invalid client")
        if not secrets.compare_digest(expected, secret):
            raise AccountsError("invalid_client", "Invalid client secret")

    def _client(self, request: web.Request, form: dict[str, str], allow_public: bool) -> tuple[str, bool]:
        """The authenticated client id and whether it authenticated without a secret (PKCE)."""
        basic = self._basic(request)
        if basic is not None:
            self._check_confidential(*basic)
            return basic[0], False
        cid = form.get("client_id")
        if cid is None:
            raise AccountsError("invalid_client", "Invalid client")
        if "client_secret" in form:
            self._check_confidential(cid, form["client_secret"])
            return cid, False
        if not allow_public:
            raise AccountsError("invalid_client", "Invalid client")
        if cid not in self.apps:
            raise AccountsError("invalid_client", "Invalid client")
        return cid, True

    async def token(self, request: web.Request) -> web.Response:
        try:
            if request.method != "POST":
                return web.Response(status=405, text="Method Not Allowed")
            raw = await request.read()
            ctype = request.headers.get("Content-Type", "")
            form: dict[str, str] = (
                dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                if raw and ctype.startswith("application/x-www-form-urlencoded")
                else {}
            )
            grant = form.get("grant_type")
            if grant is None:
                raise AccountsError("unsupported_grant_type", "grant_type parameter is missing")
            if grant == "client_credentials":
                return self._client_credentials(request, form)
            if grant == "authorization_code":
                return self._authorization_code(request, form)
            if grant == "refresh_token":
                return self._refresh(request, form)
            raise AccountsError(
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        except AccountsError as exc:
            return json_response({"error": exc.error, "error_description": exc.description}, exc.status)

    def _client_credentials(self, request: web.Request, form: dict[str, str]) -> web.Response:
        cid, _ = self._client(request, form, allow_public=False)
        tok = self.issue_access(cid, None, frozenset())
        return json_response(self.token_payload(tok, None, include_scope=False))

    def _authorization_code(self, request: web.Request, form: dict[str, str]) -> web.Response:
        cid, public = self._client(request, form, allow_public=True)
        code_value = form.get("code")
        if not code_value:
            raise AccountsError("invalid_request", "code must be supplied")
        redirect_uri = form.get("redirect_uri")
        if not redirect_uri:
            raise AccountsError("invalid_request", "redirect_uri must be supplied")
        code = self.codes.get(code_value)
        if code is None or code.client_id != cid or code.used or code.expires_at < time.monotonic():
            raise AccountsError("invalid_grant", "Invalid authorization code")
        if code.redirect_uri != redirect_uri:
            raise AccountsError("invalid_grant", "Invalid redirect URI")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if verifier is None:
                raise AccountsError("invalid_request", "code_verifier required")
            if not _VERIFIER_RE.match(verifier) or s256(verifier) != code.challenge:
                raise AccountsError("invalid_grant", "code_verifier was incorrect")
        elif public:
            # a code obtained without a challenge must be redeemed with the client secret
            raise AccountsError("invalid_client", "Invalid client")
        code.used = True
        access = self.issue_access(cid, code.user_id, code.scopes)
        refresh = self.issue_refresh(cid, code.user_id, code.scopes, public=public)
        return json_response(self.token_payload(access, refresh))

    def _refresh(self, request: web.Request, form: dict[str, str]) -> web.Response:
        cid, _public = self._client(request, form, allow_public=True)
        value = form.get("refresh_token")
        if not value:
            raise AccountsError("invalid_request", "refresh_token must be supplied")
        tok = self.refresh.get(value)
        if tok is None or tok.client_id != cid:
            raise AccountsError("invalid_grant", "Invalid refresh token")
        if tok.family in self.revoked_families:
            raise AccountsError("invalid_grant", "Refresh token revoked")
        if tok.expires_at is not None and tok.expires_at <= time.monotonic():
            raise AccountsError("invalid_grant", "Invalid refresh token")
        if self.refresh_rotation == "single-use":
            if tok.used:
                # replay of a spent token: assume theft and revoke everything descended from the grant
                self.revoked_families.add(tok.family)
                raise AccountsError("invalid_grant", "Refresh token revoked")
            tok.used = True
        access = self.issue_access(cid, tok.user_id, tok.scopes)
        new_refresh = None
        if self.refresh_rotation != "none":
            new_refresh = self.issue_refresh(cid, tok.user_id, tok.scopes, tok.family, tok.public_client)
            new_refresh.expires_at = tok.expires_at  # refreshing never extends the grant's lifetime
        return json_response(self.token_payload(access, new_refresh))

    # ---- /authorize -------------------------------------------------------------------------------------------

    def authorize(self, request: web.Request) -> web.Response:
        qs = request.query
        cid = qs.get("client_id")
        if cid is None or cid not in self.apps:
            return web.Response(status=400, text="INVALID_CLIENT: Invalid client")
        redirect_uri = qs.get("redirect_uri")
        if not redirect_uri:
            return web.Response(status=400, text="INVALID_CLIENT: Invalid redirect URI")
        split = urlsplit(redirect_uri)
        # Spotify accepts https anywhere, http only on loopback literals; "localhost" is refused
        if not (split.scheme == "https" or (split.scheme == "http" and split.hostname in ("127.0.0.1", "::1"))):
            return web.Response(status=400, text="INVALID_CLIENT: Insecure redirect URI")
        state = qs.get("state")

        def back(**params: str) -> web.Response:
            if state is not None:
                params["state"] = state
            sep = "&" if split.query else "?"
            return web.Response(status=302, headers={"Location": redirect_uri + sep + urlencode(params)})

        if qs.get("response_type") != "code":
            return back(error="unsupported_response_type")
        scopes = frozenset(s for s in qs.get("scope", "").replace(",", " ").split() if s)
        if not scopes <= SCOPES:
            return back(error="invalid_scope")
        challenge = qs.get("code_challenge")
        if challenge is not None and qs.get("code_challenge_method") != "S256":
            return back(error="invalid_request")
        if not self.approve:
            return back(error="access_denied")
        code = AuthCode(
            secrets.token_urlsafe(48),
            cid,
            redirect_uri,
            self.login_user,
            scopes,
            challenge,
            time.monotonic() + _CODE_LIFETIME,
        )
        self.codes[code.value] = code
        return back(code=code.value)

    # ---- Web API side -----------------------------------------------------------------------------------------

    def expire_refresh_tokens(self, value: str | None = None) -> None:
        now = time.monotonic()
        for tok in self.refresh.values():
            if value is None or tok.value == value:
                tok.expires_at = now

    def expire_access_tokens(self) -> None:
        now = time.monotonic()
        for tok in self.access.values():
            tok.expires_at = min(tok.expires_at, now)

    def sweep(self) -> None:
        """Forget access tokens that expired long ago (keeps memory bounded over long benchmarks)."""
        cutoff = time.monotonic() - max(60.0, 2 * self.token_expires_in)
        stale = [k for k, t in self.access.items() if t.expires_at < cutoff]
        for k in stale:
            del self.access[k]


def ceil_seconds(value: float) -> int:
    return max(1, math.ceil(value))
