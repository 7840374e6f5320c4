"""A discord.py bot (application commands) sharing one Spotify client among everyone it serves.

What it shows a discord.py developer:

* **One ``Spotify`` session for the bot, made in ``setup_hook`` and closed in ``close``.** ``setup_hook`` runs inside
  the loop discord.py runs, so the session's connection pool belongs to that loop; ``close`` closes it with the bot.
  Catalog commands use it directly (client credentials); each Discord user who linked their account gets
  ``sp.for_user(flow)``, sharing the pool, the scheduler and the rate budget (Spotify counts requests per app).
* **Replies that never hang.** Discord wants an answer within 3 seconds, and the bot's config keeps Spotify from
  making it wait long: ``Config.max_wait`` is 2 s, so a longer ``Retry-After`` raises ``RateLimited`` at once, which
  becomes a polite "try again in N s" only the asker sees. :meth:`SpotifyBot.answer` defers the interaction ("is
  thinking...") when a call has not finished after ``defer_after`` seconds, and gives up after ``reply_timeout``
  seconds with a reply saying so; nothing it starts outlives that.
* **Linking accounts.** ``/link`` replies (privately) with Spotify's authorize URL; Spotify sends the browser to the
  bot's small callback server (aiohttp, started in ``setup_hook``), which checks the state and stores the token under
  ``discord:<user id>``. The state carries the Discord user id; ``AuthorizationCode`` checks that the bot issued it.
* **Background work in one place.** :meth:`SpotifyBot.background_work` is everything the bot does unasked (a sweep
  that drops links whose Spotify login died), run in the background lane (``sp.with_priority("background")``) so
  that commands go first; :meth:`SpotifyBot.run_background` runs it every ``check_links_every`` seconds until
  ``close``.

Commands: ``/track <query>``, ``/nowplaying``, ``/link``, ``/unlink``.

Run it (a Discord application with a bot token, and a Spotify app whose redirect URIs include the callback)::

    DISCORD_TOKEN=... SPOTIFY_CLIENT_ID=... SPOTIFY_CLIENT_SECRET=... python examples/discord_bot.py

``DISCORD_GUILD`` (a server id) syncs the commands to that server at once rather than globally; ``REDIRECT_URI``
defaults to ``http://127.0.0.1:8080/callback``, where the callback server listens. Its tests invoke the command
callbacks with a stand-in for the interaction, against FakeSpotify.
"""

from __future__ import annotations

import asyncio
import html
import logging
import math
import os
import secrets
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import discord
from aiohttp import web
from discord import app_commands

from spotify_async import (
    ACCOUNTS_BASE,
    API_BASE,
    AuthorizationCode,
    ClientCredentials,
    Config,
    InvalidInput,
    MemoryTokenStore,
    RateLimited,
    ReauthorizationRequired,
    Scope,
    Spotify,
    SpotifyError,
    Timeouts,
    TokenStore,
)
from spotify_async.models import Episode, Track

__all__ = ["BotSettings", "SpotifyBot", "link", "main", "nowplaying", "track", "unlink"]

log = logging.getLogger("discord_bot")

