"""Browse, markets, recommendations, audio features and analysis against FakeSpotify.

All of them are gone for development-mode apps (removed in 2026 or restricted in 2024, without replacement): in
development mode each method raises ``EndpointUnavailable`` with nothing sent, after its arguments were checked.
Extended mode sends them as is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from catalog_support import MODES, UNKNOWN_IDS, client, nothing_sent, params_of, spy_requests

from spotify_async.config import Mode
from spotify_async.errors import EndpointUnavailable, InvalidInput
from spotify_async.models import (
    AudioAnalysis,
    AudioFeatures,
    Category,
    Recommendations,
    SimplifiedAlbum,
    SimplifiedPlaylist,
    Track,
)
from spotify_async.session import Spotify
from spotify_async.testing import FakeSpotify


async def test_browse_extended() -> None:
    async with client("extended") as (fake, sp):
        c = fake.catalog
        sent = spy_requests(sp)
        categories = await sp.browse.categories(locale="sv_SE", limit=7).collect()
        assert all(isinstance(cat, Category) for cat in categories)
        assert [cat.id for cat in categories] == c.categories
        assert all(params_of(r)["locale"] == "sv_SE" for r in sent)
        assert len(sent) == -(-len(c.categories) // 7)

        category_id = max(c.categories, key=lambda i: len(c.category_by_id[i].playlist_ids))
        category = await sp.browse.category(category_id, locale="en_US")
        assert (category.id, category.name) == (category_id, c.category_by_id[category_id].name)

        playlists = await sp.browse.category_playlists(category_id, limit=2).collect()
        assert [p.id if p else None for p in playlists] == c.category_by_id[category_id].playlist_ids
        assert all(isinstance(p, SimplifiedPlaylist) for p in playlists)

        featured = await sp.browse.featured_playlists(limit=5)
        assert featured.total == len(c.editorial_playlists)
        assert [p.id if p else None for p in featured.items] == c.editorial_playlists[:5]

        releases = await sp.browse.new_releases(limit=10, max_items=25).collect()
        assert len(releases) == 25
        assert all(isinstance(a, SimplifiedAlbum) for a in releases)
        dates = [a.release_date or "" for a in releases]
        assert dates == sorted(dates, reverse=True)


async def test_markets_extended() -> None:
    async with client("extended") as (_, sp):
        markets = await sp.markets.available()
        assert len(markets) > 50
        assert all(isinstance(m, str) and len(m) == 2 and m.isupper() for m in markets)
        assert {"SE", "US", "GB"} <= set(markets)


async def test_recommendations_extended() -> None:
    async with client("extended") as (fake, sp):
        c = fake.catalog
        artist, track, genre = c.artists[0], c.tracks[0], c.genres[0]
        sent = spy_requests(sp)
        result = await sp.recommendations(
            seed_artists=[f"spotify:artist:{artist}"],
            seed_tracks=[track],
            seed_genres=[genre],
            limit=15,
            market="se",
            target_energy=0.8,
            min_popularity=10,
            max_popularity=90,
            max_duration_ms=400_000,
            target_tempo=120,
        )
        assert isinstance(result, Recommendations)
        assert len(result.tracks) == 15
        assert all(isinstance(t, Track) for t in result.tracks)
        assert [s.id for s in result.seeds] == [artist, genre, track]
        assert params_of(sent[0]) == {
            "seed_artists": artist,
            "seed_tracks": track,
            "seed_genres": genre,
            "limit": "15",
            "market": "SE",
            "target_energy": "0.8",
            "min_popularity": "10",
            "max_popularity": "90",
            "max_duration_ms": "400000",
            "target_tempo": "120",
        }

        five = await sp.recommendations(seed_genres=c.genres[:5])
        assert len(five.tracks) == 20
        assert await sp.recommendations.genre_seeds() == c.genres


async def test_audio_features_and_analysis_extended() -> None:
    async with client("extended") as (fake, sp):
        c = fake.catalog
        features = await sp.recommendations.audio_features(f"spotify:track:{c.tracks[0]}")
        assert isinstance(features, AudioFeatures)
        assert features.id == c.tracks[0]
        assert features.duration_ms == c.track_by_id[c.tracks[0]].duration_ms

        wanted = [UNKNOWN_IDS[i % 3] if i % 11 == 5 else c.tracks[i] for i in range(250)]
        several = await sp.recommendations.several_audio_features(wanted)
        assert [f.id if f else None for f in several] == [None if i in UNKNOWN_IDS else i for i in wanted]
        assert fake.stats.by_operation["get-several-audio-features"] == 3
        assert await sp.recommendations.several_audio_features([]) == []

        analysis = await sp.recommendations.audio_analysis(c.tracks[1])
        assert isinstance(analysis, AudioAnalysis)
        assert analysis.sections
        assert analysis.segments


def _gone_in_development(sp: Spotify, fake: FakeSpotify) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    c = fake.catalog
    return [
        ("get-categories", lambda: sp.browse.categories()),
        ("get-a-category", lambda: sp.browse.category(c.categories[0])),
        ("get-a-categories-playlists", lambda: sp.browse.category_playlists(c.categories[0])),
        ("get-featured-playlists", lambda: sp.browse.featured_playlists()),
        ("get-new-releases", lambda: sp.browse.new_releases()),
        ("get-available-markets", lambda: sp.markets.available()),
        ("get-recommendations", lambda: sp.recommendations(seed_genres=["rock"])),
        ("get-recommendation-genres", lambda: sp.recommendations.genre_seeds()),
        ("get-audio-features", lambda: sp.recommendations.audio_features(c.tracks[0])),
        ("get-several-audio-features", lambda: sp.recommendations.several_audio_features(c.tracks[:3])),
        ("get-audio-analysis", lambda: sp.recommendations.audio_analysis(c.tracks[0])),
    ]


async def test_all_unavailable_in_development_before_sending() -> None:
    async with client("development") as (fake, sp):
        cases = _gone_in_development(sp, fake)
        assert len(cases) == 11
        with nothing_sent(fake):
            for operation, make in cases:
                with pytest.raises(EndpointUnavailable) as info:
                    await make()
                assert info.value.operation == operation
                assert info.value.mode == "development"


@pytest.mark.parametrize("mode", MODES)
async def test_arguments_checked_before_sending(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        rec = sp.recommendations
        six_seeds: dict[str, Any] = {"seed_artists": c.artists[:3], "seed_genres": c.genres[:3]}
        bad_calls: list[Callable[[], object]] = [
            lambda: sp.browse.categories(locale="sv-SE"),
            lambda: sp.browse.categories(limit=51),
            lambda: sp.browse.category("bad/id"),
            lambda: sp.browse.category("", locale="en_US"),
            lambda: sp.browse.category_playlists("toplists", offset=-1),
            lambda: sp.browse.featured_playlists(locale="english"),
            lambda: sp.browse.new_releases(limit=0),
            lambda: rec(),
            lambda: rec(seed_genres=[]),
            lambda: rec(**six_seeds),
            lambda: rec(seed_artists=c.artists[:6]),
            lambda: rec(seed_genres="rock"),
            lambda: rec(seed_genres=["Rock Music"]),
            lambda: rec(seed_tracks=[f"spotify:album:{c.albums[0]}"]),
            lambda: rec(seed_genres=["rock"], limit=101),
            lambda: rec(seed_genres=["rock"], market="Sweden"),
            lambda: rec(seed_genres=["rock"], target_energy=1.5),
            lambda: rec(seed_genres=["rock"], min_popularity=-1),
            lambda: rec(seed_genres=["rock"], target_key=12),
            lambda: rec(seed_genres=["rock"], target_key=3.5),
            lambda: rec(seed_genres=["rock"], target_mode=True),
            lambda: rec(seed_genres=["rock"], target_valence=float("nan")),
            lambda: rec(seed_genres=["rock"], target_loudness="loud"),  # type: ignore[arg-type]
            lambda: rec(seed_genres=["rock"], energy=0.5),
            lambda: rec(seed_genres=["rock"], target_groove=0.5),
            lambda: rec(seed_genres=["rock"], min_energy=0.9, max_energy=0.1),
            lambda: rec.audio_features("nope"),
            lambda: rec.audio_analysis(f"spotify:artist:{c.artists[0]}"),
        ]
        with nothing_sent(fake):
            for make in bad_calls:
                with pytest.raises(InvalidInput):
                    make()
            with pytest.raises(InvalidInput):
                await rec.several_audio_features([c.tracks[0], "bad"])
            with pytest.raises(InvalidInput):
                await rec.several_audio_features(c.tracks[0])
