"""What the models promise beyond "every fixture parses": both playlist shapes, the union fallback, local files,
errors that name the JSON path, lenient versus strict, oddities of real bodies, and round trips."""

import copy
from typing import Any

import orjson
import pytest
from model_fixtures import load_fixture

from spotify_async.errors import ModelError, SpotifyError
from spotify_async.models import (
    CONVERTER,
    STRICT_CONVERTER,
    Album,
    Artist,
    Audiobook,
    Chapter,
    CurrentlyPlaying,
    Devices,
    Disallows,
    Episode,
    LinkedTrack,
    Page,
    PlaybackState,
    Playlist,
    PlaylistItem,
    PlaylistTrack,
    PrivateUser,
    Queue,
    RecommendationSeed,
    SavedEpisode,
    SeveralEpisodes,
    SeveralShows,
    SeveralTracks,
    Show,
    SimplifiedAudiobook,
    SimplifiedPlaylist,
    SimplifiedShow,
    Track,
    UnknownItem,
    loads,
    make_converter,
    structure,
    unstructure,
)


def _track() -> dict[str, Any]:
    page = load_fixture("get_playlist_items__spotdl__1.json")
    track: dict[str, Any] = page["items"][0]["track"]
    return track


def _episode() -> dict[str, Any]:
    episode: dict[str, Any] = load_fixture("get_episode__spotifyaio__1.json")
    return episode


# --- playlists: both shapes ------------------------------------------------------------------------------------


def test_old_playlist_shape_fills_canonical_attributes_and_aliases() -> None:
    playlist = structure(load_fixture("get_playlist__spotdl__1.json"), Playlist, strict=True)
    assert playlist.items is not None
    assert playlist.tracks is playlist.items
    entry = playlist.items.items[0]
    assert isinstance(entry.item, Track)
    assert entry.track is entry.item


def test_new_only_playlist_shape_parses() -> None:
    data = load_fixture("get_playlist__rspotify__1.json")
    del data["tracks"]
    for entry in data["items"]["items"]:
        del entry["track"]
    playlist = structure(data, Playlist, strict=True)
    assert playlist.items is not None
    assert playlist.items.total == data["items"]["total"]
    assert isinstance(playlist.items.items[0].item, Track)
    assert playlist.items.items[0].item.id == data["items"]["items"][0]["item"]["id"]


@pytest.mark.parametrize("strict", [False, True])
def test_when_both_shapes_are_present_only_the_canonical_one_is_structured(strict: bool) -> None:
    data = load_fixture("get_playlist__spotifyaio__1.json")
    assert "tracks" in data
    assert "items" in data
    # Poison the legacy copies: were they structured, this would fail.
    data["tracks"] = "not a page"
    for entry in data["items"]["items"]:
        entry["track"] = "not a track"
    playlist = structure(data, Playlist, strict=strict)
    assert playlist.items is not None
    assert all(isinstance(entry.item, Track) for entry in playlist.items.items)


def test_simplified_playlist_accepts_either_summary_key() -> None:
    base = load_fixture("fragment_simplified_playlist__rspotify__1.json")
    ref = {"href": "https://api.spotify.com/v1/playlists/x/items", "total": 7}
    for keys in (("tracks",), ("items",), ("tracks", "items")):
        data = {k: v for k, v in base.items() if k not in ("tracks", "items")}
        for key in keys:
            data[key] = ref
        playlist = structure(data, SimplifiedPlaylist, strict=True)
        assert playlist.items is not None
        assert playlist.items.total == 7
        assert playlist.tracks is playlist.items


def test_playlist_item_alias_names_the_same_class() -> None:
    assert PlaylistItem is PlaylistTrack


def test_withheld_playlist_contents_give_none() -> None:
    data = load_fixture("get_playlist__spotifyaio__1.json")
    del data["tracks"], data["items"]
    playlist = structure(data, Playlist, strict=True)
    assert playlist.items is None
    assert playlist.tracks is None


# --- the track / episode / chapter union -----------------------------------------------------------------------


def _entry(item: Any) -> dict[str, Any]:
    return {"added_at": "2024-01-01T00:00:00Z", "added_by": None, "is_local": False, "item": item}


@pytest.mark.parametrize("strict", [False, True])
def test_unknown_type_becomes_unknown_item_holding_the_raw_object(strict: bool) -> None:
    raw = {"type": "audio_clip", "id": "abc", "uri": "spotify:audio_clip:abc", "name": "Clip", "whatever": [1, 2]}
    entry = structure(_entry(raw), PlaylistTrack, strict=strict)
    assert isinstance(entry.item, UnknownItem)
    assert entry.item.raw == raw
    assert (entry.item.type, entry.item.uri, entry.item.name) == ("audio_clip", "spotify:audio_clip:abc", "Clip")