SCOPES = (Scope.USER_READ_CURRENTLY_PLAYING,)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class BotSettings:
    """What the bot needs. Secrets are kept out of ``repr``."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str = "http://127.0.0.1:8080/callback"
    api_base: str = API_BASE
    accounts_base: str = ACCOUNTS_BASE
    #: a short wait at the 429 gate, a short bound on each HTTP attempt: a command answers in seconds
    config: Config = field(default_factory=lambda: Config(max_wait=2.0, timeouts=Timeouts(total=5.0)))
    #: where linked users' tokens live, under ``discord:<user id>``
    store: TokenStore = field(default_factory=MemoryTokenStore)
    #: defer the interaction when the answer is not ready after this long (Discord allows 3 s)
    defer_after: float = 1.5
    #: give up on a command after this long, and say so
    reply_timeout: float = 12.0
    #: how often :meth:`SpotifyBot.background_work` runs
    check_links_every: float = 3600.0
    #: where the callback server listens (the redirect URI's host and port by default; port 0: any free port)
    callback_host: str | None = None
    callback_port: int | None = None
    #: sync the command tree at start (to this guild at once, else globally)
    sync_commands: bool = True
    guild_id: int | None = None


def user_key(discord_user_id: int) -> str:
    return f"discord:{discord_user_id}"


class SpotifyBot(discord.Client):
    """The bot: one shared Spotify client (``self.sp``), linked users' clients, the callback server, the commands."""

    def __init__(
        self, settings: BotSettings, *, intents: discord.Intents | None = None, sleep: Sleep = asyncio.sleep
    ) -> None:
        super().__init__(intents=intents or discord.Intents.default())
        self.settings = settings
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(track)
        self.tree.add_command(nowplaying)
        self.tree.add_command(link)
        self.tree.add_command(unlink)
        self._sleep = sleep
        self._sp: Spotify | None = None
        self._login: AuthorizationCode | None = None
        self._users: dict[int, Spotify] = {}  # Discord user id -> their client (shares the pool and budget)
        self._restoring = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._background: asyncio.Task[None] | None = None
        self.callback_url = ""

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Runs once, inside discord.py's loop, before the bot connects: the shared client, the login helper, the
        callback server and the background task; then the command sync."""
        s = self.settings
        auth = ClientCredentials(s.client_id, s.client_secret)
        self._sp = await Spotify(auth, api_base=s.api_base, accounts_base=s.accounts_base, config=s.config).__aenter__()
        redirect = urlsplit(s.redirect_uri)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        port = s.callback_port if s.callback_port is not None else redirect.port or 80
        sock.bind((s.callback_host or redirect.hostname or "127.0.0.1", port))
        # port 0 picks a free port; the redirect URI then names it (tests, local runs)
        redirect_uri = s.redirect_uri if port else f"http://127.0.0.1:{sock.getsockname()[1]}{redirect.path}"
        self._login = AuthorizationCode(
            s.client_id, s.client_secret, redirect_uri, scopes=SCOPES, store=s.store, accounts_base=s.accounts_base
        )
        app = web.Application()
        app.router.add_get(redirect.path or "/", self._handle_callback)
        self._runner = web.AppRunner(app, access_log=None)  # an access log would record the callback's code
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.callback_url = redirect_uri
        self._background = asyncio.create_task(self.run_background(), name="spotify-background")
        if s.sync_commands:
            guild = discord.Object(id=s.guild_id) if s.guild_id is not None else None
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def close(self) -> None:
        """Stop the background task and the callback server, close the shared client, then disconnect."""
        background, self._background = self._background, None
        if background is not None:
            background.cancel()
            await asyncio.gather(background, return_exceptions=True)
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        sp, self._sp = self._sp, None
        self._users.clear()
        if sp is not None:
            await sp.close()
        await super().close()

    @property
    def sp(self) -> Spotify:
        """The shared app client (client credentials)."""
        if self._sp is None:
            raise RuntimeError("the bot is not set up (setup_hook has not run, or it was closed)")
        return self._sp

    @property
    def login_flow(self) -> AuthorizationCode:
        if self._login is None:
            raise RuntimeError("the bot is not set up (setup_hook has not run)")
        return self._login

    # ---- replying -----------------------------------------------------------------------------------------------

    async def answer(
        self, interaction: discord.Interaction[Any], work: Coroutine[Any, Any, str], *, ephemeral: bool = False
    ) -> None:
        """Reply with what ``work`` returns, never later than ``reply_timeout`` seconds: deferred first when it
        takes longer than ``defer_after``; ``RateLimited`` and other SDK errors answered politely (and privately)."""
        s = self.settings
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=s.defer_after)
            if not done:
                await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            text = await asyncio.wait_for(task, max(0.0, s.reply_timeout - s.defer_after))
        except asyncio.TimeoutError:
            text, ephemeral = "Spotify is taking too long to answer; try again in a moment.", True
        except RateLimited as exc:
            seconds = max(1, math.ceil(exc.retry_after))
            text, ephemeral = f"Spotify asks me to slow down: try again in about {seconds} s.", True
        except InvalidInput as exc:
            text, ephemeral = f"I cannot ask Spotify that: {exc}", True
        except SpotifyError as exc:
            log.warning("command failed: %s", type(exc).__name__)
            text, ephemeral = f"Spotify did not answer that ({type(exc).__name__}); try again later.", True
        finally:
            if not task.done():
                task.cancel()
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=ephemeral)
        else:
            await interaction.response.send_message(text, ephemeral=ephemeral)

    # ---- what the commands say ----------------------------------------------------------------------------------

    async def find_track(self, query: str) -> str:
        page = await self.sp.search.tracks(query, limit=3)
        lines = []
        for t in page.items:
            if t is None:  # an entry Spotify could not resolve: any list of objects may hold one
                continue
            artists = ", ".join(a.name for a in t.artists if a is not None and a.name) or "unknown artist"
            url = t.external_urls.spotify if t.external_urls else None
            lines.append(f"**{t.name}** by {artists}" + (f" <{url}>" if url else ""))
        return "\n".join(lines) or f"Nothing on Spotify matches {query!r}."

    async def now_playing(self, discord_user_id: int) -> str:
        client = await self.linked(discord_user_id)
        if client is None:
            return "Link your Spotify account first: /link"
        try:
            playing = await client.player.currently_playing()
        except ReauthorizationRequired:
            await self.unlink_user(discord_user_id)
            return "Your Spotify link has expired: use /link again."
        if playing is None or playing.item is None:
            return "Nothing is playing on your Spotify right now."
        item, state = playing.item, "Playing" if playing.is_playing else "Paused"
        if isinstance(item, Track):
            artists = ", ".join(a.name for a in item.artists if a is not None and a.name)
            return f"{state}: **{item.name}** by {artists or 'unknown artist'}"
        if isinstance(item, Episode):
            show = f" ({item.show.name})" if item.show else ""
            return f"{state}: **{item.name}**{show}"
        return f"{state}: something Spotify does not name here"

    # ---- linked accounts ----------------------------------------------------------------------------------------

    def link_url(self, discord_user_id: int) -> str:
        # the state names the Discord user; the flow remembers it and refuses any state it did not issue
        return self.login_flow.authorize_url(state=f"{discord_user_id}.{secrets.token_urlsafe(16)}")

    async def linked(self, discord_user_id: int) -> Spotify | None:
        """The user's client: cached, else rebuilt from the token store; None when they never linked."""
        client = self._users.get(discord_user_id)
        if client is None:
            async with self._restoring:  # one flow per user, even when two commands race
                client = self._users.get(discord_user_id)
                if client is None:
                    flow = await self.login_flow.restore(user_key(discord_user_id))
                    if flow is None:
                        return None
                    client = self._users[discord_user_id] = self.sp.for_user(flow)
        return client

    async def complete_link(self, params: dict[str, str]) -> str:
        """Spotify's redirect: check the state, trade the code, keep the token under the Discord user's key."""
        who, _, _ = params.get("state", "").partition(".")
        token = await self.login_flow.exchange_callback(params)  # StateMismatch unless the bot issued the state
        discord_user_id = int(who)  # the state was ours, so this is the id the bot put there
        flow = self.login_flow.for_user(user_key(discord_user_id))
        await flow.set_token(token)
        self._users[discord_user_id] = self.sp.for_user(flow)
        return "Your Spotify account is linked: go back to Discord and try /nowplaying."

    async def unlink_user(self, discord_user_id: int) -> None:
        self._users.pop(discord_user_id, None)
        await self.settings.store.delete(user_key(discord_user_id))

    async def _handle_callback(self, request: web.Request) -> web.Response:
        try:
            text, status = await self.complete_link(dict(request.query)), 200
        except SpotifyError as exc:  # a stale or forged state (InvalidInput), the user said no, Spotify refused
            text, status = f"Linking failed: {exc}", 400
        return web.Response(text=f"<p>{html.escape(text)}</p>", content_type="text/html", status=status)

    # ---- background ---------------------------------------------------------------------------------------------

    async def background_work(self) -> None:
        """Everything the bot asks Spotify unasked, in one place: check each linked account still works (one
        ``GET /me`` each) and drop those whose login died, so their next /nowplaying says /link at once.

        It runs in the background lane (``with_priority("background")``: the same client, pool, budget and gate),
        so a command issued during a sweep goes first for slots and budget, and the sweep leaves
        ``RateBudget.reserve`` of them to commands. A 429 ends this sweep (the next one tries again)."""
        for discord_user_id, client in list(self._users.items()):
            try:
                await client.with_priority("background").users.me()
            except ReauthorizationRequired:
                await self.unlink_user(discord_user_id)
            except RateLimited:
                return
            except SpotifyError as exc:  # a transient failure: keep the link, try next time
                log.info("background check of a link failed: %s", type(exc).__name__)

    async def run_background(self) -> None:
        """Run :meth:`background_work` every ``check_links_every`` seconds until the bot closes."""
        while True:
            await self._sleep(self.settings.check_links_every)
            try:
                await asyncio.wait_for(self.background_work(), self.settings.check_links_every)
            except asyncio.TimeoutError:
                log.warning("background work took longer than its interval; cut short")


