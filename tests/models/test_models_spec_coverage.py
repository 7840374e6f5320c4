"""Every schema of the spec's ``components.schemas`` has a model (or a stated reason not to), and every property the
spec gives an object exists on its model, so a field Spotify documents cannot be silently dropped."""

import functools
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from spotify_async import models as m
from tests.resources import openapi_spec

MODEL_BY_SCHEMA: dict[str, Any] = {
    "LinkedTrackObject": m.LinkedTrack,
    "TrackRestrictionObject": m.TrackRestriction,
    "AlbumRestrictionObject": m.AlbumRestriction,
    "EpisodeRestrictionObject": m.EpisodeRestriction,
    "ChapterRestrictionObject": m.ChapterRestriction,
    "ArtistObject": m.Artist,
    "SimplifiedArtistObject": m.SimplifiedArtist,
    "PlayHistoryObject": m.PlayHistory,
    "PlaylistTrackObject": m.PlaylistTrack,
    "QueueObject": m.Queue,
    "CurrentlyPlayingContextObject": m.PlaybackState,
    "DisallowsObject": m.Disallows,
    "PrivateUserObject": m.PrivateUser,
    "PublicUserObject": m.PublicUser,
    "AudioAnalysisObject": m.AudioAnalysis,
    "TimeIntervalObject": m.TimeInterval,
    "SectionObject": m.Section,
    "SegmentObject": m.Segment,
    "AudioFeaturesObject": m.AudioFeatures,
    "SimplifiedTrackObject": m.SimplifiedTrack,
    "DeviceObject": m.Device,
    "CursorObject": m.Cursors,
    "CursorPagingObject": m.CursorPage,
    "CursorPagingPlayHistoryObject": m.CursorPage[m.PlayHistory],
    "CursorPagingSimplifiedArtistObject": m.CursorPage[m.Artist],
    "PagingObject": m.Page,
    "PagingPlaylistObject": m.Page[m.SimplifiedPlaylist],
    "PagingFeaturedPlaylistObject": m.FeaturedPlaylists,
    "PagingArtistDiscographyAlbumObject": m.Page[m.ArtistDiscographyAlbum],
    "PagingSimplifiedAlbumObject": m.Page[m.SimplifiedAlbum],
    "PagingSavedAlbumObject": m.Page[m.SavedAlbum],
    "PagingSimplifiedTrackObject": m.Page[m.SimplifiedTrack],
    "PagingSavedTrackObject": m.Page[m.SavedTrack],
    "PagingTrackObject": m.Page[m.Track],
    "PagingPlaylistTrackObject": m.Page[m.PlaylistTrack],
    "PagingSimplifiedShowObject": m.Page[m.SimplifiedShow],
    "PagingSavedShowObject": m.Page[m.SavedShow],
    "PagingSimplifiedEpisodeObject": m.Page[m.SimplifiedEpisode],
    "PagingSavedEpisodeObject": m.Page[m.SavedEpisode],
    "PagingSimplifiedAudiobookObject": m.Page[m.SimplifiedAudiobook],
    "PagingArtistObject": m.Page[m.Artist],
    "PagingSimplifiedChapterObject": m.Page[m.SimplifiedChapter],
    "PagingSavedAudiobookObject": m.Page[m.SavedAudiobook],
    "RecommendationsObject": m.Recommendations,
    "RecommendationSeedObject": m.RecommendationSeed,
    "SavedAlbumObject": m.SavedAlbum,
    "SavedTrackObject": m.SavedTrack,
    "SavedEpisodeObject": m.SavedEpisode,
    "SavedShowObject": m.SavedShow,
    "SavedAudiobookObject": m.SavedAudiobook,
    "PlaylistObject": m.Playlist,
    "SimplifiedPlaylistObject": m.SimplifiedPlaylist,
    "PlaylistTracksRefObject": m.PlaylistTracksRef,
    "PlaylistUserObject": m.PlaylistUser,
    "PlaylistOwnerObject": m.PlaylistOwner,
    "CategoryObject": m.Category,
    "TrackObject": m.Track,
    "EpisodeObject": m.Episode,
    "SimplifiedEpisodeObject": m.SimplifiedEpisode,
    "EpisodeBase": m.SimplifiedEpisode,
    "ResumePointObject": m.ResumePoint,
    "ShowBase": m.SimplifiedShow,
    "ShowObject": m.Show,
    "SimplifiedShowObject": m.SimplifiedShow,
    "AudiobookBase": m.SimplifiedAudiobook,
    "AudiobookObject": m.Audiobook,
    "SimplifiedAudiobookObject": m.SimplifiedAudiobook,
    "AlbumBase": m.SimplifiedAlbum,
    "SimplifiedAlbumObject": m.SimplifiedAlbum,
    "ArtistDiscographyAlbumObject": m.ArtistDiscographyAlbum,
    "ChapterObject": m.Chapter,
    "SimplifiedChapterObject": m.SimplifiedChapter,
    "ChapterBase": m.SimplifiedChapter,
    "AlbumObject": m.Album,
    "ContextObject": m.Context,
    "CopyrightObject": m.Copyright,
    "AuthorObject": m.Author,
    "NarratorObject": m.Narrator,
    "ExternalIdObject": m.ExternalIds,
    "ExternalUrlObject": m.ExternalUrls,
    "FollowersObject": m.Followers,
    "ImageObject": m.Image,
    "ExplicitContentSettingsObject": m.ExplicitContentSettings,
    "CurrentlyPlayingObject": m.CurrentlyPlaying,
}

