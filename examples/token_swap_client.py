"""A public client (no client secret) logging a user in through a Token Swap server, then refreshing through it.

It is what a desktop app or a CLI you ship would do: build the authorize URL (state checked), receive the redirect
on a loopback address, hand the code to the swap server, and keep the token, whose refresh token is the server's
sealed one, in a token file. Later refreshes go through the server too; the app never sees the secret.

Run it with ``examples/token_swap_server.py`` running::

    python examples/token_swap_client.py --swap-base http://127.0.0.1:8765/spotify --client-id ID \
        --redirect-uri http://127.0.0.1:8888/callback

It prints the authorize URL and waits (``--timeout``) for the browser to come back. Against FakeSpotify (which
approves at once, no person needed) add ``--accounts-base``, ``--api-base`` and ``--auto-approve``: the script then
opens the URL itself. It prints one JSON line: the user, and whether a forced refresh through the server worked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from spotify_async import FileTokenStore, MemoryTokenStore, Scope, Spotify, TokenStore, TokenSwap


async def run(args: argparse.Namespace) -> dict[str, object]:
    store: TokenStore = FileTokenStore(args.store) if args.store else MemoryTokenStore()
    flow = TokenSwap(
        f"{args.swap_base}/swap",
        f"{args.swap_base}/refresh",
        client_id=args.client_id,
        redirect_uri=args.redirect_uri,
        scopes=(Scope.USER_READ_PRIVATE,),
        store=store,
        user_key="default",
        accounts_base=args.accounts_base,
    )
    split = urlsplit(args.redirect_uri)
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def callback(request: web.Request) -> web.Response:
        try:
            await flow.exchange_callback(dict(request.query))
        except Exception as exc:  # shown to the user and ends the login
            if not done.done():
                done.set_exception(exc)
            return web.Response(status=400, text=f"Login failed: {exc}")
        if not done.done():
            done.set_result("ok")
        return web.Response(text="Logged in; you can close this window.")

    app = web.Application()
    app.router.add_get(split.path or "/", callback)
    runner = web.AppRunner(app, access_log=None)  # the callback's query string holds the code
    await runner.setup()
    try:
        await web.TCPSite(runner, split.hostname, split.port).start()
        url = flow.authorize_url()
        print(f"Open this URL to log in: {url}", file=sys.stderr, flush=True)
        if args.auto_approve:  # FakeSpotify approves without a person: play the browser
            async with aiohttp.ClientSession() as browser, browser.get(url) as resp:
                await resp.read()
        await asyncio.wait_for(done, args.timeout)
    finally:
        await runner.cleanup()
    async with Spotify(flow, api_base=args.api_base, accounts_base=args.accounts_base) as sp:
        me = await sp.users.me()
        first = sp.tokens.token
        assert first is not None
        sp.tokens.invalidate(first)  # force a refresh, through the swap server
        started = time.monotonic()
        again = await sp.users.me()
        refreshed = sp.tokens.token
    return {
        "user": me.id,
        "same_user_after_refresh": again.id == me.id,
        "refreshed": refreshed is not None and refreshed.access_token != first.access_token,
        "refresh_seconds": round(time.monotonic() - started, 3),
        "stored": (await store.load("default")) == refreshed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--swap-base", required=True, help="the swap server's base URL (…/swap and …/refresh)")
    parser.add_argument("--client-id", required=True, help="the app's client id (public)")
    parser.add_argument("--redirect-uri", default="http://127.0.0.1:8888/callback", help="default: %(default)s")
    parser.add_argument("--accounts-base", default="https://accounts.spotify.com", help="default: %(default)s")
    parser.add_argument("--api-base", default="https://api.spotify.com/v1", help="default: %(default)s")
    parser.add_argument("--store", help="token file to keep the login in (default: memory only)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the login (default: 300)")
    parser.add_argument("--auto-approve", action="store_true", help="open the URL itself (FakeSpotify only)")
    result = asyncio.run(run(parser.parse_args(argv)))
    print(json.dumps(result))
    return 0 if result["refreshed"] and result["stored"] else 1


if __name__ == "__main__":
    sys.exit(main())
