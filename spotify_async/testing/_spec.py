"""Validation against the Spotify Web API OpenAPI description (``shared/spotify-web-api/openapi.yml``) with
openapi-core: incoming requests when ``FakeSpotify(validate_requests=True)``, and the fake's own responses in the
test suite.

The spec is found through, in order: an explicit path (``FakeSpotify(spec_path=...)``), the ``SPOTIFY_OPENAPI``
environment variable (or its older name ``SPOTIFY_OPENAPI_SPEC``), or a ``shared/spotify-web-api/openapi.yml`` in
this package's parent folders (a checkout that sits beside ``shared/``). The description is Spotify's, not ours: the
package does not ship it. Validation also needs openapi-core and PyYAML (the ``validation`` extra); when either the
file or the libraries are missing, the error says which and how to provide it. The spec is parsed once per process
(it takes about a second) and off the event loop.
"""

from __future__ import annotations

import asyncio
import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = ["RequestValidator", "SpecRequest", "SpecResponse", "find_spec", "load_openapi"]

_SPEC_SERVER = "https://api.spotify.com"
_lock = threading.Lock()
_cache: dict[str, Any] = {}


_HOW = (
    "request validation needs Spotify's OpenAPI description (openapi.yml, not shipped with spotify_async): "
    "pass FakeSpotify(spec_path=...) or set SPOTIFY_OPENAPI=/path/to/openapi.yml"
)


def find_spec(explicit: str | None = None) -> Path:
    """The path of ``openapi.yml`` (see the module docstring for the order); ``FileNotFoundError`` says how to give it."""
    for source, value in (
        ("spec_path", explicit),
        ("SPOTIFY_OPENAPI", os.environ.get("SPOTIFY_OPENAPI")),
        ("SPOTIFY_OPENAPI_SPEC", os.environ.get("SPOTIFY_OPENAPI_SPEC")),
    ):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"{source}={value!r} is not a file; {_HOW}")
            return path
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "spotify-web-api" / "openapi.yml"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"openapi.yml not found; {_HOW}")


def _validation_libraries() -> tuple[Any, Any]:
    """``(yaml, openapi_core.OpenAPI)``, or a ``ModuleNotFoundError`` naming the extra that provides them."""
    try:
        import yaml
        from openapi_core import OpenAPI
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"request validation needs openapi-core and PyYAML ({exc.name} is not installed): "
            "pip install 'spotify_async[validation]'",
            name=exc.name,
        ) from None
    return yaml, OpenAPI