# Schemas that are not objects of their own.
NOT_MODELS: dict[str, str] = {
    "ErrorObject": "error bodies are parsed by spotify_async.errors, not structured into a model",
    "TimeSignature": "an int field",
    "Tempo": "a float field",
    "Loudness": "a float field",
    "Key": "an int field",
    "Mode": "an int field",
}

# JSON keys that the model spells differently (the converter renames them both ways).
RENAMED = {"initialPoolSize", "afterFilteringSize", "afterRelinkingSize"}

# Nested objects the spec describes inline (type: object) and their models.
INLINE_OBJECTS: dict[tuple[str, str], Any] = {
    ("AudioAnalysisObject", "meta"): m.AudioAnalysisMeta,
    ("AudioAnalysisObject", "track"): m.AudioAnalysisTrack,
}


@functools.cache
def _load_schemas(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        spec = yaml.load(handle, Loader=loader)  # a safe loader (C-accelerated when available)
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _schemas() -> dict[str, Any]:
    """The spec's schemas (parsed once); skips the test, or fails it under CI, when the spec is missing."""
    return _load_schemas(openapi_spec())


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        if "$ref" in part:
            props.update(_properties(_schemas()[part["$ref"].rsplit("/", 1)[-1]]))
        else:
            props.update(_properties(part))
    props.update(schema.get("properties", {}))
    return props


def _names(model: Any) -> set[str]:
    cls = getattr(model, "__origin__", model)
    names = {a.name for a in attrs.fields(cls)}
    # Read-only aliases (playlist `tracks`, entry `track`) count: the converter reads those keys.
    names |= {name for name in dir(cls) if isinstance(getattr(cls, name, None), property)}
    return names


def test_every_schema_is_mapped() -> None:
    schemas = _schemas()
    assert len(schemas) == 90
    unmapped = set(schemas) - set(MODEL_BY_SCHEMA) - set(NOT_MODELS)
    assert not unmapped, f"schemas without a model: {sorted(unmapped)}"


@pytest.mark.parametrize("schema_name", sorted(MODEL_BY_SCHEMA))
def test_model_has_every_property_of_its_schema(schema_name: str) -> None:
    model = MODEL_BY_SCHEMA[schema_name]
    props = _properties(_schemas()[schema_name])
    missing = set(props) - _names(model) - RENAMED
    assert not missing, f"{schema_name}: {model} lacks {sorted(missing)}"
    for (owner, prop), inline_model in INLINE_OBJECTS.items():
        if owner == schema_name:
            inline_missing = set(props[prop]["properties"]) - _names(inline_model)
            assert not inline_missing, f"{schema_name}.{prop}: {inline_model} lacks {sorted(inline_missing)}"


def test_every_exported_model_is_an_attrs_class_with_slots() -> None:
    for name in m.__all__:
        value = getattr(m, name)
        if isinstance(value, type) and attrs.has(value):
            assert "__slots__" in vars(value), name
