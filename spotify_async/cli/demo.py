"""The ``demo`` command: a realistic concurrent crawl with a live progress line and a summary.

Against FakeSpotify (the default) it plays a crawler's day: search for artists, fetch them in bulk, walk every album of
each, list the tracks of those albums, fetch full tracks in bulk, and read a 10,000-item playlist, all concurrently
through one session while the server adds 20 ms of latency and enforces a hidden rolling-window rate limit the client
is not told. The summary shows what the scheduler did about it.

With ``SPOTIFY_CLIENT_ID`` and ``SPOTIFY_CLIENT_SECRET`` in the environment it runs read-only calls against the real
API instead (search, an artist, their albums, an album's tracks), with the same summary. Without a network that is
one line on stderr and the way to run against the fake (``--fake``).

What the output promises:

* **The progress line fits the terminal.** On a terminal it is redrawn in place, cut to the terminal's width (read at
  every redraw, so resizing works) and never wraps; elsewhere (a pipe, a file) it is a plain line per second.
* **It says when calls wait and for what.** :func:`waiting_for` is the one place the demo reads the scheduler's state:
  the 429 gate (closed after a 429 until ``Retry-After`` passes) or the rate budget (the learned pace holds calls
  back). The sampler adds up how long the run spent with calls waiting for each, which is what the summary reports:
  time of the run, not a sum over concurrent calls.
* **Counts agree.** The progress line's items are the sum of the summary's item rows; the server's busiest window
  counts the requests it *accepted* (never more than its limit), the refused ones are reported separately.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from typing import Literal, TextIO

from ..auth.credentials import ClientCredentials
from ..config import ACCOUNTS_BASE, API_BASE, Config, RateBudget
from ..errors import AuthError, TransportError
from ..session import Spotify

__all__ = ["configure", "run", "run_demo", "waiting_for"]

#: the fake's hidden limit: requests per rolling window (scaled down from Spotify's 30 s so the demo is short)
FAKE_LIMIT = (240, 3.0)
FAKE_LATENCY = 0.02

Waiting = Literal["gate", "budget"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Crawl FakeSpotify concurrently through one session (latency and a hidden rate limit included) and\n"
        "summarise what the client did; with SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET set, make read-only\n"
        "calls against the real Web API instead."
    )
    parser.add_argument("--fake", action="store_true", help="use FakeSpotify even when credentials are set")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="FakeSpotify catalogue seed")
    parser.add_argument("--quiet", action="store_true", help="no progress line, only the summary")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_demo(force_fake=args.fake, seed=args.seed, quiet=args.quiet))


def waiting_for(sp: Spotify, sent_before: int) -> tuple[Waiting | None, str]:
    """What calls are waiting for right now, and a few words about it, from the scheduler's snapshot
    (:meth:`~spotify_async.http.Scheduler.waiting`). This is the one function that reads scheduler state.

    ``sent_before`` is ``sp.stats["requests"]`` at the previous reading; it tells a budget that is merely known from one
    that holds calls back (no request went out since the previous reading).
    """
    snapshot = sp.scheduler.waiting()
    if snapshot.gate_open_in > 0:
        reason = f", {snapshot.gate_reason}" if snapshot.gate_reason else ""
        return "gate", f"waiting: 429 gate, {snapshot.gate_open_in:.1f} s left{reason}"
    if snapshot.budget or (snapshot.budget_limit is not None and int(sp.stats["requests"]) == sent_before):
        limit = f"{snapshot.budget_limit:.0f}" if snapshot.budget_limit is not None else "?"
        return "budget", f"waiting: rate budget, {limit}/{sp.config.budget.window:g} s"
    if snapshot.queue:
        return None, f"{snapshot.queue} queued for a slot"
    return None, ""


class Progress:
    """The crawl's counters, a sampler of what calls wait for, and the live line."""

    def __init__(self, out: TextIO, quiet: bool, found: dict[str, int]) -> None:
        self.out = out
        self.quiet = quiet
        self.found = found
        self.phase = "starting"
        self.started = time.monotonic()
        self.waited: dict[Waiting, float] = {"gate": 0.0, "budget": 0.0}
        self._note = ""
        self._tty = out.isatty()

    @property
    def items(self) -> int:
        return sum(self.found.values())

    def line(self, sp: Spotify) -> str:
        """``[  3.2s]  1234 items   456 calls   7 429s | <phase, or what calls are waiting for>``."""
        stats = sp.stats
        status = self._note or self.phase
        return (
            f"[{time.monotonic() - self.started:5.1f}s] {self.items:>6} items {int(stats['requests']):>5} calls "
            f"{int(stats['rate_limited']):>3} 429s | {status}"
        )

    def _fit(self, text: str) -> str:
        width = shutil.get_terminal_size((80, 24)).columns
        return text if len(text) < width else text[: max(width - 2, 1)] + "…"

    def _draw(self, sp: Spotify) -> None:
        if self.quiet:
            return
        if self._tty:
            # carriage return, the line cut to fit, then erase what a longer previous line left behind
            self.out.write("\r" + self._fit(self.line(sp)) + "\x1b[K")
        else:
            self.out.write(self.line(sp) + "\n")
        self.out.flush()

    async def run(self, sp: Spotify) -> None:
        tick = 0.1
        redraw = 0.2 if self._tty else 1.0
        last_draw = time.monotonic()
        sent = int(sp.stats["requests"])
        while True:
            before = time.monotonic()
            await asyncio.sleep(tick)
            reason, self._note = waiting_for(sp, sent)
            sent = int(sp.stats["requests"])
            now = time.monotonic()
            if reason is not None:
                self.waited[reason] += now - before
            if now - last_draw >= redraw:
                last_draw = now
                self._draw(sp)

    def finish(self, sp: Spotify) -> None:
        self._note = ""
        if not self.quiet and self._tty:
            self.out.write("\r" + self._fit(self.line(sp)) + "\x1b[K\n")
            self.out.flush()


