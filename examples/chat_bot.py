"""A chat-bot command handler that shares one Spotify client among everyone in the chat.

The bot holds one app session (client credentials: catalog commands such as ``!search`` need no user) and, for each
chat user who logged in, a user client made with ``app.for_user(...)``: all of them share one connection pool, one
scheduler and one rate budget, because Spotify counts requests per app. A command never hangs the bot: a long rate
limit raises ``RateLimited`` (bounded by ``Config.max_wait``), which the handler turns into a reply.

Commands: ``!login`` (replies with the authorize URL), ``!me``, ``!search <words>``, ``!logout``. The bot's web
server must route Spotify's redirect to :meth:`MusicBot.complete_login`; this file has no chat network or web server
of its own, so ``python examples/chat_bot.py`` plays a short scripted conversation against FakeSpotify (whose
``/authorize`` approves at once), with three users typing at the same time.
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import parse_qsl, urlsplit

import aiohttp

from spotify_async import (
    AuthorizationCode,
    ClientCredentials,
    Config,
    MemoryTokenStore,
    RateLimited,
    ReauthorizationRequired,
    Scope,
    Spotify,
    SpotifyError,
)

HELP = "commands: !login, !me, !search <words>, !logout"


class MusicBot:
    """Turns chat messages into replies. ``login`` is the login helper (no user of its own; tokens go to its store)."""

    def __init__(self, app_sp: Spotify, login: AuthorizationCode) -> None:
        self.sp = app_sp
        self.login = login
        self.logins: dict[str, str] = {}  # login state -> chat user who asked for it
        self.users: dict[str, Spotify] = {}  # chat user -> their client (shares the app's pool and budget)

    async def user_client(self, chat_user: str) -> Spotify | None:
        client = self.users.get(chat_user)
        if client is None:
            flow = await self.login.restore(chat_user)  # a token stored by an earlier run
            if flow is None:
                return None
            client = self.users[chat_user] = self.sp.for_user(flow)
        return client

    async def handle(self, chat_user: str, text: str) -> str:
        command, _, rest = text.strip().partition(" ")
        try:
            if command == "!login":
                state = secrets.token_urlsafe(16)
                self.logins[state] = chat_user
                return f"{chat_user}: open {self.login.authorize_url(state=state)}"
            if command == "!me":
                client = await self.user_client(chat_user)
                if client is None:
                    return f"{chat_user}: you are not logged in; say !login"
                me = await client.users.me()
                return f"{chat_user}: you are {me.display_name or me.id} on Spotify"
            if command == "!search" and rest:
                page = await self.sp.search.tracks(rest, limit=3)
                # any list of objects may hold null entries (items Spotify cannot resolve): skip them
                found = ", ".join(
                    f"{t.name} ({', '.join(a.name or '?' for a in t.artists if a is not None)})"
                    for t in page.items
                    if t is not None
                )
                return f"{chat_user}: {found or 'nothing found'}"
            if command == "!logout":
                self.users.pop(chat_user, None)
                if self.login.store is not None:
                    await self.login.store.delete(chat_user)
                return f"{chat_user}: forgotten"
            return f"{chat_user}: {HELP}"
        except ReauthorizationRequired:
            self.users.pop(chat_user, None)
            return f"{chat_user}: your Spotify login expired; say !login"
        except RateLimited as exc:
            return f"{chat_user}: Spotify asks us to slow down; try again in {exc.retry_after:.0f}s"
        except SpotifyError as exc:
            return f"{chat_user}: that did not work ({type(exc).__name__})"

    async def complete_login(self, callback_url: str) -> str:
        """What the bot's web server calls with Spotify's redirect (``.../callback?code=...&state=...``)."""
        state = dict(parse_qsl(urlsplit(callback_url).query)).get("state", "")
        chat_user = self.logins.pop(state, None)
        if chat_user is None:
            return "that login link is unknown or was already used"
        try:
            token = await self.login.exchange_callback(callback_url)  # checks the state again, trades the code
        except SpotifyError as exc:
            return f"{chat_user}: login failed ({exc})"
        flow = self.login.for_user(chat_user)
        await flow.set_token(token)  # stored under the chat user's id
        self.users[chat_user] = self.sp.for_user(flow)
        return f"{chat_user}: logged in"


async def click(url: str) -> str:
    """A browser's part in the demo: open the authorize URL and return where Spotify redirects."""
    async with aiohttp.ClientSession() as browser, browser.get(url, allow_redirects=False) as resp:
        return resp.headers["Location"]


async def conversation(bot: MusicBot, chat_user: str) -> list[str]:
    lines = [await bot.handle(chat_user, "!me")]
    reply = await bot.handle(chat_user, "!login")
    lines.append(reply.split("?")[0] + "?...")
    lines.append(await bot.complete_login(await click(reply.split("open ", 1)[1])))
    lines.append(await bot.handle(chat_user, "!me"))
    lines.append(await bot.handle(chat_user, "!search island"))
    return lines


async def main() -> None:
    from spotify_async.testing import FakeSpotify

    async with FakeSpotify() as fake:
        config = Config(max_wait=10.0)  # a bot would rather answer "slow down" than keep a user waiting
        auth = ClientCredentials(fake.client_id, fake.client_secret)
        async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config) as sp:
            login = AuthorizationCode(
                fake.client_id,
                fake.client_secret,
                "http://127.0.0.1:8080/callback",
                scopes=(Scope.USER_READ_PRIVATE,),
                store=MemoryTokenStore(),
                accounts_base=fake.accounts_base,
            )
            bot = MusicBot(sp, login)
            # FakeSpotify logs in whoever is its login_user: log the three in one at a time, then chat concurrently
            for chat_user, spotify_user in zip(("ana", "bo", "cy"), fake.catalog.users[:3], strict=True):
                fake.login_user = spotify_user
                for line in await conversation(bot, chat_user):
                    print(line)
            replies = await asyncio.gather(*(bot.handle(u, "!me") for u in ("ana", "bo", "cy")))
            print("\n".join(replies))
            print(f"one pool, one budget: {sp.stats['requests']:.0f} requests for {len(bot.users)} users")


if __name__ == "__main__":
    asyncio.run(main())
