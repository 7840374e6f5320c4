"""Spotify: the async session object users hold.

It owns one ``aiohttp.ClientSession`` (created inside the running loop, or the caller's own, which it then never
closes), one :class:`~spotify_async.http.Scheduler` for the app, a :class:`~spotify_async.auth.TokenManager` for its
identity, and the endpoint groups (``sp.albums``, ``sp.tracks``, ``sp.search`` ...). User-scoped clients made with
:meth:`Spotify.for_user` share the app's connection pool, scheduler and rate budget (Spotify's limit is per app) and
have a token manager of their own (one per flow: two clients of one app on the same flow object share it).

Construction has two paths. ``Spotify(...)`` checks the user's arguments, builds the app's shared core
(:class:`_AppCore`) and attaches to it. :meth:`Spotify.for_user` and :meth:`Spotify.with_priority` make clients of an
app that already has a core, so they skip ``__init__`` and go through :meth:`Spotify._attached`, the one private
constructor, which makes an instance of the caller's own class and attaches it to the existing core.
"""

from __future__ import annotations

from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
from yarl import URL

from .auth.accounts import AccountsClient
from .auth.base import AuthFlow
from .auth.credentials import StaticToken
from .auth.manager import TokenManager
from .auth.scopes import scope_error
from .auth.token import Token
from .auth.user import UserFlow
from .config import ACCOUNTS_BASE, API_BASE, Config, Mode
from .endpoints.albums import AlbumsEndpoints
from .endpoints.artists import ArtistsEndpoints
from .endpoints.audiobooks import AudiobooksEndpoints
from .endpoints.browse import BrowseEndpoints
from .endpoints.chapters import ChaptersEndpoints
from .endpoints.episodes import EpisodesEndpoints
from .endpoints.library import LibraryEndpoints
from .endpoints.markets import MarketsEndpoints
from .endpoints.player import PlayerEndpoints
from .endpoints.playlists import PlaylistsEndpoints
from .endpoints.recommendations import RecommendationsEndpoints
from .endpoints.search import SearchEndpoints
from .endpoints.shows import ShowsEndpoints
from .endpoints.tracks import TracksEndpoints
from .endpoints.users import UsersEndpoints
from .errors import EndpointUnavailable, InvalidInput, SpotifyError
from .http.clock import SYSTEM_CLOCK, Clock
from .http.gate import Gate
from .http.limiter import LANES, Lane, RateLimiter
from .http.pipeline import Pipeline
from .http.response import Request, Response
from .http.scheduler import Scheduler
from .models import _converter

if TYPE_CHECKING:
    # only for the annotation: the redis extra stays optional (connect() is imported when redis= is given)
    from .distributed.coordination import Coordination

__all__ = ["Spotify"]


class _AppCore:
    """What every client of one app shares: config, bases, HTTP session, scheduler, accounts client."""

    def __init__(
        self,
        config: Config,
        api_base: str,
        accounts_base: str,
        session: aiohttp.ClientSession | None,
        limiter: RateLimiter | None,
        gate: Gate | None,
        clock: Clock,
    ) -> None:
        self.config = config
        self.api_base = api_base.rstrip("/")
        self.accounts_base = accounts_base.rstrip("/")
        self._http = session
        self.owns_http = session is None
        self.closed = False
        #: what the scheduler waits on and the token managers measure expiry on
        self.clock = clock
        self.scheduler = Scheduler(config, limiter=limiter, gate=gate, clock=clock)
        #: cache lookup, coalescing, the scheduler, cache store: the layers every request of the app goes through
        self.pipeline = Pipeline(config, self.scheduler, self.http, self.api_base)
        self.accounts = AccountsClient(self.http, self.accounts_base, config)
        #: the Redis coordination made for ``Spotify(..., redis=url)``, closed with the session
        self.coordination: Coordination | None = None

    def http(self) -> aiohttp.ClientSession:
        http = self._http
        if http is None:
            if self.closed:
                raise SpotifyError("this Spotify session is closed")
            connector = aiohttp.TCPConnector(limit=self.config.max_concurrency, ttl_dns_cache=300)
            http = self._http = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.config.user_agent},
                timeout=self.scheduler.timeout,
                proxy=self.config.proxy,
            )
            # the session carries the timeouts, so requests need not pass them one by one (a few us each)
            self.scheduler.session_has_timeout = True
            # The scheduler owns every retry. Left alone, aiohttp resends an idempotent request once, silently, when a
            # kept-alive connection turns out to be closed: four attempts by the scheduler's count were eight at the
            # server, and errors and Response.attempts said four. aiohttp has no public switch; its own test client
            # turns the resend off through this attribute. A test counts what the server receives, so a rename in a
            # later aiohttp shows there. (A session the caller passes in is theirs: it is left as it is.)
            if hasattr(http, "_retry_connection"):
                http._retry_connection = False
        elif http.closed:
            raise SpotifyError("the aiohttp session behind this Spotify session is closed")
        return http

    async def close(self) -> None:
        self.closed = True
        if self._http is not None and self.owns_http:
            await self._http.close()
        self._http = None
        if self.coordination is not None:
            coordination, self.coordination = self.coordination, None
            await coordination.aclose()