def test_object_without_type_becomes_unknown_item() -> None:
    entry = structure(_entry({"id": "x", "name": "no type"}), PlaylistTrack, strict=True)
    assert isinstance(entry.item, UnknownItem)
    assert entry.item.type is None


def test_union_dispatches_track_episode_and_chapter_by_type() -> None:
    chapter = load_fixture("get_chapter__spotifyaio__1.json")
    queue = structure(
        {"currently_playing": _episode(), "queue": [_track(), chapter, {"type": "?"}]}, Queue, strict=True
    )
    assert isinstance(queue.currently_playing, Episode)
    assert [type(item) for item in queue.queue] == [Track, Chapter, UnknownItem]


def test_episode_in_track_shape_is_not_forced_into_episode() -> None:
    page = structure(load_fixture("get_playlist_items__rspotify__1.json"), Page[PlaylistTrack], strict=True)
    item = page.items[0].item
    assert isinstance(item, UnknownItem)
    assert item.type == "episode"
    assert item.raw["album"]["type"] == "show"


def test_playback_item_unknown_type_falls_back() -> None:
    data = load_fixture("get_playback_state__spotifyaio__1.json")
    data["item"] = {**data["item"], "type": "video"}
    state = structure(data, PlaybackState, strict=True)
    assert isinstance(state.item, UnknownItem)
    assert state.item.raw["id"] == data["item"]["id"]


# --- local files and other oddities ----------------------------------------------------------------------------


def test_local_files_parse_with_null_ids_and_local_uris() -> None:
    playlist = structure(load_fixture("get_playlist__spotifyaio__3.json"), Playlist, strict=True)
    assert playlist.items is not None
    local = [entry for entry in playlist.items.items if entry.is_local]
    assert local
    for entry in local:
        assert isinstance(entry.item, Track)
        assert entry.item.is_local
        assert entry.item.id is None
        assert entry.item.href is None
        assert entry.item.uri is not None
        assert entry.item.uri.startswith("spotify:local:")
        assert entry.item.album.id is None


def test_local_file_playing_parses() -> None:
    state = structure(load_fixture("get_playback_state__spotifyaio__4.json"), PlaybackState, strict=True)
    assert isinstance(state.item, Track)
    assert state.item.is_local
    assert state.context is None


def test_singular_restriction_key_lands_in_restrictions() -> None:
    episode = structure(load_fixture("get_episode__rbrspotify__1.json"), Episode, strict=True)
    assert episode.restrictions is not None
    assert episode.restrictions.reason
    assert episode.is_playable is False


def test_linked_from_with_null_id() -> None:
    linked = structure(load_fixture("fragment_linked_from_null_id__rspotify__1.json"), LinkedTrack, strict=True)
    assert linked.id is None
    assert linked.uri == "spotify:track:0tSkMuKKrLXEfxc58cEhFX"


def test_null_volume_and_null_entries_in_several_items() -> None:
    devices = structure(load_fixture("get_devices__zmb3__1.json"), Devices, strict=True)
    assert [d.volume_percent for d in devices.devices] == [100, None]
    episodes = structure(load_fixture("get_several_episodes__spotifyaio__1.json"), SeveralEpisodes, strict=True)
    assert episodes.episodes[0] is None
    assert isinstance(episodes.episodes[1], Episode)
    tracks = structure(load_fixture("get_several_tracks__zmb3__1.json"), SeveralTracks, strict=True)
    assert None in tracks.tracks


def test_images_with_null_sizes_and_languages_with_null() -> None:
    playlist = structure(load_fixture("get_playlist__rspotify__1.json"), Playlist, strict=True)
    assert playlist.images is not None
    assert playlist.images[0].width is None
    assert playlist.images[0].height is None
    episode = _episode()
    episode["languages"] = [None]
    episode["show"]["languages"] = [None, "en"]
    parsed = structure(episode, Episode, strict=True)
    assert parsed.languages == [None]
    assert parsed.show is not None
    assert parsed.show.languages == [None, "en"]


def test_saved_episode_spotify_can_no_longer_resolve_becomes_none() -> None:
    page = structure(load_fixture("get_saved_episodes__spotifyaio__1.json"), Page[SavedEpisode], strict=True)
    assert page.items[0].episode is None
    assert page.items[0].added_at is not None
    assert isinstance(page.items[1].episode, Episode)


