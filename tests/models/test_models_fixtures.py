"""Every recorded Spotify response structures into its model with extra keys forbidden, so drift shows.

The model is chosen by the endpoint part of the file name (``<endpoint>__<source>__<n>.json``); a file whose endpoint
is not mapped fails loudly. Error and token bodies are not models (the HTTP and auth layers parse them).
"""

import re
from typing import Any

import pytest
from model_fixtures import MISSING, fixture_files, load_fixture

from spotify_async.errors import ModelError
from spotify_async.models import (
    Album,
    Artist,
    ArtistDiscographyAlbum,
    ArtistTopTracks,
    AudioAnalysis,
    Audiobook,
    AudioFeatures,
    Categories,
    Category,
    Chapter,
    Context,
    CurrentlyPlaying,
    CursorPage,
    Devices,
    Episode,
    FeaturedPlaylists,
    FollowedArtists,
    Genres,
    Image,
    LinkedTrack,
    Markets,
    NewReleases,
    Page,
    PlaybackState,
    PlayHistory,
    Playlist,
    PlaylistTrack,
    PrivateUser,
    PublicUser,
    Queue,
    Recommendations,
    RelatedArtists,
    SavedAlbum,
    SavedEpisode,
    SavedShow,
    SavedTrack,
    SearchResults,
    SeveralAlbums,
    SeveralArtists,
    SeveralAudiobooks,
    SeveralAudioFeatures,
    SeveralChapters,
    SeveralEpisodes,
    SeveralShows,
    SeveralTracks,
    Show,
    SimplifiedAudiobook,
    SimplifiedChapter,
    SimplifiedEpisode,
    SimplifiedPlaylist,
    SimplifiedTrack,
    SnapshotId,
    Track,
    structure,
    unstructure,
)
from tests.resources import shared_fixtures

NOT_MODELS = ("error_", "token_")

MODEL_BY_ENDPOINT: dict[str, Any] = {
    "check_following": list[bool],
    "check_playlist_followers": list[bool],
    "check_saved": list[bool],
    "library_contains": list[bool],
    "create_playlist": Playlist,
    "fragment_context_collectionyourepisodes": Context,
    "fragment_linked_from_null_id": LinkedTrack,
    "fragment_simplified_playlist": SimplifiedPlaylist,
    "fragment_simplified_track": SimplifiedTrack,
    "get_album": Album,
    "get_album_tracks": Page[SimplifiedTrack],
    "get_artist": Artist,
    "get_artist_albums": Page[ArtistDiscographyAlbum],
    "get_artist_related_artists": RelatedArtists,
    "get_artist_top_tracks": ArtistTopTracks,
    "get_audio_analysis": AudioAnalysis,
    "get_audio_features": AudioFeatures,
    "get_audiobook": Audiobook,
    "get_audiobook_chapters": Page[SimplifiedChapter],
    "get_available_genre_seeds": Genres,
    "get_categories": Categories,
    "get_category": Category,
    "get_category_playlists": FeaturedPlaylists,
    "get_chapter": Chapter,
    "get_current_user": PrivateUser,
    "get_current_user_playlists": Page[SimplifiedPlaylist],
    "get_currently_playing": CurrentlyPlaying,
    "get_devices": Devices,
    "get_episode": Episode,
    "get_featured_playlists": FeaturedPlaylists,
    "get_followed_artists": FollowedArtists,
    "get_markets": Markets,
    "get_new_releases": NewReleases,
    "get_playback_state": PlaybackState,
    "get_playlist": Playlist,
    "get_playlist_cover_image": list[Image],
    # A `fields=` projection has no fixed shape: the endpoint returns the raw JSON for it.
    "get_playlist_fields": dict[str, Any],
    "get_playlist_items": Page[PlaylistTrack],
    "get_queue": Queue,
    "get_recently_played": CursorPage[PlayHistory],
    "get_recommendations": Recommendations,
    "get_saved_albums": Page[SavedAlbum | None],
    # Spotify answers plain simplified audiobooks here, not the spec's SavedAudiobookObject.
    "get_saved_audiobooks": Page[SimplifiedAudiobook],
    "get_saved_episodes": Page[SavedEpisode],
    "get_saved_shows": Page[SavedShow],
    "get_saved_tracks": Page[SavedTrack],
    "get_several_albums": SeveralAlbums,
    "get_several_artists": SeveralArtists,
    "get_several_audio_features": SeveralAudioFeatures,
    "get_several_audiobooks": SeveralAudiobooks,
    "get_several_chapters": SeveralChapters,
    "get_several_episodes": SeveralEpisodes,
    "get_several_shows": SeveralShows,
    "get_several_tracks": SeveralTracks,
    "get_show": Show,
    "get_show_episodes": Page[SimplifiedEpisode],
    "get_top_artists": Page[Artist],
    "get_top_tracks": Page[Track],
    "get_track": Track,
    "get_user": PublicUser,
    "get_user_playlists": Page[SimplifiedPlaylist],
    "search_album": SearchResults,
    "search_artist": SearchResults,
    "search_audiobook": SearchResults,
    "search_episode": SearchResults,
    "search_multi": SearchResults,
    "search_playlist": SearchResults,
    "search_show": SearchResults,
    "search_track": SearchResults,
    "search_playlist_page": Page[SimplifiedPlaylist | None],
    "snapshot_id": SnapshotId,
}

