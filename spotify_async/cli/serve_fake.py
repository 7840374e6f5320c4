"""The ``serve-fake`` command: FakeSpotify on 127.0.0.1 in this process until Ctrl-C or SIGTERM.

For a person it prints where it listens, the app credentials to use and how to stop it. With ``--json`` it prints one
machine-readable line instead (addresses, credentials, pid and the catalogue's ids), which
:class:`~spotify_async.testing.FakeSpotifyProcess` reads; ``--catalog`` adds the catalogue's ids to the human output.
A port already in use or a bad value is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys
from typing import Any

import orjson

from ..testing._options import FakeMode, RefreshRotation, choices

__all__ = ["configure", "parse_rate", "run"]


def parse_rate(value: str) -> tuple[int, float]:
    """``"100/30"`` as ``(100, 30.0)``: at most 100 requests per 30 s rolling window (the window defaults to 30)."""
    limit, _, window = value.partition("/")
    try:
        parsed = int(limit), float(window or 30)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LIMIT/WINDOW such as 100/30, got {value!r}") from None
    if parsed[0] < 1 or parsed[1] <= 0:
        raise argparse.ArgumentTypeError(f"LIMIT must be >= 1 and WINDOW > 0, got {value!r}")
    return parsed


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0 picks a free one), got {port}")
    return port


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not seconds >= 0 or seconds == float("inf"):  # NaN fails the first test
        raise argparse.ArgumentTypeError(f"seconds must be >= 0 (and finite), got {value!r}")
    return seconds


def _refusal_latency(value: str) -> float | None:
    """``--rate-limited-latency``: seconds, or ``latency`` (a 429 takes as long as an accepted request)."""
    return None if value == "latency" else _seconds(value)


def _count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value!r}")
    return count


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run FakeSpotify (the Web API and the accounts service) on this machine until Ctrl-C or SIGTERM.\n"
        "Point a client at the printed api_base and accounts_base with the printed client id and secret."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=0, metavar="PORT", help="port to listen on (0 picks a free one)")
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="catalogue seed (same seed, same ids and credentials)"
    )
    parser.add_argument(
        "--latency", type=_seconds, default=0.0, metavar="SECONDS", help="seconds added to every API request"
    )
    parser.add_argument(
        "--rate-limit",
        type=parse_rate,
        default=None,
        metavar="LIMIT/WINDOW",
        help="hidden rolling-window limit, e.g. 100/30: 100 requests per 30 s (default: none)",
    )
    parser.add_argument(
        "--rate-limited-latency",
        type=_refusal_latency,
        default=0.0,
        metavar="SECONDS",
        help="seconds a 429 of the hidden limit takes: 0 answers at once, as a real server does; 'latency' takes as "
        "long as an accepted request",
    )
    parser.add_argument(
        "--big-playlist-size", type=_count, default=10_000, metavar="N", help="items in the big playlist"
    )
    parser.add_argument(
        "--artists", type=_count, default=200, metavar="N", help="catalogue size: 200 artists make about 7,200 tracks"
    )
    parser.add_argument("--mode", choices=choices(FakeMode), default="extended", help="the app's quota mode")
    parser.add_argument(
        "--token-expires-in", type=_seconds, default=3600.0, metavar="SECONDS", help="lifetime of issued access tokens"
    )
    parser.add_argument(
        "--refresh-rotation",
        choices=choices(RefreshRotation),
        default="none",
        help="whether refreshing hands out a new refresh token",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--catalog", action="store_true", help="also print the catalogue's ids (long)")
    output.add_argument(
        "--json", action="store_true", help="print one JSON line (addresses, credentials, pid, catalogue) instead"
    )


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:  # a second Ctrl-C while closing
        return 130


def _describe(fake: Any, args: argparse.Namespace) -> str:
    rate = f"{args.rate_limit[0]} requests per {args.rate_limit[1]:g} s" if args.rate_limit else "none"
    lines = [
        f"FakeSpotify listening on http://{_netloc(args.host, fake.port)} (pid {os.getpid()})",
        f"  api_base       {fake.api_base}",
        f"  accounts_base  {fake.accounts_base}",
        f"  client_id      {fake.client_id}",
        f"  client_secret  {fake.client_secret}   (this fake's own test credentials, from --seed {fake.seed})",
        f"  mode {fake.mode}; latency {args.latency:g} s; hidden rate limit: {rate}",
        "Stop it with Ctrl-C (or: kill "
        + str(os.getpid())
        + ")."
        + ("" if args.catalog else " --catalog lists the catalogue's ids."),
    ]
    return "\n".join(lines) + "\n"


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _serve(args: argparse.Namespace) -> int:
    from ..testing._cli import announcement
    from ..testing.fake import FakeSpotify

    fake = FakeSpotify(
        args.seed,
        latency=args.latency,
        rate_limit=args.rate_limit,
        rate_limited_latency=args.rate_limited_latency,
        token_expires_in=args.token_expires_in,
        mode=args.mode,
        big_playlist_size=args.big_playlist_size,
        artists=args.artists,
        refresh_rotation=args.refresh_rotation,
        host=args.host,
        port=args.port,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await fake.start()
    except OSError as exc:
        await fake.close()
        reason = "the address is already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        print(
            f"serve-fake: error: cannot listen on {_netloc(args.host, args.port)}: {reason} "
            "(choose another --port, or 0 for a free one)",
            file=sys.stderr,
        )
        return 1
    try:
        info = announcement(fake)
        if args.json:
            sys.stdout.buffer.write(orjson.dumps(info) + b"\n")
        else:
            sys.stdout.write(_describe(fake, args))
            if args.catalog:
                sys.stdout.buffer.write(orjson.dumps(info["catalog"], option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await fake.close()
    if not args.json:
        print("FakeSpotify stopped.", flush=True)
    return 0
