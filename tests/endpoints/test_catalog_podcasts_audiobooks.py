"""Shows, episodes, audiobooks and chapters against FakeSpotify in both modes: single reads, several-item reads
(batches of 50 in extended mode, concurrent single reads in development mode, order kept, ``None`` for unknown ids),
episode and chapter pages, and argument checks before sending."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from catalog_support import MODES, UNKNOWN_IDS, client, nothing_sent, params_of, spy_requests

from spotify_async.config import Mode
from spotify_async.errors import InvalidInput
from spotify_async.models import Audiobook, Chapter, Episode, Show, SimplifiedChapter, SimplifiedEpisode, SimplifiedShow


def _mix(known: list[str], n: int) -> list[str]:
    return [UNKNOWN_IDS[i % len(UNKNOWN_IDS)] if i % 9 == 4 else known[i % len(known)] for i in range(n)]


def _expected(wanted: list[str]) -> list[str | None]:
    return [None if i in UNKNOWN_IDS else i for i in wanted]


@pytest.mark.parametrize("mode", MODES)
async def test_show_and_its_episodes(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        show_id = max(c.shows, key=lambda s: len(c.show_by_id[s].episode_ids))
        record = c.show_by_id[show_id]
        sent = spy_requests(sp)
        show = await sp.shows.get(f"https://open.spotify.com/show/{show_id}", market="US")
        assert isinstance(show, Show)
        assert (show.id, show.name) == (show_id, record.name)
        assert show.episodes.total == len(record.episode_ids)
        assert params_of(sent[0]) == {"market": "US"}

        episodes = await sp.shows.episodes(show_id, limit=4).collect()
        assert all(isinstance(e, SimplifiedEpisode) for e in episodes)
        assert sorted(e.id or "" for e in episodes) == sorted(record.episode_ids)
        assert len(sent) == 1 + -(-len(record.episode_ids) // 4)
        capped = await sp.shows.episodes(show_id, limit=2, offset=1, max_items=3).collect()
        assert [e.id for e in capped] == [e.id for e in episodes[1:4]]


@pytest.mark.parametrize(("mode", "batches", "singles"), [("extended", 3, 0), ("development", 0, 120)])
async def test_shows_get_several(mode: Mode, batches: int, singles: int) -> None:
    async with client(mode) as (fake, sp):
        wanted = _mix(fake.catalog.shows, 120)
        shows = await sp.shows.get_several(wanted)
        assert [s.id if s else None for s in shows] == _expected(wanted)
        assert all(isinstance(s, SimplifiedShow) for s in shows if s is not None)
        # development mode reads each show on its own: full shows (a SimplifiedShow subclass) come back
        assert all(isinstance(s, Show) == (mode == "development") for s in shows if s is not None)
        assert fake.stats.by_operation["get-multiple-shows"] == batches
        assert fake.stats.by_operation["get-a-show"] == (len(set(wanted)) if singles else 0)


@pytest.mark.parametrize(("mode", "batches", "singles"), [("extended", 3, 0), ("development", 0, 120)])
async def test_episodes(mode: Mode, batches: int, singles: int) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        episode_id = c.episodes[3]
        episode = await sp.episodes.get(f"spotify:episode:{episode_id}")
        assert isinstance(episode, Episode)
        assert (episode.id, episode.name) == (episode_id, c.episode_by_id[episode_id].name)
        assert episode.show is not None
        assert episode.show.id == c.episode_by_id[episode_id].show_id

        wanted = _mix(c.episodes, 120)
        episodes = await sp.episodes.get_several(wanted, market="from_token")
        assert [e.id if e else None for e in episodes] == _expected(wanted)
        assert all(isinstance(e, Episode) for e in episodes if e is not None)
        assert fake.stats.by_operation["get-multiple-episodes"] == batches
        assert fake.stats.by_operation["get-an-episode"] == (len(set(wanted)) if singles else 0) + 1


@pytest.mark.parametrize("mode", MODES)
async def test_audiobook_and_its_chapters(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        book_id = max(c.audiobooks, key=lambda b: len(c.audiobook_by_id[b].chapter_ids))
        record = c.audiobook_by_id[book_id]
        book = await sp.audiobooks.get(book_id, market="US")
        assert isinstance(book, Audiobook)
        assert (book.id, book.name) == (book_id, record.name)
        assert [a.name for a in book.authors] == record.authors
        assert book.chapters.total == len(record.chapter_ids)

        before = fake.stats.api_requests
        chapters = await sp.audiobooks.chapters(book_id, limit=3).collect()
        assert all(isinstance(ch, SimplifiedChapter) for ch in chapters)
        assert [ch.id for ch in chapters] == record.chapter_ids
        assert fake.stats.api_requests - before == -(-len(record.chapter_ids) // 3)


@pytest.mark.parametrize(("mode", "batches", "singles"), [("extended", 3, 0), ("development", 0, 120)])
async def test_audiobooks_get_several(mode: Mode, batches: int, singles: int) -> None:
    async with client(mode) as (fake, sp):
        wanted = _mix(fake.catalog.audiobooks, 120)
        books = await sp.audiobooks.get_several(wanted)
        assert [b.id if b else None for b in books] == _expected(wanted)
        assert all(isinstance(b, Audiobook) for b in books if b is not None)
        assert fake.stats.by_operation["get-multiple-audiobooks"] == batches
        assert fake.stats.by_operation["get-an-audiobook"] == (len(set(wanted)) if singles else 0)


@pytest.mark.parametrize(("mode", "batches", "singles"), [("extended", 3, 0), ("development", 0, 120)])
async def test_chapters(mode: Mode, batches: int, singles: int) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        chapter_id = c.chapters[2]
        chapter = await sp.chapters.get(chapter_id)
        assert isinstance(chapter, Chapter)
        assert chapter.id == chapter_id
        assert chapter.chapter_number == c.chapter_by_id[chapter_id].chapter_number
        assert chapter.audiobook is not None
        assert chapter.audiobook.id == c.chapter_by_id[chapter_id].audiobook_id

        wanted = _mix(c.chapters, 120)
        chapters = await sp.chapters.get_several(wanted)
        assert [ch.id if ch else None for ch in chapters] == _expected(wanted)
        assert all(isinstance(ch, Chapter) for ch in chapters if ch is not None)
        assert fake.stats.by_operation["get-several-chapters"] == batches
        assert fake.stats.by_operation["get-a-chapter"] == (len(set(wanted)) if singles else 0) + 1


@pytest.mark.parametrize("mode", MODES)
async def test_arguments_checked_before_sending(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        show_id, book_id = c.shows[0], c.audiobooks[0]
        bad_calls: list[Callable[[], object]] = [
            lambda: sp.shows.get(f"spotify:episode:{c.episodes[0]}"),
            lambda: sp.shows.get(show_id, market="GBR"),
            lambda: sp.shows.episodes(show_id, limit=51),
            lambda: sp.shows.episodes("x" * 21),
            lambda: sp.episodes.get("spotify:episode:"),
            lambda: sp.audiobooks.get(book_id, market="u"),
            lambda: sp.audiobooks.chapters(book_id, limit=100),
            lambda: sp.audiobooks.chapters(book_id, offset=-1),
            lambda: sp.chapters.get(f"spotify:audiobook:{book_id}"),
        ]
        with nothing_sent(fake):
            for make in bad_calls:
                with pytest.raises(InvalidInput):
                    make()
            with pytest.raises(InvalidInput):
                await sp.shows.get_several([show_id, "bad"])
            with pytest.raises(InvalidInput):
                await sp.episodes.get_several(c.episodes[0])
            with pytest.raises(InvalidInput):
                await sp.audiobooks.get_several([book_id], market="Europe")
            with pytest.raises(InvalidInput):
                await sp.chapters.get_several([c.chapters[0], f"spotify:episode:{c.episodes[0]}"])