# ---- the application commands (module level: discord.py reads their signatures) ---------------------------------


@app_commands.command(name="track", description="Find a track on Spotify")
@app_commands.describe(query="what to search for: title, artist, words")
async def track(interaction: discord.Interaction[SpotifyBot], query: str) -> None:
    bot = interaction.client
    await bot.answer(interaction, bot.find_track(query))


@app_commands.command(name="nowplaying", description="What you are playing on Spotify (after /link)")
async def nowplaying(interaction: discord.Interaction[SpotifyBot]) -> None:
    bot = interaction.client
    await bot.answer(interaction, bot.now_playing(interaction.user.id))


@app_commands.command(name="link", description="Link your Spotify account")
async def link(interaction: discord.Interaction[SpotifyBot]) -> None:
    url = interaction.client.link_url(interaction.user.id)  # no Spotify call: answered at once
    await interaction.response.send_message(f"Open this to link your Spotify account: {url}", ephemeral=True)


@app_commands.command(name="unlink", description="Forget your Spotify account")
async def unlink(interaction: discord.Interaction[SpotifyBot]) -> None:
    await interaction.client.unlink_user(interaction.user.id)
    await interaction.response.send_message("Done: your Spotify account is no longer linked.", ephemeral=True)


def main() -> int:
    try:
        token = os.environ["DISCORD_TOKEN"]
        client_id, secret = os.environ["SPOTIFY_CLIENT_ID"], os.environ["SPOTIFY_CLIENT_SECRET"]
    except KeyError as missing:
        print(f"set {missing.args[0]} (see the module docstring)", file=sys.stderr)
        return 2
    guild = os.environ.get("DISCORD_GUILD")
    settings = BotSettings(
        client_id,
        secret,
        os.environ.get("REDIRECT_URI", "http://127.0.0.1:8080/callback"),
        guild_id=int(guild) if guild else None,
    )
    SpotifyBot(settings).run(token)  # setup_hook at start, close() on Ctrl-C
    return 0


if __name__ == "__main__":
    sys.exit(main())
