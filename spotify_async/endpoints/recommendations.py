"""Recommendations: ``sp.recommendations``: recommendations from seeds, genre seeds, audio features and analysis.

Every operation here was restricted for new and development-mode apps in November 2024 (no replacement): in
development mode each method raises ``EndpointUnavailable`` before sending. Arguments are still checked first, so a
bad call fails the same way in both modes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Batch, Call
from ..http.response import Request
from ..models import AudioAnalysis, AudioFeatures, Recommendations
from ._base import (
    EndpointGroup,
    batch_max,
    check_limit,
    check_market,
    chunked,
    flatten,
    id_list,
    ids_request,
    query,
)

__all__ = ["MAX_SEEDS", "TUNABLE_ATTRIBUTES", "RecommendationsEndpoints"]

#: Spotify accepts at most 5 seeds across artists, tracks and genres together
MAX_SEEDS = 5

#: tunable attribute -> (type, minimum, maximum); each takes ``min_``, ``max_`` and ``target_`` prefixes
TUNABLE_ATTRIBUTES: dict[str, tuple[type, float | None, float | None]] = {
    "acousticness": (float, 0.0, 1.0),
    "danceability": (float, 0.0, 1.0),
    "duration_ms": (int, 0, None),
    "energy": (float, 0.0, 1.0),
    "instrumentalness": (float, 0.0, 1.0),
    "key": (int, 0, 11),
    "liveness": (float, 0.0, 1.0),
    "loudness": (float, None, None),
    "mode": (int, 0, 1),
    "popularity": (int, 0, 100),
    "speechiness": (float, 0.0, 1.0),
    "tempo": (float, 0.0, None),
    "time_signature": (int, 0, 11),
    "valence": (float, 0.0, 1.0),
}
_PREFIXES = ("min_", "max_", "target_")
_GENRE = re.compile(r"[a-z0-9][a-z0-9\-]*\Z")


def _seed_list(values: Sequence[str] | None, kind: str) -> list[str]:
    if values is None:
        return []
    if kind == "genre":
        if isinstance(values, str):
            raise InvalidInput("seed_genres must be a list of genre names (wrap a single one in a list)")
        bad = [g for g in values if not isinstance(g, str) or not _GENRE.match(g)]
        if bad:
            raise InvalidInput(f"invalid genre seed(s) {bad}: see genre_seeds() for the names Spotify accepts")
        return list(values)
    return id_list(values, kind, arg=f"seed_{kind}s")


def _tunable(name: str, value: Any) -> str:
    prefix = next((p for p in _PREFIXES if name.startswith(p)), None)
    attribute = name[len(prefix) :] if prefix else ""
    if attribute not in TUNABLE_ATTRIBUTES:
        raise InvalidInput(
            f"unknown recommendation tunable {name!r}: use min_, max_ or target_ with one of "
            f"{', '.join(TUNABLE_ATTRIBUTES)}"
        )
    kind, low, high = TUNABLE_ATTRIBUTES[attribute]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise InvalidInput(f"{name} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}" if low is not None else "finite"
        raise InvalidInput(f"{name} must be {bounds}, got {value!r}")
    return repr(value) if kind is float else str(value)


class RecommendationsEndpoints(EndpointGroup):
    """Recommendations, genre seeds, audio features and audio analysis (extended mode only)."""

    __slots__ = ()

    def __call__(
        self,
        *,
        seed_artists: Sequence[str] | None = None,
        seed_tracks: Sequence[str] | None = None,
        seed_genres: Sequence[str] | None = None,
        limit: int | None = None,
        market: str | None = None,
        **tunables: float,
    ) -> Call[Recommendations]:
        """``GET /recommendations``: tracks from 1 to 5 seeds in all, tuned. No scope; extended mode only.

        Seeds are artist ids, track ids and genre names (:meth:`genre_seeds`); ``limit`` is 1 to 100
        (Spotify's default 20); tunables are ``min_``/``max_``/``target_`` + an attribute of
        :data:`TUNABLE_ATTRIBUTES` (``target_energy=0.8``, ``max_popularity=40``).
        """
        artists = _seed_list(seed_artists, "artist")
        tracks = _seed_list(seed_tracks, "track")
        genres = _seed_list(seed_genres, "genre")
        count = len(artists) + len(tracks) + len(genres)
        if not 1 <= count <= MAX_SEEDS:
            raise InvalidInput(
                f"recommendations need 1 to {MAX_SEEDS} seeds in all (artists, tracks and genres), got {count}"
            )
        tuned = {name: _tunable(name, value) for name, value in sorted(tunables.items())}
        for attribute in TUNABLE_ATTRIBUTES:
            low, high = tunables.get("min_" + attribute), tunables.get("max_" + attribute)
            if low is not None and high is not None and low > high:
                raise InvalidInput(f"min_{attribute} ({low}) is greater than max_{attribute} ({high})")
        params = query(
            seed_artists=artists or None,
            seed_tracks=tracks or None,
            seed_genres=genres or None,
            limit=check_limit(limit, routes.GET_RECOMMENDATIONS.page_limit) if limit is not None else None,
            market=check_market(market),
        )
        params.update(tuned)
        return Call(self._client, Request(routes.GET_RECOMMENDATIONS.compile(), params), Recommendations)

    def genre_seeds(self) -> Call[list[str]]:
        """``GET /recommendations/available-genre-seeds``: genre names for seeds. No scope; extended mode only."""
        route = routes.GET_RECOMMENDATION_GENRES.compile()
        return Call(self._client, Request(route), list[str])

    def audio_features(self, track_id: str) -> Call[AudioFeatures]:
        """``GET /audio-features/{id}``: one track's acoustic attributes. No scope; extended mode only."""
        route = routes.GET_AUDIO_FEATURES.compile(id=ids.to_id(track_id, "track", arg="track_id"))
        return Call(self._client, Request(route), AudioFeatures)

    def several_audio_features(self, track_ids: Iterable[str]) -> Batch[list[AudioFeatures | None]]:
        """``GET /audio-features?ids=``: any number of tracks, in order, ``None`` if unknown. Extended mode only.

        Sent in concurrent chunks of 100. No scope. There is no development-mode fallback: the single read is restricted
        too.
        """
        wanted = id_list(track_ids, "track")
        route = routes.GET_SEVERAL_AUDIO_FEATURES
        calls: list[Call[list[AudioFeatures | None]]] = [
            Call(self._client, ids_request(route, chunk), list[AudioFeatures | None])
            for chunk in chunked(wanted, batch_max(route))
        ]
        return Batch.concurrent(calls, flatten)

    def audio_analysis(self, track_id: str) -> Call[AudioAnalysis]:
        """``GET /audio-analysis/{id}``: one track's bars, beats, sections, segments. No scope; extended mode only."""
        route = routes.GET_AUDIO_ANALYSIS.compile(id=ids.to_id(track_id, "track", arg="track_id"))
        return Call(self._client, Request(route), AudioAnalysis)
