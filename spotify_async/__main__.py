"""The command line: ``python -m spotify_async demo | login | serve-fake``.

* ``demo``: the main job. Starts FakeSpotify (with latency and a hidden rate limit) and runs a realistic concurrent crawl
  through the SDK, or runs read-only calls against the real API when ``SPOTIFY_CLIENT_ID`` and
  ``SPOTIFY_CLIENT_SECRET`` are set.
* ``login``: PKCE login for a person at a terminal (a loopback callback server), saving the token to a file store.
* ``serve-fake``: runs FakeSpotify in this process until interrupted (benchmarks and multi-process examples use it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = ("demo", "login", "serve-fake")
    if not args or args[0] in ("-h", "--help") or args[0] not in commands:
        print("usage: python -m spotify_async {demo,login,serve-fake} [options]  (each takes --help)", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    command, rest = args[0], args[1:]
    if command == "serve-fake":
        from .testing._cli import serve_fake_main

        return serve_fake_main(rest)
    if command == "login":
        from .auth.login import login_main

        return login_main(rest)
    from .cli.demo import run_demo

    parser = argparse.ArgumentParser(prog="python -m spotify_async demo", description=run_demo.__doc__)
    parser.add_argument("--fake", action="store_true", help="use FakeSpotify even when credentials are set")
    parser.add_argument("--seed", type=int, default=0, help="FakeSpotify catalog seed")
    parser.add_argument("--quiet", action="store_true", help="no progress line, only the summary")
    options = parser.parse_args(rest)
    return asyncio.run(run_demo(force_fake=options.fake, seed=options.seed, quiet=options.quiet))


if __name__ == "__main__":
    raise SystemExit(main())