@contextlib.asynccontextmanager
async def _progress(progress: Progress, sp: Spotify) -> AsyncIterator[None]:
    task = asyncio.ensure_future(progress.run(sp))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        progress.finish(sp)


async def _crawl_fake(sp: Spotify, terms: list[str], playlist_id: str, progress: Progress) -> None:
    found = progress.found

    async def read_playlist() -> None:
        async for _ in sp.playlists.items(playlist_id):
            found["playlist items"] += 1

    playlist_task = asyncio.ensure_future(read_playlist())
    try:
        progress.phase = "search"
        results = await asyncio.gather(*(sp.search.artists(term, max_items=10).collect() for term in terms))
        artist_ids = list(dict.fromkeys(a.id for page in results for a in page))[:25]
        progress.phase = "artists (bulk)"
        artists = [a for a in await sp.artists.get_several(artist_ids) if a is not None]
        found["artists"] = len(artists)

        progress.phase = "albums of every artist"
        album_lists = await asyncio.gather(*(sp.artists.albums(a.id).collect() for a in artists))
        album_ids = list(dict.fromkeys(al.id for albums in album_lists for al in albums if al.id))
        found["albums"] = len(album_ids)

        progress.phase = "tracks of every album"
        track_lists = await asyncio.gather(*(sp.albums.tracks(al).collect() for al in album_ids))
        track_ids = [t.id for tracks in track_lists for t in tracks if t.id]
        found["album tracks"] = len(track_ids)
        progress.phase = "full tracks (bulk)"
        tracks = await sp.tracks.get_several(track_ids[:400])
        found["full tracks"] = sum(1 for t in tracks if t is not None)

        progress.phase = "finishing the playlist"
        await playlist_task
    finally:
        playlist_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await playlist_task


async def _crawl_real(sp: Spotify, progress: Progress) -> None:
    found = progress.found
    progress.phase = "search"
    results = await sp.search("radiohead", types=("artist",), limit=5)
    artists = [a for a in results.artists.items if a is not None] if results.artists else []
    if not artists:
        return
    artist = await sp.artists.get(artists[0].id)
    found["artists"] = 1
    progress.phase = "albums"
    albums = await sp.artists.albums(artist.id, max_items=20).collect()
    found["albums"] = len(albums)
    progress.phase = "tracks"
    track_lists = await asyncio.gather(*(sp.albums.tracks(a.id).collect() for a in albums[:5] if a.id))
    found["album tracks"] = sum(len(ts) for ts in track_lists)