def test_actions_accept_wrapped_and_flat_disallows() -> None:
    wrapped = structure(load_fixture("get_playback_state__swjava__1.json"), PlaybackState, strict=True)
    assert wrapped.actions == Disallows(resuming=True, skipping_prev=True)
    flat = structure(load_fixture("get_playback_state__spotifydart__2.json"), PlaybackState, strict=True)
    assert flat.actions is not None
    assert flat.actions.pausing is True
    assert flat.actions.resuming is False


def test_currently_playing_without_type_or_context() -> None:
    playing = structure(load_fixture("get_currently_playing__swjava__1.json"), CurrentlyPlaying, strict=True)
    assert playing.context is None
    assert isinstance(playing.item, Track)


def test_full_object_where_the_simplified_one_is_promised_keeps_its_data() -> None:
    shows = structure(load_fixture("get_several_shows__spotifydart__1.json"), SeveralShows, strict=True)
    assert all(isinstance(show, Show) for show in shows.shows)
    plain = structure(load_fixture("get_several_shows__swjava__1.json"), SeveralShows, strict=True)
    assert all(type(show) is SimplifiedShow for show in plain.shows)
    # A chapter's audiobook with a placeholder chapters page (href null) stays simplified.
    chapter = structure(load_fixture("get_chapter__tssdk__1.json"), Chapter, strict=True)
    assert type(chapter.audiobook) is SimplifiedAudiobook
    real = load_fixture("get_audiobook__spotifyaio__1.json")
    assert isinstance(structure(real, SimplifiedAudiobook, strict=True), Audiobook)


# --- fields removed for development-mode apps ------------------------------------------------------------------


def test_dev_mode_removed_fields_default_to_none() -> None:
    album = load_fixture("get_album__spotifyaio__1.json")
    for key in ("album_group", "available_markets", "label", "popularity"):
        album.pop(key, None)
    for track in album["tracks"]["items"]:
        track.pop("available_markets", None)
        track.pop("linked_from", None)
    parsed = structure(album, Album, strict=True)
    assert (parsed.available_markets, parsed.label, parsed.popularity, parsed.album_group) == (None,) * 4
    assert all(t.available_markets is None for t in parsed.tracks.items)

    artist = load_fixture("get_artist__spotifyaio__1.json")
    del artist["followers"], artist["popularity"]
    parsed_artist = structure(artist, Artist, strict=True)
    assert parsed_artist.followers is None
    assert parsed_artist.popularity is None

    track = _track()
    for key in ("available_markets", "linked_from", "popularity", "preview_url"):
        track.pop(key, None)
    parsed_track = structure(track, Track, strict=True)
    assert (parsed_track.popularity, parsed_track.preview_url, parsed_track.linked_from) == (None, None, None)

    me = load_fixture("get_current_user__spotifyaio__2.json")
    for key in ("country", "email", "explicit_content", "followers", "product"):
        me.pop(key, None)
    me["account_id"] = "acc-123"
    user = structure(me, PrivateUser, strict=True)
    assert (user.country, user.email, user.product, user.followers) == (None, None, None, None)
    assert user.account_id == "acc-123"


# --- errors name the path ---------------------------------------------------------------------------------------


def test_model_error_message_names_a_generic_model_readably() -> None:
    with pytest.raises(ModelError, match=r"cannot structure Page\[PlaylistTrack\]: required field missing @ \$\.href"):
        structure({"items": [], "limit": 1, "offset": 0, "total": 0}, Page[PlaylistTrack])


def test_model_error_names_the_json_path_in_strict_mode() -> None:
    page = load_fixture("get_playlist_items__spotdl__1.json")
    page["items"][2]["track"]["popularity"] = "very"
    with pytest.raises(ModelError, match=r"\$\.items\[2\]\.track\.popularity") as caught:
        structure(page, Page[PlaylistTrack], strict=True)
    assert "expected int" in str(caught.value)
    assert isinstance(caught.value, SpotifyError)


def test_model_error_names_the_path_of_a_missing_required_key() -> None:
    page = load_fixture("get_playlist_items__spotdl__1.json")
    del page["items"][2]["track"]["album"]
    for strict in (False, True):
        with pytest.raises(ModelError, match=r"required field missing @ \$\.items\[2\]\.track\.album"):
            structure(page, Page[PlaylistTrack], strict=strict)


def test_model_error_for_a_wrong_container_and_a_bad_literal() -> None:
    album = load_fixture("get_album__spotifyaio__1.json")
    album["tracks"]["items"] = {"not": "a list"}
    with pytest.raises(ModelError, match=r"@ \$\.tracks\.items"):
        structure(album, Album)
    episode = _episode()
    episode["type"] = "track"
    with pytest.raises(ModelError, match=r"expected 'episode', got 'track' @ \$\.type"):
        structure(episode, Episode)


