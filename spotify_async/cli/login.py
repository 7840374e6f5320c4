"""The ``login`` command: PKCE for a person at a terminal, the token saved in a file store (mode 0600).

The loopback server and the flow are :func:`spotify_async.auth.login.login`; this module owns the options, the
greeting after ``GET /me`` and how failures read. Exit status: 0 logged in, 1 failed (timeout, refused, port in use),
2 a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TextIO

from ..auth.login import DEFAULT_REDIRECT_URI, DEFAULT_USER_KEY, LoginResult, default_store_path, login
from ..auth.scopes import normalize_scopes
from ..auth.stores import FileTokenStore
from ..config import ACCOUNTS_BASE, API_BASE
from ..errors import SpotifyError

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Log in to Spotify with PKCE through a loopback redirect and save the token in a file (mode 0600).\n"
        "The redirect URI must be registered for the app exactly as given."
    )
    parser.add_argument(
        "--client-id",
        default=os.environ.get("SPOTIFY_CLIENT_ID"),
        metavar="ID",
        help="the app's client id (default: $SPOTIFY_CLIENT_ID)",
    )
    parser.add_argument(
        "--scopes",
        action="append",
        default=[],
        help="scopes, space- or comma-separated (repeatable), e.g. 'user-read-private user-top-read'",
    )
    parser.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help="loopback redirect registered for the app ('localhost' is refused, as Spotify does)",
    )
    parser.add_argument("--store", default=str(default_store_path()), help="token file")
    parser.add_argument("--user-key", default=DEFAULT_USER_KEY, help="key of the token in the file")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="seconds to wait for the login")
    parser.add_argument("--accounts-base", default=ACCOUNTS_BASE, help="accounts service (tests: FakeSpotify's)")
    parser.add_argument("--api-base", default=API_BASE, help="Web API base, to greet the user by name")
    parser.add_argument("--no-profile", action="store_true", help="do not call GET /me after logging in")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.add_argument("--show-dialog", action="store_true", help="show the consent screen again (switch account)")


def run(args: argparse.Namespace) -> int:
    if not args.client_id:
        print("login: error: --client-id is required (or set SPOTIFY_CLIENT_ID)", file=sys.stderr)
        return 2
    try:
        normalize_scopes(" ".join(args.scopes))
        path = Path(args.store).expanduser()
        return asyncio.run(_run(args, path, sys.stdout))
    except (SpotifyError, OSError) as exc:
        print(f"login failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("login cancelled", file=sys.stderr)
        return 130


async def _greet(result: LoginResult, api_base: str, accounts_base: str, out: TextIO) -> None:
    from ..session import Spotify

    try:
        async with Spotify(result.flow, api_base=api_base, accounts_base=accounts_base) as sp:
            me = await sp.users.me()
    except SpotifyError as exc:
        print(f"(logged in, but GET /me failed: {exc})", file=out)
        return
    name = me.display_name or me.id
    print(f"Logged in as {name} ({me.id}).", file=out)


async def _run(args: argparse.Namespace, path: Path, out: TextIO) -> int:
    result = await login(
        args.client_id,
        scopes=" ".join(args.scopes),
        redirect_uri=args.redirect_uri,
        store=FileTokenStore(path),
        user_key=args.user_key,
        timeout=args.timeout,
        accounts_base=args.accounts_base,
        show_dialog=args.show_dialog,
        open_browser=not args.no_browser,
        out=out,
    )
    scopes = " ".join(sorted(result.token.scopes)) or "(none)"
    print(f"Token saved to {path} under key {result.user_key!r} (scopes: {scopes}).", file=out)
    if not args.no_profile:
        await _greet(result, args.api_base, args.accounts_base, out)
    return 0
