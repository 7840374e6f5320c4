"""A FastAPI backend serving many Spotify users from one app session.

What it shows a FastAPI developer:

* **One ``Spotify`` session per process, owned by the lifespan.** :func:`create_app` builds the app; its lifespan
  opens the app session (client credentials) inside the loop the server runs, and closes it when the server stops.
  It owns the connection pool, the scheduler and the rate budget, which Spotify counts per app, so every request of
  every user goes through it.
* **A dependency for the signed-in user's client.** ``UserSpotify`` (``Depends(user_client)``) reads the session
  from the ``session`` cookie or an ``X-Session`` header, and gives the route ``app_sp.for_user(flow)``: a client
  with the user's own token (kept in the token store under their Spotify user id, refreshed on demand) sharing the
  app's pool and budget. ``AppSpotify`` gives the app client for catalog routes, which need no user.
* **The user flow.** ``/login`` sends the browser to Spotify with a fresh ``state``, also set in a short-lived
  cookie; ``/callback`` checks that the state came back to the browser that started the login, lets
  ``AuthorizationCode`` check that this app issued it (and trade the code), stores the token and sets the session.
* **Errors.** ``RateLimited`` becomes ``429`` with ``Retry-After`` (the app waits at most ``Config.max_wait`` at
  Spotify's 429 gate, then tells the caller when to come back); the other SDK errors map to the statuses in
  :data:`STATUSES`. The body is ``{"error": ..., "message": ...}``; no message carries a token.

Routes: ``/`` ``/login`` ``/callback`` ``/me`` ``/me/top-tracks`` ``/tracks/{track_id}`` ``/search?q=``
``POST /logout``.

Run it::

    python examples/fastapi_backend.py          # against FakeSpotify on 127.0.0.1:8000: open /login
    python examples/fastapi_backend.py --demo   # FakeSpotify, and two scripted users log in and call the routes

With ``SPOTIFY_CLIENT_ID`` and ``SPOTIFY_CLIENT_SECRET`` (and ``REDIRECT_URI``, registered in the dashboard, default
``http://127.0.0.1:8000/callback``; ``SESSION_SECRET`` to keep sessions valid across restarts and workers) it talks
to the real Spotify instead, or serve it with ``uvicorn --factory examples.fastapi_backend:app_from_env``.

Several workers: sessions are signed, not remembered, so any worker can check them; tokens need a store every worker
reads (``RedisTokenStore``, not the in-memory default), and so does the pending login between ``/login`` and
``/callback``: give the flow ``state_store=RedisStateStore(REDIS, client_id=...)`` (or ``SignedStateStore(key)``) and
build the redirect with ``await login.login_url(...)``, as ``examples/multi_worker_login.py`` does; with the default
in-memory state store, route ``/login`` and ``/callback`` to one worker (or use sticky sessions).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import math
import os
import secrets
import socket
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from spotify_async import (
    ACCOUNTS_BASE,
    API_BASE,
    AuthError,
    AuthorizationCode,
    BadRequest,
    ClientCredentials,
    Config,
    EndpointUnavailable,
    Forbidden,
    InvalidInput,
    MemoryTokenStore,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    Scope,
    ScopeError,
    Spotify,
    SpotifyError,
    Timeouts,
    Token,
    TokenStore,
    TransportError,
    Unauthorized,
)
from spotify_async.errors import CoordinationError
from spotify_async.models import Track

__all__ = [
    "STATUSES",
    "AppSpotify",
    "Backend",
    "Sessions",
    "Settings",
    "UserSpotify",
    "app_from_env",
    "create_app",
    "main",
]

SCOPES = (Scope.USER_READ_PRIVATE, Scope.USER_TOP_READ)
SESSION_COOKIE = "session"
STATE_COOKIE = "spotify_login_state"

#: How SDK errors reach the caller, most specific first (the first ``isinstance`` match wins).
STATUSES: tuple[tuple[type[SpotifyError], int, str], ...] = (
    (RateLimited, 429, "rate_limited"),  # plus Retry-After
    (ReauthorizationRequired, 401, "login_required"),  # the refresh token died: log in again
    (Unauthorized, 401, "login_required"),  # Spotify refused the user's token even after a refresh
    (ScopeError, 403, "scope_missing"),  # the login did not grant what this route needs
    (Forbidden, 403, "forbidden"),  # e.g. PREMIUM_REQUIRED, in the message
    (NotFound, 404, "not_found"),
    (InvalidInput, 422, "invalid_input"),  # a malformed id or a limit out of range, found before sending
    (BadRequest, 400, "bad_request"),
    (EndpointUnavailable, 501, "unavailable"),  # not offered to this app's mode
    (TransportError, 504, "spotify_unreachable"),
    (CoordinationError, 503, "coordination_unavailable"),
    (AuthError, 502, "app_credentials_refused"),  # the accounts service refused the app itself
    (SpotifyError, 502, "spotify_error"),  # 5xx after retries, a body that did not fit, anything else
)


@dataclass(frozen=True)
class Settings:
    """What the app needs to start. Secrets are kept out of ``repr``."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str = "http://127.0.0.1:8000/callback"
    api_base: str = API_BASE
    accounts_base: str = ACCOUNTS_BASE
    #: signs session values; give every worker the same one (a random one is valid only in this process)
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    session_max_age: float = 30 * 24 * 3600.0
    #: where users' tokens live, under their Spotify user id (in memory by default: one process, lost on restart)
    store: TokenStore = field(default_factory=MemoryTokenStore)
    #: a request waits at most 5 s at Spotify's 429 gate, then the caller gets 429 with Retry-After
    config: Config = field(default_factory=lambda: Config(max_wait=5.0, timeouts=Timeouts(total=10.0)))
    #: signed-in users whose clients are kept ready (cheap to rebuild from the store)
    max_cached_users: int = 10_000

    @classmethod
    def from_env(cls) -> Settings:
        """``SPOTIFY_CLIENT_ID``, ``SPOTIFY_CLIENT_SECRET``, ``REDIRECT_URI`` and ``SESSION_SECRET``."""
        try:
            client_id, secret = os.environ["SPOTIFY_CLIENT_ID"], os.environ["SPOTIFY_CLIENT_SECRET"]
        except KeyError as missing:
            raise InvalidInput(f"set {missing.args[0]} (from the app's dashboard)") from None
        redirect = os.environ.get("REDIRECT_URI", "http://127.0.0.1:8000/callback")
        session_secret = os.environ.get("SESSION_SECRET")
        if session_secret:
            return cls(client_id, secret, redirect, session_secret=session_secret.encode())
        return cls(client_id, secret, redirect)