def load_openapi(path: str | None = None) -> Any:
    """The parsed ``openapi_core.OpenAPI`` for the spec (cached per path for the life of the process)."""
    resolved = str(find_spec(path).resolve())
    with _lock:
        spec = _cache.get(resolved)
        if spec is None:
            yaml, OpenAPI = _validation_libraries()
            with open(resolved, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
            spec = _cache[resolved] = OpenAPI.from_dict(data)
        return spec


class _Params:
    """openapi-core's RequestParameters shape (``path`` is written by the validator)."""

    def __init__(self, query: Mapping[str, str], header: Mapping[str, str]) -> None:
        from openapi_core.datatypes import RequestParameters

        self.inner = RequestParameters(query=query, header=header, cookie={})


class SpecRequest:
    """A request as openapi-core reads it, addressed as if to api.spotify.com (the spec's server)."""

    def __init__(
        self,
        method: str,
        api_path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes | None,
        content_type: str,
    ) -> None:
        self.method = method.lower()
        self.path = "/v1" + api_path
        self.host_url = _SPEC_SERVER
        self.parameters = _Params(query, headers).inner
        # the spec types the base64 cover upload (image/jpeg) as a string; openapi-core hands raw media types
        # to the schema as bytes, so give it the text it describes
        self.body: bytes | str | None = (
            body.decode("ascii", "replace") if body is not None and content_type == "image/jpeg" else body
        )
        self.content_type = content_type

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path


class SpecResponse:
    def __init__(self, status: int, headers: Mapping[str, str], data: bytes | None) -> None:
        self.status_code = status
        self.headers = headers
        self.data = data
        self.content_type = headers.get("Content-Type", "application/json").split(";")[0].strip().lower()


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    """One readable line: the error type and, for schema errors, each failing path (values cut short)."""
    parts = [type(exc).__name__]
    seen: BaseException | None = exc
    found = False
    while seen is not None:
        schema_errors = getattr(seen, "schema_errors", None)
        if schema_errors:
            found = True
            parts.extend(
                f"$.{'.'.join(map(str, e.absolute_path))}: {_short(e.message)}" for e in list(schema_errors)[:5]
            )
        seen = seen.__cause__ or seen.__context__
    if not found:
        parts.append(_short(str(exc), 300))
    return "; ".join(parts)


def request_errors(spec: Any, req: SpecRequest) -> list[str]:
    with warnings.catch_warnings():
        # openapi-core cannot check oauth2 security schemes; the fake checks tokens itself
        warnings.filterwarnings("ignore", "Unsupported scheme type")
        return [_describe(e) for e in spec.iter_request_errors(req)]


def response_errors(spec: Any, req: SpecRequest, resp: SpecResponse) -> list[str]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type")
        return [_describe(e) for e in spec.iter_response_errors(req, resp)]


def declared_statuses(spec: Any, req: SpecRequest) -> set[str]:
    """The response codes the spec declares for the operation ``req`` addresses (empty if none matches)."""
    from openapi_core.templating.paths.finders import APICallPathFinder

    try:
        found = APICallPathFinder(spec.spec).find(req.method, req.full_url_pattern)
    except Exception:  # no operation matches: nothing to check against
        return set()
    responses = found.operation / "responses"
    return {str(k) for k in responses.keys()}  # noqa: SIM118 - a SchemaPath, not a dict


class RequestValidator:
    """Checks requests reaching a FakeSpotify and records violations instead of failing them."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self._declared: dict[tuple[str, str], set[str]] = {}

    @classmethod
    async def load(cls, path: str | None) -> RequestValidator:
        spec = await asyncio.to_thread(load_openapi, path)
        return cls(spec)

    async def check(self, request: web.Request, api_path: str, violations: list[str]) -> None:
        body = await request.read() if request.body_exists else None
        req = SpecRequest(
            request.method,
            api_path,
            request.query,
            request.headers,
            body,
            request.headers.get("Content-Type", "").split(";")[0].strip().lower(),
        )
        for err in request_errors(self.spec, req):
            violations.append(f"{request.method} {api_path}: {err}")

    async def check_response(
        self, request: web.Request, api_path: str, resp: web.StreamResponse, violations: list[str]
    ) -> None:
        """Check a response the fake produced; statuses the operation does not declare are not checked (the
        spec lists only 2xx, 401, 403 and 429 for most operations)."""
        if not isinstance(resp, web.Response):
            return
        body = resp.body if isinstance(resp.body, bytes) else None
        req = SpecRequest(
            request.method,
            api_path,
            request.query,
            request.headers,
            await request.read() if request.body_exists else None,
            request.headers.get("Content-Type", "").split(";")[0].strip().lower(),
        )
        if not self._declares(req, resp.status):
            return
        headers = dict(resp.headers)
        if body is None or not body:
            headers.pop("Content-Type", None)
        for err in response_errors(self.spec, req, SpecResponse(resp.status, headers, body or None)):
            violations.append(f"{request.method} {api_path} -> {resp.status}: {err}")

    def _declares(self, req: SpecRequest, status: int) -> bool:
        key = (req.method, req.path)
        statuses = self._declared.get(key)
        if statuses is None:
            statuses = self._declared[key] = declared_statuses(self.spec, req)
        return str(status) in statuses or "default" in statuses