def _summary(out: TextIO, sp: Spotify, progress: Progress, elapsed: float, extra: list[tuple[str, object]]) -> None:
    stats = sp.stats
    sent = int(stats["requests"])
    rows: list[tuple[str, object]] = [(name, f"{count}") for name, count in progress.found.items()]
    rows.append(("items in all", f"{progress.items}"))
    rows += [
        ("elapsed", f"{elapsed:.2f} s"),
        ("calls sent", sent),
        ("429s met", int(stats["rate_limited"])),
        ("retries (429s included)", int(stats["retries"])),
        ("run time with calls at the 429 gate", f"{progress.waited['gate']:.1f} s of {elapsed:.1f} s"),
        ("run time with calls held by the budget", f"{progress.waited['budget']:.1f} s of {elapsed:.1f} s"),
        (
            "average wait per call",
            f"{(stats['gate_waited'] + stats['budget_waited']) / sent if sent else 0.0:.3f} s",
        ),
        ("token requests", int(stats["token_requests"])),
    ]
    rows += extra
    width = max(len(name) for name, _ in rows)
    out.write("\nsummary\n")
    for name, value in rows:
        out.write(f"  {name:<{width}}  {value}\n")
    out.flush()


def _empty_found(fake: bool) -> dict[str, int]:
    names = (
        ("artists", "albums", "album tracks", "full tracks", "playlist items")
        if fake
        else ("artists", "albums", "album tracks")
    )
    return dict.fromkeys(names, 0)


async def run_demo(
    *,
    force_fake: bool = False,
    seed: int = 0,
    quiet: bool = False,
    out: TextIO | None = None,
    api_base: str = API_BASE,
    accounts_base: str = ACCOUNTS_BASE,
) -> int:
    """Run a concurrent crawl against FakeSpotify (or read-only calls against the real API at ``api_base`` when
    SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are set) and print a summary; returns the exit status."""
    out = out or sys.stdout
    client_id = os.environ.get("SPOTIFY_CLIENT_ID")
    client_secret = os.environ.get("SPOTIFY_CLIENT_SECRET")
    if client_id and client_secret and not force_fake:
        return await _run_real(client_id, client_secret, quiet, out, api_base, accounts_base)

    from ..testing import FakeSpotify

    limit, window = FAKE_LIMIT
    out.write(
        f"spotify_async demo: crawling FakeSpotify (latency {FAKE_LATENCY * 1000:.0f} ms, hidden limit "
        f"{limit} requests per {window:g} s window, which the client is not told)\n"
    )
    progress = Progress(out, quiet, _empty_found(fake=True))
    async with FakeSpotify(seed=seed, latency=FAKE_LATENCY, rate_limit=(limit, window)) as fake:
        # the client does not know the limit: it starts unlimited and adapts to the first 429s
        config = Config(budget=RateBudget(window=window))
        async with Spotify(
            ClientCredentials(fake.client_id, fake.client_secret),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
            config=config,
        ) as sp:
            started = time.monotonic()
            async with _progress(progress, sp):
                await _crawl_fake(sp, fake.catalog.search_terms[:6], fake.catalog.big_playlist_id, progress)
            elapsed = time.monotonic() - started
            pace = sp.scheduler.limiter.current_limit
            _summary(
                out,
                sp,
                progress,
                elapsed,
                [
                    ("server saw (requests)", fake.stats.api_requests),
                    ("server 429s sent", fake.stats.rate_limited),
                    (
                        "busiest window (server)",
                        f"{fake.stats.max_in_window(window, admitted=True)} accepted of {limit} allowed per {window:g} s",
                    ),
                    ("learned pace", "unlimited (no 429 met)" if pace is None else f"{pace:.0f} per {window:g} s"),
                ],
            )
    return 0


async def _run_real(
    client_id: str, client_secret: str, quiet: bool, out: TextIO, api_base: str, accounts_base: str
) -> int:
    out.write("spotify_async demo: read-only calls against the real Spotify Web API\n")
    progress = Progress(out, quiet, _empty_found(fake=False))
    try:
        async with Spotify(
            ClientCredentials(client_id, client_secret), api_base=api_base, accounts_base=accounts_base
        ) as sp:
            started = time.monotonic()
            async with _progress(progress, sp):
                await _crawl_real(sp, progress)
            _summary(out, sp, progress, time.monotonic() - started, [])
    except (TransportError, AuthError) as exc:
        what = "Spotify refused the app's credentials" if isinstance(exc, AuthError) else "cannot reach Spotify"
        if not quiet and out.isatty():
            out.write("\n")  # end the progress line before the message
        print(
            f"demo: {what} ({_first_line(exc)}). SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are set, so the demo "
            "tried the real API; run 'python -m spotify_async demo --fake' to crawl the emulator instead.",
            file=sys.stderr,
        )
        return 1
    return 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
