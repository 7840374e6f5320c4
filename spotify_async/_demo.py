"""The demo behind ``python -m spotify_async demo``: a realistic concurrent crawl with a live progress line.

Against FakeSpotify (the default) it plays a crawler's day: search for artists, fetch them in bulk, walk every album of
each, fetch every track of those albums in bulk, and read a 10,000-item playlist, all concurrently through one session
while the server adds 20 ms of latency and enforces a hidden rolling-window rate limit. The summary shows what the
scheduler did about it (429s met, retries, time waited at the gate and for budget).

With ``SPOTIFY_CLIENT_ID`` and ``SPOTIFY_CLIENT_SECRET`` in the environment it runs read-only calls against the real API
instead (search, an artist, their albums, an album's tracks), with the same summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import TextIO

from .auth.credentials import ClientCredentials
from .config import Config, RateBudget
from .session import Spotify

__all__ = ["run_demo"]

#: the fake's hidden limit: requests per rolling window (scaled down from Spotify's 30 s so the demo is short)
FAKE_LIMIT = (240, 3.0)
FAKE_LATENCY = 0.02


class Progress:
    """Counts and a one-line live display (a plain line every second when stdout is not a terminal)."""

    def __init__(self, out: TextIO, quiet: bool) -> None:
        self.out = out
        self.quiet = quiet
        self.items = 0
        self.phase = "starting"
        self.started = time.monotonic()
        self._tty = out.isatty()

    def line(self, sp: Spotify) -> str:
        stats = sp.stats
        return (
            f"[{time.monotonic() - self.started:5.1f}s] {self.phase:<28} calls {int(stats['requests']):>5}  "
            f"items {self.items:>6}  429s {int(stats['rate_limited']):>3}  retries {int(stats['retries']):>3}  "
            f"{sp.scheduler.waiting().describe()}"
        )

    async def run(self, sp: Spotify) -> None:
        if self.quiet:
            return
        interval = 0.2 if self._tty else 1.0
        while True:
            await asyncio.sleep(interval)
            text = self.line(sp)
            if self._tty:
                self.out.write("\r" + text)
            else:
                self.out.write(text + "\n")
            self.out.flush()

    def finish(self, sp: Spotify) -> None:
        if not self.quiet and self._tty:
            self.out.write("\r" + self.line(sp) + "\n")


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


async def _crawl_fake(sp: Spotify, terms: list[str], playlist_id: str, progress: Progress) -> dict[str, int]:
    found: dict[str, int] = {"artists": 0, "albums": 0, "tracks": 0, "playlist_items": 0}

    async def read_playlist() -> None:
        async for _ in sp.playlists.items(playlist_id):
            found["playlist_items"] += 1
            progress.items += 1

    playlist_task = asyncio.ensure_future(read_playlist())

    progress.phase = "search"
    results = await asyncio.gather(*(sp.search.artists(term, max_items=10).collect() for term in terms))
    artist_ids = list(dict.fromkeys(a.id for page in results for a in page if a.id))[:25]
    progress.phase = "artists (bulk)"
    artists = [a for a in await sp.artists.get_several(artist_ids) if a is not None]
    found["artists"] = len(artists)
    progress.items += len(artists)

    progress.phase = "albums of every artist"
    album_lists = await asyncio.gather(*(sp.artists.albums(a.id).collect() for a in artists if a.id))
    album_ids = list(dict.fromkeys(al.id for albums in album_lists for al in albums if al.id))
    found["albums"] = len(album_ids)
    progress.items += len(album_ids)

    progress.phase = "tracks of every album"
    track_lists = await asyncio.gather(*(sp.albums.tracks(al).collect() for al in album_ids))
    track_ids = [t.id for tracks in track_lists for t in tracks if t.id]
    progress.items += len(track_ids)
    progress.phase = "full tracks (bulk)"
    tracks = await sp.tracks.get_several(track_ids[:400])
    found["tracks"] = sum(1 for t in tracks if t is not None)
    progress.items += found["tracks"]

    progress.phase = "finishing the playlist"
    await playlist_task
    return found


async def _crawl_real(sp: Spotify, progress: Progress) -> dict[str, int]:
    progress.phase = "search"
    results = await sp.search("radiohead", types=("artist",), limit=5)
    artists = results.artists.items if results.artists else []
    if not artists:
        return {"artists": 0, "albums": 0, "tracks": 0}
    artist = await sp.artists.get(artists[0].uri or "")
    progress.phase = "albums"
    albums = await sp.artists.albums(artist.uri or "", max_items=20).collect()
    progress.phase = "tracks"
    track_lists = await asyncio.gather(*(sp.albums.tracks(a.id).collect() for a in albums[:5] if a.id))
    tracks = [t for ts in track_lists for t in ts]
    progress.items = 1 + len(albums) + len(tracks)
    return {"artists": 1, "albums": len(albums), "tracks": len(tracks)}


def _summary(out: TextIO, sp: Spotify, found: dict[str, int], elapsed: float, extra: dict[str, object]) -> None:
    stats = sp.stats
    out.write("\nsummary\n")
    rows: list[tuple[str, object]] = [(k.replace("_", " "), v) for k, v in found.items()]
    rows += [
        ("elapsed", f"{elapsed:.2f} s"),
        ("calls sent", int(stats["requests"])),
        ("429s met", int(stats["rate_limited"])),
        ("retries", int(stats["retries"])),
        ("waited at the 429 gate (all calls)", f"{stats['gate_waited']:.2f} s"),
        ("waited for rate budget (all calls)", f"{stats['budget_waited']:.2f} s"),
        ("token requests", int(stats["token_requests"])),
    ]
    rows += list(extra.items())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        out.write(f"  {name:<{width}}  {value}\n")
    out.flush()


async def run_demo(*, force_fake: bool = False, seed: int = 0, quiet: bool = False, out: TextIO | None = None) -> int:
    """Run a concurrent crawl against FakeSpotify (or read-only calls against the real API when
    SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are set) and print a summary."""
    out = out or sys.stdout
    progress = Progress(out, quiet)
    client_id = os.environ.get("SPOTIFY_CLIENT_ID")
    client_secret = os.environ.get("SPOTIFY_CLIENT_SECRET")
    if client_id and client_secret and not force_fake:
        out.write("spotify_async demo: read-only calls against the real Spotify Web API\n")
        async with Spotify(ClientCredentials(client_id, client_secret)) as sp:
            started = time.monotonic()
            async with _progress(progress, sp):
                found = await _crawl_real(sp, progress)
            _summary(out, sp, found, time.monotonic() - started, {})
        return 0

    from .testing import FakeSpotify

    limit, window = FAKE_LIMIT
    out.write(
        f"spotify_async demo: crawling FakeSpotify (latency {FAKE_LATENCY * 1000:.0f} ms, hidden limit "
        f"{limit} requests per {window:g} s window)\n"
    )
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
                found = await _crawl_fake(sp, fake.catalog.search_terms[:6], fake.catalog.big_playlist_id, progress)
            elapsed = time.monotonic() - started
            limiter_limit = sp.scheduler.limiter.current_limit
            _summary(
                out,
                sp,
                found,
                elapsed,
                {
                    "server saw (requests)": fake.stats.api_requests,
                    "server 429s sent": fake.stats.rate_limited,
                    "busiest window (server)": f"{fake.stats.max_in_window(window)} of {limit} allowed",
                    "adapted pace": "unlimited" if limiter_limit is None else f"{limiter_limit:.0f} per {window:g} s",
                },
            )
    return 0