class Sessions:
    """Signed session values, so any worker can check one without shared memory.

    A value is ``<user id, base64url>.<issued at, unix seconds>.<HMAC-SHA256 of both, base64url>``; it is valid for
    ``max_age`` seconds. Signing a user id says who the browser is; the token itself stays in the token store.
    """

    def __init__(self, secret: bytes, max_age: float, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise InvalidInput("the session secret needs at least 16 bytes")
        self._secret = secret
        self.max_age = max_age
        self._clock = clock

    def __repr__(self) -> str:
        return f"<Sessions max_age={self.max_age:g}s>"

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issue(self, user_id: str) -> str:
        who = base64.urlsafe_b64encode(user_id.encode()).rstrip(b"=").decode()
        payload = f"{who}.{int(self._clock())}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, value: str) -> str | None:
        """The user id in ``value``, or None when it is malformed, forged or expired."""
        who, _, rest = value.partition(".")
        issued, _, signature = rest.partition(".")
        if not who or not issued.isdigit() or not signature:
            return None
        if not hmac.compare_digest(signature.encode(), self._sign(f"{who}.{issued}").encode()):
            return None
        if self._clock() - int(issued) > self.max_age:
            return None
        try:
            return base64.urlsafe_b64decode(who + "=" * (-len(who) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None


class Backend:
    """What the lifespan builds: the app session, the login helper (no user of its own), the session signer and a
    bounded cache of signed-in users' clients."""

    def __init__(self, app_sp: Spotify, login: AuthorizationCode, sessions: Sessions, max_cached: int) -> None:
        self.app_sp = app_sp
        self.login = login
        self.sessions = sessions
        self.max_cached = max_cached
        self._clients: OrderedDict[str, Spotify] = OrderedDict()  # Spotify user id -> client, least recent first
        # one restore at a time: two requests for one user must not make two flows (each would refresh on its own)
        self._restoring = asyncio.Lock()

    def cached(self) -> list[str]:
        return list(self._clients)

    def _keep(self, user_id: str, client: Spotify) -> Spotify:
        self._clients[user_id] = client
        self._clients.move_to_end(user_id)
        while len(self._clients) > self.max_cached:
            self._clients.popitem(last=False)
        return client

    async def user(self, user_id: str) -> Spotify | None:
        """The user's client: cached, else rebuilt from the token store; None when the store has no token."""
        client = self._clients.get(user_id)
        if client is not None:
            self._clients.move_to_end(user_id)
            return client
        async with self._restoring:
            client = self._clients.get(user_id)
            if client is None:
                flow = await self.login.restore(user_id)
                if flow is None:
                    return None
                client = self._keep(user_id, self.app_sp.for_user(flow))
        return client

    async def sign_in(self, token: Token) -> str:
        """Keep a fresh login's token under the user's Spotify id (one ``GET /me`` finds it); returns the id."""
        me = await self.app_sp.for_user(token).users.me()
        flow = self.login.for_user(me.id)
        await flow.set_token(token)  # saved in the store
        self._keep(me.id, self.app_sp.for_user(flow))
        return me.id

    async def forget(self, user_id: str) -> None:
        self._clients.pop(user_id, None)
        if self.login.store is not None:
            await self.login.store.delete(user_id)


# ---------------------------------------------------------------------------------------------- dependencies


def get_backend(request: Request) -> Backend:
    backend = getattr(request.app.state, "backend", None)
    if not isinstance(backend, Backend):
        raise HTTPException(503, "the app is not started (its lifespan has not run)")
    return backend


BackendDep = Annotated[Backend, Depends(get_backend)]


def app_client(backend: BackendDep) -> Spotify:
    """The app's own client (client credentials): for catalog routes that need no user."""
    return backend.app_sp


async def signed_in_user(
    request: Request, backend: BackendDep, x_session: Annotated[str | None, Header()] = None
) -> str:
    """The Spotify user id of the caller, from the ``X-Session`` header or the ``session`` cookie."""
    value = x_session or request.cookies.get(SESSION_COOKIE)
    user_id = backend.sessions.verify(value) if value else None
    if user_id is None:
        raise HTTPException(401, "not signed in: GET /login", headers={"WWW-Authenticate": "Session"})
    request.state.user_id = user_id  # for the error handler, should the user's login turn out to be dead
    return user_id


async def user_client(backend: BackendDep, user_id: Annotated[str, Depends(signed_in_user)]) -> Spotify:
    """The signed-in user's client: their token, the app's pool, scheduler and budget."""
    client = await backend.user(user_id)
    if client is None:  # signed in, but the store lost the token (a restart with the memory store, a logout)
        raise HTTPException(401, "your Spotify login is gone: GET /login", headers={"WWW-Authenticate": "Session"})
    return client


AppSpotify = Annotated[Spotify, Depends(app_client)]
UserSpotify = Annotated[Spotify, Depends(user_client)]


# ---------------------------------------------------------------------------------------------- responses


class UserOut(BaseModel):
    id: str
    display_name: str | None


class TrackOut(BaseModel):
    id: str | None
    name: str
    artists: list[str]
    album: str | None
    uri: str | None

    @classmethod
    def of(cls, track: Track) -> TrackOut:
        artists = [a.name for a in track.artists if a is not None and a.name]
        return cls(id=track.id, name=track.name, artists=artists, album=track.album.name, uri=track.uri)


class SignedIn(BaseModel):
    user_id: str
    session: str  # send it back as the X-Session header (clients without cookies)


# ---------------------------------------------------------------------------------------------- routes

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def index() -> str:
    return "<a href='/login'>Log in with Spotify</a>"


@router.get("/login")
async def login(backend: BackendDep) -> RedirectResponse:
    state = secrets.token_urlsafe(24)
    response = RedirectResponse(backend.login.authorize_url(state=state), status_code=302)
    # the state also goes to this browser: /callback refuses a login another browser started (login CSRF)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(backend.login.login_lifetime),
        path="/callback",
        httponly=True,
        samesite="lax",
        secure=backend.login.redirect_uri.startswith("https://"),
    )
    return response


def _login_failed(message: str) -> JSONResponse:
    response = JSONResponse({"error": "login_failed", "message": message}, status_code=400)
    response.delete_cookie(STATE_COOKIE, path="/callback")
    return response


@router.get("/callback", response_model=None)
async def callback(request: Request, backend: BackendDep) -> Response:
    params = dict(request.query_params)
    started_here = request.cookies.get(STATE_COOKIE, "")
    if not started_here or not hmac.compare_digest(started_here.encode(), params.get("state", "").encode()):
        return _login_failed("this login was not started in this browser (or took too long): GET /login again")
    try:
        token = await backend.login.exchange_callback(params)  # checks the state is ours and unused, trades the code
    except (InvalidInput, AuthError) as exc:  # stale state, the user said no, a used code
        return _login_failed(str(exc))
    user_id = await backend.sign_in(token)
    session = backend.sessions.issue(user_id)
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = JSONResponse(SignedIn(user_id=user_id, session=session).model_dump())
    else:
        response = RedirectResponse("/me", status_code=303)
    secure = backend.login.redirect_uri.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(backend.sessions.max_age),
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.delete_cookie(STATE_COOKIE, path="/callback")
    return response


@router.post("/logout", status_code=204)
async def logout(backend: BackendDep, user_id: Annotated[str, Depends(signed_in_user)]) -> Response:
    await backend.forget(user_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me")
async def me(sp: UserSpotify) -> UserOut:
    user = await sp.users.me()
    return UserOut(id=user.id, display_name=user.display_name)


@router.get("/me/top-tracks")
async def top_tracks(sp: UserSpotify, limit: Annotated[int, Query(ge=1, le=50)] = 5) -> list[TrackOut]:
    page = await sp.users.top_tracks(limit=limit)
    return [TrackOut.of(t) for t in page.items if t is not None]  # null entries: items Spotify cannot resolve


@router.get("/tracks/{track_id}")
async def track(sp: AppSpotify, track_id: str) -> TrackOut:
    return TrackOut.of(await sp.tracks.get(track_id))  # an id, URI or URL; a malformed one is a 422


@router.get("/search")
async def search(
    sp: AppSpotify, q: Annotated[str, Query(min_length=1)], limit: Annotated[int, Query(ge=1, le=10)] = 5
) -> list[TrackOut]:
    page = await sp.search.tracks(q, limit=limit)
    return [TrackOut.of(t) for t in page.items if t is not None]  # null entries: items Spotify cannot resolve


# ---------------------------------------------------------------------------------------------- errors


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up and at least 1: a caller that waits this long finds the gate open."""
    return str(max(1, math.ceil(seconds)))


async def spotify_error_response(request: Request, exc: Exception) -> Response:
    """Every SDK error a route lets through, as a status from :data:`STATUSES`."""
    if not isinstance(exc, SpotifyError):  # pragma: no cover - registered for SpotifyError only
        raise exc
    status, code = next((s, c) for cls, s, c in STATUSES if isinstance(exc, cls))
    headers: dict[str, str] = {}
    message = str(exc)
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = retry_after_header(exc.retry_after)
        message = f"Spotify asks us to slow down: try again in {headers['Retry-After']} s"
    response = JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)
    if isinstance(exc, ReauthorizationRequired):
        user_id = getattr(request.state, "user_id", None)
        if isinstance(user_id, str):  # that login is dead everywhere: forget it and the session
            await get_backend(request).forget(user_id)
            response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------------------------------------- the app


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app. Nothing touches the network until its lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # created here, inside the loop that serves requests, and closed when the server stops
        auth = ClientCredentials(settings.client_id, settings.client_secret)
        async with Spotify(
            auth, api_base=settings.api_base, accounts_base=settings.accounts_base, config=settings.config
        ) as app_sp:
            login = AuthorizationCode(
                settings.client_id,
                settings.client_secret,
                settings.redirect_uri,
                scopes=SCOPES,
                store=settings.store,
                accounts_base=settings.accounts_base,
            )
            sessions = Sessions(settings.session_secret, settings.session_max_age)
            app.state.backend = Backend(app_sp, login, sessions, settings.max_cached_users)
            yield

    app = FastAPI(title="spotify_async FastAPI example", lifespan=lifespan)
    app.include_router(router)
    app.add_exception_handler(SpotifyError, spotify_error_response)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory examples.fastapi_backend:app_from_env`` against the real Spotify."""
    return create_app(Settings.from_env())


async def demo(base: str, fake: Any, users: list[str]) -> list[str]:
    """Log ``users`` in one after another through the real routes (FakeSpotify approves at once), then call the
    user and catalog routes for each; returns one line per user."""
    import httpx

    lines = []
    for user_id in users:
        fake.login_user = user_id
        async with httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=10.0) as browser:
            me = (await browser.get("/login")).json()  # /login -> Spotify -> /callback -> /me
            top = (await browser.get("/me/top-tracks", params={"limit": 2})).json()
            found = (await browser.get("/search", params={"q": "island", "limit": 1})).json()
            lines.append(
                f"{me['display_name']} ({me['id']}): top tracks {', '.join(t['name'] for t in top)}; "
                f"search 'island': {found[0]['name'] if found else 'nothing'}"
            )
    return lines


async def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="script two logins against FakeSpotify and exit")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    async with AsyncExitStack() as stack:
        # bind first: the redirect URI names the port
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0 if args.demo else args.port))
        stack.callback(sock.close)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        fake: Any = None
        if os.environ.get("SPOTIFY_CLIENT_ID") and not args.demo:
            settings = Settings.from_env()
        else:
            from spotify_async.testing import FakeSpotify

            fake = await stack.enter_async_context(FakeSpotify())
            settings = Settings(
                fake.client_id,
                fake.client_secret,
                f"{base}/callback",
                api_base=fake.api_base,
                accounts_base=fake.accounts_base,
            )
        app = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))  # the log would show codes
        if not args.demo:
            print(f"Open {base}/login (Ctrl-C to stop)")
            await server.serve(sockets=[sock])
            return 0
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            for _ in range(500):  # at most 5 s for the server to start
                if server.started or serving.done():
                    break
                await asyncio.sleep(0.01)
            if not server.started:
                raise RuntimeError("the server did not start within 5 s")
            for line in await demo(base, fake, fake.catalog.users[:2]):
                print(line)
            print(f"requests sent through the one app session: {app.state.backend.app_sp.stats['requests']:.0f}")
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, 10.0)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        pass
