"""A Token Swap server for your public clients, mounted in your own aiohttp application.

Desktop and mobile apps, browser extensions and CLIs you ship to users cannot keep the client secret. This server
keeps it: clients post the callback's code to ``/spotify/swap`` and their (sealed) refresh token to
``/spotify/refresh`` (see ``examples/token_swap_client.py``). It stores no tokens; the refresh tokens it hands out
are encrypted with ``SPOTIFY_SWAP_KEY``, which only the server holds (give every instance the same key).

Run it (the secret and key come from the environment, never the command line)::

    export SPOTIFY_CLIENT_SECRET=...                 # the app's secret
    export SPOTIFY_SWAP_KEY=$(python -c "import base64,secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())")
    python examples/token_swap_server.py --client-id ID --redirect-uri http://127.0.0.1:8888/callback

A browser client on another origin (a single-page app, an extension) needs its origin allowed:
``--allow-origin https://app.example`` (repeatable; never a wildcard, the answers carry tokens).

Against FakeSpotify: ``python -m spotify_async serve-fake`` prints its ``accounts_base``, ``client_id`` and
``client_secret``; pass ``--accounts-base`` and those. ``python -m spotify_async swap-server`` is the same server
without the surrounding application.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from aiohttp import web

from spotify_async.errors import InvalidInput
from spotify_async.swap import SECRET_ENV, SWAP_KEY_ENV, decode_key, make_app


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def serve(args: argparse.Namespace, swap: web.Application) -> None:
    app = web.Application()
    app.router.add_get("/healthz", health)  # your own routes live beside it
    app.add_subapp("/spotify/", swap)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
        port = runner.addresses[0][1]
        print(f"token swap at http://{args.host}:{port}/spotify/swap and /spotify/refresh", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client-id", required=True, help="the app's client id")
    parser.add_argument("--redirect-uri", required=True, help="the redirect URI your clients use (registered)")
    parser.add_argument("--accounts-base", default="https://accounts.spotify.com", help="default: %(default)s")
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8765, help="default: %(default)s (0: any free port)")
    parser.add_argument(
        "--allow-origin", action="append", default=[], metavar="ORIGIN", help="a browser origin allowed to call it"
    )
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        print(f"set {SECRET_ENV} to the app's client secret", file=sys.stderr)
        return 2
    raw_key = os.environ.get(SWAP_KEY_ENV)
    try:
        key = decode_key(raw_key) if raw_key else None
        swap = make_app(
            args.client_id,
            secret,
            args.redirect_uri,
            accounts_base=args.accounts_base,
            key=key,
            allowed_origins=args.allow_origin,
        )
    except InvalidInput as exc:  # a bad origin, redirect URI or key: one line, before anything listens
        print(f"token_swap_server: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(args, swap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
