"""AccountsClient: the one place that talks to the accounts service's token endpoint.

It posts form-encoded grants to ``{accounts_base}/api/token``, maps the accounts service's error bodies
(``{"error": "invalid_client", "error_description": ...}``) to :class:`~spotify_async.errors.AuthError` (and
``invalid_grant`` to :class:`~spotify_async.errors.ReauthorizationRequired`), and never lets a secret or token
reach a log line or an exception message.

Retries: a grant that is safe to repeat (client credentials, authorization code exchange is NOT) is retried on
connection failures and 5xx with backoff; a refresh is retried only when the server surely did not see it
(connection refused), because single-use refresh tokens are revoked when reused.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import orjson

from ..config import Config
from ..errors import AuthError, ReauthorizationRequired, TransportError

__all__ = ["AccountsClient", "basic_auth_header"]

log = logging.getLogger("spotify_async.auth")


def basic_auth_header(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class AccountsClient:
    """Posts token requests for one session. Created by the session; credentials objects receive it."""

    def __init__(
        self,
        http: aiohttp.ClientSession | Callable[[], aiohttp.ClientSession],
        accounts_base: str,
        config: Config,
    ) -> None:
        # a callable lets the session create its aiohttp.ClientSession lazily, inside the running loop
        self._http = http
        self.token_url = accounts_base.rstrip("/") + "/api/token"
        self.accounts_base = accounts_base.rstrip("/")
        self.config = config
        #: how many token requests this client has sent (tests and the demo read it)
        self.requests_sent = 0

    @property
    def http(self) -> aiohttp.ClientSession:
        http = self._http
        return http if isinstance(http, aiohttp.ClientSession) else http()

    async def request_token(
        self,
        form: Mapping[str, str],
        *,
        basic: tuple[str, str] | None = None,
        repeatable: bool = True,
    ) -> dict[str, Any]:
        """POST one grant; return the JSON answer. ``repeatable=False`` retries only a refused connection."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if basic is not None:
            headers["Authorization"] = basic_auth_header(*basic)
        policy = self.config.retry
        timeouts = self.config.timeouts
        timeout = aiohttp.ClientTimeout(total=timeouts.total, connect=timeouts.connect, sock_read=timeouts.read)
        grant = form.get("grant_type", "?")
        attempt = 0
        while True:
            attempt += 1
            self.requests_sent += 1
            retry_ok = False
            try:
                log.debug("token request grant_type=%s attempt=%d", grant, attempt)
                async with self.http.post(self.token_url, data=dict(form), headers=headers, timeout=timeout) as resp:
                    body = await resp.read()
                    status = resp.status
            except aiohttp.ClientConnectorError as exc:
                retry_ok = True
                failure: BaseException = exc
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                retry_ok = repeatable
                failure = exc
            else:
                if status == 200:
                    try:
                        payload = orjson.loads(body)
                    except orjson.JSONDecodeError:
                        raise AuthError("invalid_response", "token endpoint answered non-JSON", status=status) from None
                    if not isinstance(payload, dict) or "access_token" not in payload:
                        raise AuthError("invalid_response", "token endpoint answer has no access_token", status=status)
                    return payload
                if status >= 500 or status == 429:
                    retry_ok = repeatable
                    failure = AuthError("server_error", f"token endpoint answered {status}", status=status)
                else:
                    raise _auth_error(status, body)
            if not retry_ok or attempt > policy.max_retries:
                if isinstance(failure, AuthError):
                    raise failure
                raise TransportError(
                    f"token request failed: {type(failure).__name__}",
                    method="POST",
                    url=self.token_url,
                    attempts=attempt,
                ) from None
            delay = policy.backoff(attempt)
            await asyncio.sleep(delay)


def _auth_error(status: int, body: bytes) -> AuthError:
    error, description = "unknown_error", None
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        raw_error = data.get("error")
        if isinstance(raw_error, str):
            error = raw_error
            desc = data.get("error_description")
            description = desc if isinstance(desc, str) else None
        elif isinstance(raw_error, dict):  # Web-API-shaped body
            msg = raw_error.get("message")
            description = msg if isinstance(msg, str) else None
    elif body:
        description = f"non-JSON body ({len(body)} bytes)"
    cls = ReauthorizationRequired if error == "invalid_grant" else AuthError
    return cls(error, description, status=status)
