"""The exception hierarchy: every error the SDK raises on purpose is a :class:`SpotifyError`.

Three families:

* :class:`HTTPError` and its subclasses: the Web API answered with an error status. They carry the status, Spotify's
  message and ``reason`` (``NO_ACTIVE_DEVICE``, ``QUOTA_EXCEEDED``, ...), the method and the URL; never a token.
* Errors raised before or instead of a response: :class:`RateLimited` (a wait longer than
  ``Config.max_wait``),
  :class:`TransportError` (network failure after retries), :class:`AuthError` (the accounts service refused),
  :class:`EndpointUnavailable` (the operation does not exist for this app's mode), :class:`ScopeError`.
* :class:`InvalidInput`: a bad argument (malformed id, URI or URL, a limit out of range), raised before anything is sent.
  It is also a :class:`ValueError`, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = [
    "AuthError",
    "BadRequest",
    "CoordinationError",
    "EndpointUnavailable",
    "Forbidden",
    "HTTPError",
    "InvalidInput",
    "ModelError",
    "NotFound",
    "NotModified",
    "RateLimited",
    "ReauthorizationRequired",
    "ScopeError",
    "ServerError",
    "SpotifyError",
    "TransportError",
    "Unauthorized",
    "describe_error_body",
    "error_from_response",
    "failure_summary",
]


class SpotifyError(Exception):
    """Root of every error this SDK raises on purpose."""


class InvalidInput(SpotifyError, ValueError):
    """A bad argument, found before any request was sent (malformed id, limit out of range, too many items)."""


class HTTPError(SpotifyError):
    """The Web API answered with an error status.

    ``message`` and ``reason`` come from Spotify's error body when it has one (``{"error": {"status", "message",
    "reason"}}``); any other body leaves a description of what arrived with its text (see
    :func:`describe_error_body`).
    """

    status: int

    def __init__(
        self,
        status: int,
        message: str,
        *,
        reason: str | None = None,
        method: str = "",
        url: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.reason = reason
        self.method = method
        self.url = url
        self.headers: Mapping[str, str] = headers or {}
        detail = f" ({reason})" if reason else ""
        where = f" [{method} {url}]" if method else ""
        super().__init__(f"{status}: {message}{detail}{where}")


class BadRequest(HTTPError):
    """400: Spotify could not use the request (``invalid id``, a limit it refused, a malformed body)."""


class Unauthorized(HTTPError):
    """401: the access token is missing, expired or revoked, and one refresh did not help (or could not be made)."""


class Forbidden(HTTPError):
    """403: not allowed for this token or app (missing scope, not Premium, an endpoint removed for this app)."""


class NotFound(HTTPError):
    """404: no such object (or a Spotify-owned playlist hidden from development-mode apps)."""


class NotModified(HTTPError):
    """304: the server says the cached copy is still current, so there is no body to structure.

    A 304 only answers a conditional request (``If-None-Match``/``If-Modified-Since``); the layer that sent the
    condition (an HTTP cache) answers it from its copy. If one ever reaches the structuring step, this is raised
    instead of handing the models an empty body."""


class ServerError(HTTPError):
    """5xx after the retry policy gave up (or for a call that could not be retried safely)."""


class RateLimited(SpotifyError):
    """A call would wait longer than its ``max_wait`` allows (for the 429 gate, the rate budget or a slot), or Spotify
    answered with a quota (``QUOTA_EXCEEDED``), so we raise instead of sleeping.

    ``retry_after`` is the number of seconds until the call could go (0 when unknown, as for a slot);
    ``waiting_for`` says what it waited for; ``reason`` is Spotify's reason when it gave one (for
    example ``QUOTA_EXCEEDED``). This is not an :class:`HTTPError`: it can be raised before anything is sent, when an
    earlier 429 already closed the gate for longer than the caller accepts.
    """

    def __init__(
        self,
        retry_after: float,
        *,
        reason: str | None = None,
        method: str = "",
        url: str = "",
        max_wait: float | None = None,
        waiting_for: str = "gate",
    ) -> None:
        self.retry_after = retry_after
        self.reason = reason
        self.method = method
        self.url = url
        self.max_wait = max_wait
        #: what the call was waiting for: ``"gate"`` (a 429's Retry-After), ``"budget"`` (the client's rate
        #: budget) or ``"queue"`` (a concurrency slot)
        self.waiting_for = waiting_for
        parts = [f"rate limited while waiting for the {waiting_for}: could go in {retry_after:.1f}s"]
        if max_wait is not None:
            parts.append(f"more than max_wait={max_wait:g}s")
        if reason:
            parts.append(f"reason {reason}")
        if method:
            parts.append(f"[{method} {url}]")
        super().__init__(", ".join(parts))


class TransportError(SpotifyError):
    """The network failed (connection refused or reset, timeout) and the retry policy gave up or could not retry."""

    def __init__(self, message: str, *, method: str = "", url: str = "", attempts: int = 1) -> None:
        self.method = method
        self.url = url
        self.attempts = attempts
        super().__init__(f"{message} [{method} {url}] after {attempts} attempt(s)" if method else message)


class CoordinationError(SpotifyError):
    """The shared coordination backend (Redis, for a budget, gate or token shared between processes) could not be
    reached or answered wrongly within its timeout. Raised instead of hanging; the message names the host, never a
    password."""


class AuthError(SpotifyError):
    """The accounts service refused a token request; ``error`` is its code (``invalid_client``, ...)."""

    def __init__(self, error: str, description: str | None = None, *, status: int | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        text = f"{error}: {description}" if description else error
        super().__init__(f"accounts service refused the token request: {text}")


class ReauthorizationRequired(AuthError):
    """The refresh token is no longer valid (``invalid_grant``): the user must authorize the app again."""


class ScopeError(SpotifyError):
    """The call needs scopes the token was not granted; raised before sending."""

    def __init__(self, operation: str, missing: frozenset[str]) -> None:
        self.operation = operation
        self.missing = missing
        super().__init__(f"{operation} needs scope(s) not granted to this token: {', '.join(sorted(missing))}")


class EndpointUnavailable(SpotifyError):
    """The operation does not exist for this app's mode (removed for development-mode apps); nothing was sent."""

    def __init__(self, operation: str, *, mode: str, replacement: str | None = None) -> None:
        self.operation = operation
        self.mode = mode
        self.replacement = replacement
        if replacement and replacement.lower().startswith("none"):
            # route data such as "none (GET /me for current user)": no replacement, but a hint
            detail = replacement[4:].strip(" ()")
            hint = f"; it has no replacement ({detail})" if detail else "; it has no replacement"
        elif replacement:
            hint = f"; use {replacement} instead"
        else:
            hint = "; it has no replacement"
        super().__init__(
            f"{operation} is not available to {mode}-mode apps (Spotify removed it){hint}. "
            "Pass mode='extended' if your app has extended quota."
        )