def test_loads_rejects_a_body_that_is_not_json() -> None:
    with pytest.raises(ModelError, match="not JSON"):
        loads(b"<html>busy</html>", Album)


def test_loads_decodes_and_structures() -> None:
    body = orjson.dumps(load_fixture("get_album__spotifyaio__1.json"))
    album = loads(body, Album)
    assert isinstance(album, Album)
    assert album.tracks.total == len(album.tracks.items) or album.tracks.next is not None


# --- lenient versus strict --------------------------------------------------------------------------------------


def test_lenient_ignores_unknown_keys_strict_rejects_them_with_the_path() -> None:
    track = _track()
    track["album"]["brand_new_key"] = 1
    track["another_new_key"] = {"x": 1}
    parsed = structure(track, Track)
    assert parsed.id == track["id"]
    with pytest.raises(ModelError, match=r"extra fields found \(another_new_key\) @ \$"):
        structure(track, Track, strict=True)
    with pytest.raises(ModelError, match=r"extra fields found \(brand_new_key\) @ \$\.album"):
        structure({k: v for k, v in track.items() if k != "another_new_key"}, Track, strict=True)


def test_lenient_reads_null_as_the_default_strict_rejects_it() -> None:
    show = load_fixture("get_show__spotifyaio__1.json")
    show["copyrights"] = None
    show["description"] = None
    assert structure(show, Show).copyrights == []
    assert structure(show, Show).description == ""
    with pytest.raises(ModelError, match=r"\$\.copyrights"):
        structure(show, Show, strict=True)


def test_converters_are_built_with_the_promised_flags() -> None:
    assert CONVERTER.detailed_validation is False
    assert STRICT_CONVERTER.detailed_validation is False
    assert make_converter(detailed=True).detailed_validation is True
    assert CONVERTER.forbid_extra_keys is False
    assert STRICT_CONVERTER.forbid_extra_keys is True


def test_structure_does_not_mutate_its_input() -> None:
    data = load_fixture("get_playlist__spotifyaio__1.json")
    before = copy.deepcopy(data)
    structure(data, Playlist)
    structure(data, Playlist, strict=True)
    assert data == before


# --- round trips -------------------------------------------------------------------------------------------------


def test_round_trip_uses_canonical_keys() -> None:
    playlist = structure(load_fixture("get_playlist__spotdl__1.json"), Playlist)
    raw = unstructure(playlist)
    assert "items" in raw
    assert "tracks" not in raw
    assert "item" in raw["items"]["items"][0]
    assert "track" not in raw["items"]["items"][0]
    assert structure(orjson.loads(orjson.dumps(raw)), Playlist, strict=True) == playlist


def test_round_trip_of_renamed_and_fallback_values() -> None:
    seed = structure(
        {"initialPoolSize": 500, "afterFilteringSize": 380, "afterRelinkingSize": 365, "id": "x", "type": "ARTIST"},
        RecommendationSeed,
        strict=True,
    )
    assert (seed.initial_pool_size, seed.after_filtering_size, seed.after_relinking_size) == (500, 380, 365)
    assert unstructure(seed)["initialPoolSize"] == 500
    unknown = UnknownItem(raw={"type": "clip", "id": "1"})
    assert unstructure(unknown) == {"type": "clip", "id": "1"}
    entry = structure(_entry({"type": "clip", "id": "1"}), PlaylistTrack)
    assert structure(unstructure(entry), PlaylistTrack) == entry


def test_round_trip_keeps_the_full_subclass_inside_a_simplified_slot() -> None:
    shows = structure(load_fixture("get_several_shows__spotifydart__1.json"), SeveralShows)
    raw = unstructure(shows)
    assert "episodes" in raw["shows"][0]
    assert structure(raw, SeveralShows, strict=True) == shows


def test_nulls_inside_lists_of_leaf_models_keep_their_positions_and_a_non_object_is_named() -> None:
    entry = load_fixture("get_playlist_items__spotifyaio__1.json")["items"][0]
    track = dict(entry.get("item") or entry["track"])
    first_artist, first_image = track["artists"][0], track["album"]["images"][0]
    track["artists"] = [None, first_artist, None]
    track["album"] = {**track["album"], "images": [None, first_image]}
    for strict in (False, True):
        built = loads(orjson.dumps(track), Track, strict=strict)
        assert [None if a is None else a.name for a in built.artists] == [None, first_artist["name"], None]
        assert [None if i is None else i.url for i in built.album.images] == [None, first_image["url"]]
    track["artists"] = ["not an artist"]
    with pytest.raises(ModelError, match=r"\$\.artists\[0\]"):
        loads(orjson.dumps(track), Track)