# Files whose body is not what their endpoint name says (see PROVENANCE.tsv).
MODEL_BY_FILE: dict[str, Any] = {
    # Recorded under GET /tracks/{id}, but the body is a several-tracks answer.
    "get_track__rbrspotify__1.json": SeveralTracks,
}

# Not raw API output: structured leniently only, and strict mode must reject them (that is what strict is for).
NOT_RAW: dict[str, str] = {
    "get_playlist__spotifyapinet__1.json": "re-serialised by SpotifyAPI-NET: null-valued keys Spotify never sends",
}

# Bodies that contradict what the live API sends: they must fail, in both modes, exactly where expected.
DIVERGENT: dict[str, tuple[str, str]] = {
    "get_several_chapters__swphp__1.json": (
        "the PHP library's fixture holds audiobooks under the 'chapters' key",
        "@ $.chapters[0]",
    ),
    "get_recently_played__swjava__1.json": (
        "docs-era example with simplified tracks; live recordings (2017, 2026) carry full tracks with an album",
        "required field missing @ $.items[0].track.album",
    ),
    "get_recommendations__swjava__1.json": (
        "docs-era example with simplified tracks; live recordings (2016, 2017) carry full tracks with an album",
        "required field missing @ $.tracks[0].album",
    ),
}

MODEL_FILES = [name for name in fixture_files() if not name.startswith(NOT_MODELS)]


def model_for(name: str) -> Any:
    if name in MODEL_BY_FILE:
        return MODEL_BY_FILE[name]
    endpoint = name.split("__", 1)[0]
    if endpoint not in MODEL_BY_ENDPOINT:
        pytest.fail(f"{name}: no model is mapped for endpoint {endpoint!r}; add it to MODEL_BY_ENDPOINT")
    return MODEL_BY_ENDPOINT[endpoint]


def test_fixture_folder_is_populated() -> None:
    shared_fixtures()
    assert len(MODEL_FILES) > 200


@pytest.mark.parametrize("name", MODEL_FILES)
def test_fixture_structures_strictly(name: str) -> None:
    if name == MISSING:
        shared_fixtures()
    cls = model_for(name)
    data = load_fixture(name)
    if name in DIVERGENT:
        _, where = DIVERGENT[name]
        for strict in (False, True):
            with pytest.raises(ModelError, match=re.escape(where)):
                structure(data, cls, strict=strict)
        return
    strict = name not in NOT_RAW
    if not strict:
        with pytest.raises(ModelError, match="extra fields"):
            structure(data, cls, strict=True)
    obj = structure(data, cls, strict=strict)
    # Observable: the result is the model, and it survives a round trip through its JSON form unchanged.
    assert isinstance(obj, getattr(cls, "__origin__", cls))
    assert structure(unstructure(obj), cls, strict=strict) == obj