class ModelError(SpotifyError):
    """A response body did not fit the model it should structure into; the message names the path."""


_STATUS_CLASSES: dict[int, type[HTTPError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
}


def failure_summary(exc: BaseException) -> str:
    """What a log line or a shared mark may say of a failure: its type and HTTP status (``AuthError 503``), never its
    message, which may quote a server's answer."""
    status = getattr(exc, "status", None)
    return type(exc).__name__ + (f" {status}" if isinstance(status, int) and not isinstance(status, bool) else "")


def parse_error_body(body: bytes) -> tuple[str | None, str | None]:
    """Return (message, reason) from a Web API error body; (None, None) when it is empty, not JSON, or another shape."""
    if not body:
        return None, None
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    err = data.get("error")
    if isinstance(err, dict):
        message = err.get("message")
        reason = err.get("reason")
        return (
            message if isinstance(message, str) else None,
            reason if isinstance(reason, str) else None,
        )
    if isinstance(err, str):  # accounts-style body on a Web API URL
        desc = data.get("error_description")
        return (desc if isinstance(desc, str) else err), None
    return None, None


def describe_error_body(body: bytes, content_type: str | None = None) -> tuple[str, str | None]:
    """(message, reason) for any error body, saying what it is when it is not Spotify's usual shape.

    Spotify's own shape ``{"error": {"status", "message", "reason"}}`` gives its message and reason; the accounts
    shape ``{"error", "error_description"}`` its description. Other JSON keeps its text and is named for what it is:
    the legacy ``{"error": {"type", "description"}}``, an RFC 9457 ``application/problem+json`` body (``title``,
    ``detail``), or JSON of another shape. Only a body that does not decode is called non-JSON.
    """
    message, reason = parse_error_body(body)
    if message is not None:
        return message, reason
    if not body:
        return "empty error body", None
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"non-JSON error body: {_snippet(body)!r}", None
    problem = content_type is not None and "problem+json" in content_type.lower()
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and ("description" in err or "type" in err):
            text = ": ".join(str(err[k]) for k in ("type", "description") if err.get(k) is not None)
            return f"legacy JSON error body: {_bounded(text)}", reason
        if problem or "title" in data or "detail" in data:
            text = ": ".join(str(data[k]) for k in ("title", "detail") if data.get(k) is not None)
            kind = data.get("type")
            where = f" (type {kind})" if isinstance(kind, str) and kind not in ("", "about:blank") else ""
            return f"problem+json error body: {_bounded(text) or _snippet(body)}{where}", reason
    return f"JSON error body of an unknown shape: {_snippet(body)}", reason


def _bounded(text: str, size: int = 500) -> str:
    return text[:size] + "..." if len(text) > size else text


def _snippet(body: bytes, size: int = 300) -> str:
    text = body[:size].decode("utf-8", "replace").strip()
    return text + "..." if len(body) > size else text


def error_from_response(
    status: int, body: bytes, *, method: str, url: str, headers: Mapping[str, str] | None = None
) -> HTTPError:
    """Map an error response to its exception. Never raises: any body (empty, HTML, truncated JSON) is fine."""
    content_type = headers.get("Content-Type") if headers is not None else None
    message, reason = describe_error_body(body, content_type)
    cls = ServerError if status >= 500 else _STATUS_CLASSES.get(status, HTTPError)
    return cls(status, message, reason=reason, method=method, url=url, headers=headers)