def _flow(auth: AuthFlow | Token | str) -> AuthFlow:
    if isinstance(auth, AuthFlow):
        return auth
    if isinstance(auth, (str, Token)):
        return StaticToken(auth)
    raise InvalidInput(
        f"auth must be ClientCredentials, a user flow, a Token or an access token string, not {type(auth).__name__}"
    )


def check_base(name: str, value: str) -> None:
    """Refuse an ``api_base`` or ``accounts_base`` that is not an absolute ``http(s)`` URL with a host and nothing
    after its path (no query, fragment or credentials: paths are appended to it, and a token is sent to it).

    The message names the problem and shows only the scheme, host and port it found: a base's user info, query or
    fragment may hold a secret, so the value itself is never repeated."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, got {type(value).__name__}")
    if any(char.isspace() or not char.isprintable() for char in value):
        # yarl would drop some of these and encode others: the requests and the URLs in errors would disagree
        raise InvalidInput(f"{name} must not contain spaces or control characters (percent-encode them in the path)")
    try:
        url = URL(value)
        port = url.explicit_port
        shown = (
            f"{url.scheme}://{url.raw_host}{'' if port is None else f':{port}'}" if url.absolute else "a relative URL"
        )
    except (ValueError, TypeError):
        raise InvalidInput(f"{name} is not a URL (scheme://host[:port]/path)") from None
    if url.raw_user is not None or url.raw_password is not None:
        raise InvalidInput(f"{name} must not carry credentials (pass them as the auth flow), in {shown}")
    if url.scheme not in ("http", "https") or not url.raw_host or port == 0:
        raise InvalidInput(f"{name} must be an absolute http:// or https:// URL with a host, got {shown}")
    if url.raw_query_string or url.raw_fragment or "?" in value or "#" in value:
        raise InvalidInput(f"{name} must have no query or fragment (paths are appended to it), in {shown}")


class Spotify:
    """An async Spotify Web API session.

    ``auth`` is a flow (:class:`~spotify_async.ClientCredentials`, a user flow) or a fixed token (a string or a
    :class:`~spotify_async.Token`). Use it as ``async with Spotify(auth) as sp:``, or call ``await sp.close()``.

    ``session=`` is your own ``aiohttp.ClientSession``: it is never closed for you, and it is left as it is, so
    aiohttp may resend an idempotent request once on a kept-alive connection it finds closed, behind the scheduler's
    attempt counts. The session made here has that resend off: the scheduler owns every retry.

    ``clock`` is for tests: the clock the scheduler and its default limiter and gate wait on, and the one token expiry
    and the refresh margin are measured on (for example a :class:`~spotify_async.testing.FakeClock`; a ``limiter``
    or ``gate`` you pass keeps its own).
    """

    albums: AlbumsEndpoints
    artists: ArtistsEndpoints
    tracks: TracksEndpoints
    playlists: PlaylistsEndpoints
    search: SearchEndpoints
    audiobooks: AudiobooksEndpoints
    browse: BrowseEndpoints
    chapters: ChaptersEndpoints
    episodes: EpisodesEndpoints
    library: LibraryEndpoints
    markets: MarketsEndpoints
    player: PlayerEndpoints
    recommendations: RecommendationsEndpoints
    shows: ShowsEndpoints
    users: UsersEndpoints

    def __init__(
        self,
        auth: AuthFlow | Token | str,
        *,
        api_base: str = API_BASE,
        accounts_base: str = ACCOUNTS_BASE,
        mode: Mode | None = None,
        config: Config | None = None,
        session: aiohttp.ClientSession | None = None,
        limiter: RateLimiter | None = None,
        gate: Gate | None = None,
        redis: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        check_base("api_base", api_base)
        check_base("accounts_base", accounts_base)
        config = config or Config()
        if mode is not None:
            config = attrs.evolve(config, mode=mode)
        flow = _flow(auth)
        coordination: Coordination | None = None
        if redis is not None:
            # every process of the app shares one budget, one 429 gate and one token through this Redis
            if not flow.client_id:
                raise InvalidInput(
                    "redis= needs an auth flow that knows its client_id (ClientCredentials, a user flow)"
                )
            if isinstance(flow, UserFlow) and flow.user_key is None:
                raise InvalidInput(
                    "redis= shares a user flow's token under its user_key: use login.for_user(key) (or wrap the flow "
                    "in DistributedAuth with key=)"
                )
            from .distributed import connect

            coordination = connect(redis, client_id=flow.client_id, budget=config.budget)
            limiter = limiter or coordination.limiter
            gate = gate or coordination.gate
            flow = coordination.auth(flow)
        core = _AppCore(config, api_base, accounts_base, session, limiter, gate, clock)
        core.coordination = coordination
        self._attach(core, flow, owns_core=True)

    @classmethod
    def _attached(cls, core: _AppCore, flow: AuthFlow, *, tokens: TokenManager | None, lane: Lane) -> Spotify:
        """A client of the app whose core already exists (for :meth:`for_user` and :meth:`with_priority`): a new
        instance of this class, attached without running ``__init__`` (which would build a second core)."""
        client = cls.__new__(cls)
        client._attach(core, flow, owns_core=False, tokens=tokens, lane=lane)
        return client

    def _attach(
        self,
        core: _AppCore,
        flow: AuthFlow,
        *,
        owns_core: bool,
        tokens: TokenManager | None = None,
        lane: Lane = "interactive",
    ) -> None:
        """Point this client at ``core`` for ``flow``: the one owner of the flow's token in this app (reused when
        the flow already has one here, else made on the app's clock), and the endpoint groups."""
        self._core = core
        #: the app session closes the shared pool; a user client made by for_user() does not
        self._owns_core = owns_core
        self._config = core.config
        self._development = core.config.mode == "development"
        self._strict = core.config.strict_models
        self._lane: Lane = lane
        self.auth = flow
        if tokens is None:
            tokens = TokenManager.owning(flow, core.accounts, margin=core.config.token_refresh_margin, clock=core.clock)
        self.tokens = tokens
        self.albums = AlbumsEndpoints(self)
        self.artists = ArtistsEndpoints(self)
        self.tracks = TracksEndpoints(self)
        self.playlists = PlaylistsEndpoints(self)
        self.search = SearchEndpoints(self)
        self.audiobooks = AudiobooksEndpoints(self)
        self.browse = BrowseEndpoints(self)
        self.chapters = ChaptersEndpoints(self)
        self.episodes = EpisodesEndpoints(self)
        self.library = LibraryEndpoints(self)
        self.markets = MarketsEndpoints(self)
        self.player = PlayerEndpoints(self)
        self.recommendations = RecommendationsEndpoints(self)
        self.shows = ShowsEndpoints(self)
        self.users = UsersEndpoints(self)

    def for_user(self, auth: AuthFlow | Token | str) -> Spotify:
        """A client for another identity (a user's flow or token) that shares this app's connection pool,
        scheduler and rate budget (Spotify's limit is per app), with a token manager of its own.

        Cheap to create (no I/O): make one per request or cache one per user. Closing a user client (or leaving
        ``async with``) does nothing; closing the app session ends them all. When the app was made with ``redis=``,
        a user flow with a ``user_key`` is shared through Redis as well (``DistributedAuth`` under that key)."""
        if self._core.closed:
            raise SpotifyError("this Spotify session is closed")
        flow = _flow(auth)
        owner = flow.owner
        if owner is not None and owner.accounts is self._core.accounts:
            # this flow already has a client in this app: share its owner (and its Redis wrapper, if any)
            return type(self)._attached(self._core, owner.flow, tokens=owner, lane=self._lane)
        coordination = self._core.coordination
        if coordination is not None and isinstance(flow, UserFlow) and flow.user_key is not None:
            # an app made with redis=: each user's token is shared by every process too, under the user's key
            flow = coordination.auth(flow)
        return type(self)._attached(self._core, flow, tokens=None, lane=self._lane)

    def with_priority(self, lane: Lane) -> Spotify:
        """A view of this client whose calls run in ``lane``: ``"background"`` for crawls and batch jobs, which
        yield to ``"interactive"`` calls (the default) for concurrency slots and rate budget.

        The view shares everything else with this client: the connection pool, the scheduler, the rate budget, the
        429 gate and the token manager (so no extra token request). It works on :meth:`for_user` clients too, and a
        ``for_user`` client made from a view keeps its lane. Interactive calls keep ``RateBudget.reserve`` of the
        budget and of the slots for themselves and go first when both lanes wait; within a lane, calls are served in
        order. Cheap (no I/O); closing a view does nothing.
        """
        if lane not in LANES:
            raise InvalidInput(f"lane must be one of {', '.join(map(repr, LANES))}, not {lane!r}")
        if self._core.closed:
            raise SpotifyError("this Spotify session is closed")
        return type(self)._attached(self._core, self.auth, tokens=self.tokens, lane=lane)

    @property
    def priority(self) -> Lane:
        """The lane this client's calls run in (``"interactive"`` unless made by :meth:`with_priority`)."""
        return self._lane

    def __repr__(self) -> str:
        lane = "" if self._lane == "interactive" else f" priority={self._lane!r}"
        return f"<Spotify mode={self.mode} api_base={self._core.api_base!r} auth={self.auth!r}{lane}>"

    # ----------------------------------------------------------------- lifecycle
    async def __aenter__(self) -> Spotify:
        self._core.http()  # create the aiohttp session inside the running loop
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (unless it was the caller's). Idempotent. A user client leaves it open."""
        if self._owns_core:
            await self._core.close()

    # ----------------------------------------------------------------- properties
    @property
    def config(self) -> Config:
        return self._config

    @property
    def mode(self) -> Mode:
        return self._config.mode

    @property
    def api_base(self) -> str:
        return self._core.api_base

    @property
    def scheduler(self) -> Scheduler:
        return self._core.scheduler

    @property
    def pipeline(self) -> Pipeline:
        """The request pipeline (cache, coalescer, scheduler) this app's clients share."""
        return self._core.pipeline

    @property
    def stats(self) -> dict[str, float]:
        """Counters of the app's scheduler (requests, retries, 429s met, seconds waited) and token requests."""
        out = self._core.scheduler.stats.as_dict()
        out["token_requests"] = self._core.accounts.requests_sent
        out.update(self._core.pipeline.stats.as_dict())
        return out

    # ----------------------------------------------------------------- the one request path
    def _send(self, request: Request) -> Coroutine[Any, Any, Response]:
        # not a coroutine of its own: the checks run when the call is awaited (which calls this), and the pipeline's
        # coroutine is awaited with no frame of ours above it
        route = request.compiled.route
        if self._development and not route.dev_mode_available:
            raise EndpointUnavailable(route.operation_id, mode="development", replacement=route.replacement)
        token = self.tokens.token
        # granted scopes are known only when the token says (user flows); an app token or a bare string has none
        if token is not None and token.scopes:
            need = route.requires
            if need is not None and not need.satisfied_by(token.scopes):
                raise scope_error(route.operation_id, need, token.scopes)
        if self._lane != "interactive":
            request.lane = self._lane
        return self._core.pipeline.send(request, self.tokens, self.tokens.identity)

    def _structure(self, data: Any, model: Any) -> Any:
        return _converter.structure(data, model, strict=self._strict)
