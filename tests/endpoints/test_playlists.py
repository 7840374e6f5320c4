"""``sp.playlists`` against FakeSpotify in both modes, with every request validated against the spec: creating,
changing details, adding 250 items in 3 ordered requests, inserting at a position, reordering, replacing, removing
(snapshot ids change each time), the /tracks routes on request in extended mode, creating for a user in both modes,
and the cover image."""

from __future__ import annotations

import base64

import pytest
from user_area_support import fake_user, nothing_sent

from spotify_async.config import Mode
from spotify_async.endpoints.playlists import COVER_IMAGE_MAX_BYTES
from spotify_async.errors import EndpointUnavailable, Forbidden, InvalidInput
from spotify_async.models import Playlist
from spotify_async.testing import FakeSpotify

MODES: tuple[Mode, ...] = ("development", "extended")


def _uris(fake: FakeSpotify, n: int, start: int = 0) -> list[str]:
    """``n`` distinct catalog items, every 10th an episode."""
    tracks, episodes = fake.catalog.tracks, fake.catalog.episodes
    return [
        f"spotify:episode:{episodes[i]}" if i % 10 == 9 else f"spotify:track:{tracks[i]}"
        for i in range(start, start + n)
    ]


async def _contents(sp: object, pid: str) -> list[str | None]:
    entries = await sp.playlists.items(pid, limit=50).collect()  # type: ignore[attr-defined]
    return [e.item.uri if e.item is not None else None for e in entries]


@pytest.mark.parametrize("mode", MODES)
async def test_create_edit_and_fill_a_playlist(mode: Mode) -> None:
    async with fake_user(mode) as (fake, sp, uid):
        created = await sp.playlists.create("Road trip", public=False, description="for the drive")
        assert isinstance(created, Playlist)
        assert (created.name, created.public, created.description) == ("Road trip", False, "for the drive")
        assert created.owner is not None
        assert created.owner.id == uid
        pid = created.id
        snapshots = [created.snapshot_id]

        # 250 items: 3 requests in order, one after the other
        first = _uris(fake, 250)
        snapshots.append(await sp.playlists.add_items(pid, first))
        assert fake.stats.by_operation["add-items-to-playlist"] == 3
        assert await _contents(sp, pid) == first

        # 120 more at position 10: 2 requests, the second one 100 places further, so they stay together
        middle = _uris(fake, 120, start=300)
        snapshots.append(await sp.playlists.add_items(f"spotify:playlist:{pid}", middle, position=10))
        assert await _contents(sp, pid) == first[:10] + middle + first[10:]

        # move the 2 items at 0-1 to the end
        current = await _contents(sp, pid)
        snapshots.append(await sp.playlists.reorder_items(pid, 0, len(current), 2, snapshot_id=snapshots[-1]))
        assert await _contents(sp, pid) == current[2:] + current[:2]

        removed = [first[20], middle[0]]
        snapshots.append(await sp.playlists.remove_items(pid, removed, snapshot_id=snapshots[-1]))
        after_removal = await _contents(sp, pid)
        assert not set(removed) & set(after_removal)
        assert len(after_removal) == 370 - 2

        replacement = _uris(fake, 230, start=500)
        snapshots.append(await sp.playlists.replace_items(pid, replacement))
        assert await _contents(sp, pid) == replacement
        snapshots.append(await sp.playlists.replace_items(pid, []))
        assert await _contents(sp, pid) == []
        assert len(set(snapshots)) == len(snapshots), "every write gives a new snapshot id"

        await sp.playlists.change_details(pid, name="Road trip 2026", public=True, description="")
        renamed = await sp.playlists.get(pid)
        assert (renamed.name, renamed.public, renamed.description) == ("Road trip 2026", True, "")
        assert renamed.snapshot_id not in snapshots

        ops = fake.stats.by_operation
        assert ops["reorder-or-replace-playlists-items"] == 1 + 1 + 1  # reorder, replace 230 (PUT), clear
        assert ops["add-items-to-playlist"] == 3 + 2 + 2  # 250, 120, the 130 after the first 100 replaced
        assert ops["remove-items-playlist"] == 1
        assert not any(ops[op] for op in ("add-tracks-to-playlist", "reorder-or-replace-playlists-tracks"))


async def test_legacy_tracks_routes_in_extended_mode() -> None:
    async with fake_user("extended") as (fake, sp, _uid):
        pid = (await sp.playlists.create("Legacy", public=False)).id
        uris = _uris(fake, 130)
        await sp.playlists.add_items(pid, uris, legacy_tracks_endpoint=True)
        await sp.playlists.reorder_items(pid, 0, 130, legacy_tracks_endpoint=True)
        await sp.playlists.remove_items(pid, uris[:5], legacy_tracks_endpoint=True)
        entries = await sp.playlists.items(pid, legacy_tracks_endpoint=True, limit=100).collect()
        assert [e.item.uri for e in entries if e.item is not None] == uris[
            5:
        ]  # the first one moved to the end, then removed
        await sp.playlists.replace_items(pid, uris[:3], legacy_tracks_endpoint=True)
        ops = fake.stats.by_operation
        assert ops["add-tracks-to-playlist"] == 2
        assert ops["reorder-or-replace-playlists-tracks"] == 2
        assert ops["remove-tracks-playlist"] == 1
        assert ops["get-playlists-tracks"] == 2
        assert not any(
            ops[op] for op in ("add-items-to-playlist", "remove-items-playlist", "reorder-or-replace-playlists-items")
        )


async def test_development_mode_ignores_the_legacy_flag() -> None:
    async with fake_user("development") as (fake, sp, _uid):
        pid = (await sp.playlists.create("Current", public=False)).id
        uris = _uris(fake, 3)
        await sp.playlists.add_items(pid, uris, legacy_tracks_endpoint=True)
        await sp.playlists.remove_items(pid, uris[:1], legacy_tracks_endpoint=True)
        assert await _contents(sp, pid) == uris[1:]
        ops = fake.stats.by_operation
        assert (ops["add-items-to-playlist"], ops["remove-items-playlist"]) == (1, 1)
        assert fake.stats.by_status.get(403, 0) == 0


@pytest.mark.parametrize("mode", MODES)
async def test_create_for_user(mode: Mode) -> None:
    async with fake_user(mode) as (fake, sp, uid):
        created = await sp.playlists.create_for_user(f"spotify:user:{uid}", "For me", public=False, collaborative=True)
        assert created.owner is not None
        assert (created.owner.id, created.collaborative) == (uid, True)
        assert created.id in fake.catalog.playlist_by_id
        other = next(u for u in fake.catalog.users if u != uid)
        ops = fake.stats.by_operation
        if mode == "development":
            assert (ops["get-current-users-profile"], ops["create-playlist"], ops["create-playlist-for-user"]) == (
                1,
                1,
                0,
            )
            with pytest.raises(EndpointUnavailable, match="POST /me/playlists"):
                await sp.playlists.create_for_user(other, "Not mine")
            assert (ops["get-current-users-profile"], ops["create-playlist"]) == (2, 1)
        else:
            assert (ops["create-playlist-for-user"], ops["create-playlist"]) == (1, 0)
            with pytest.raises(Forbidden):
                await sp.playlists.create_for_user(other, "Not mine")


@pytest.mark.parametrize("mode", MODES)
async def test_cover_image_upload_and_read(mode: Mode) -> None:
    async with fake_user(mode) as (fake, sp, _uid):
        pid = (await sp.playlists.create("Covered", public=False)).id
        assert await sp.playlists.cover_image(pid) == []
        jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 700 + b"\xff\xd9"
        await sp.playlists.upload_cover_image(pid, jpeg)
        covers = await sp.playlists.cover_image(pid)
        assert len(covers) == 1
        assert covers[0].url.startswith("https://")
        assert fake.stats.by_status[202] == 1

        too_big = b"\xff\xd8\xff" + b"\x00" * (COVER_IMAGE_MAX_BYTES * 3 // 4)
        assert len(base64.b64encode(too_big)) > COVER_IMAGE_MAX_BYTES >= len(too_big)
        with nothing_sent(fake):
            with pytest.raises(InvalidInput, match="base64"):
                sp.playlists.upload_cover_image(pid, too_big)
            with pytest.raises(InvalidInput, match="JPEG"):
                sp.playlists.upload_cover_image(pid, b"GIF89a" + b"\x00" * 10)


async def test_writes_to_someone_elses_playlist_are_refused_by_spotify() -> None:
    async with fake_user("development") as (fake, sp, uid):
        pid = next(
            p
            for p, rec in fake.catalog.playlist_by_id.items()
            if rec.owner_id != uid and rec.public and not rec.editorial
        )
        with pytest.raises(Forbidden):
            await sp.playlists.add_items(pid, _uris(fake, 1))


async def test_argument_errors_send_nothing() -> None:
    async with fake_user("development") as (fake, sp, _uid):
        pid = (await sp.playlists.create("Checks", public=False)).id
        with nothing_sent(fake):
            for bad in (
                lambda: sp.playlists.add_items(pid, [fake.catalog.tracks[0]]),  # bare id: track or episode?
                lambda: sp.playlists.add_items(pid, [*_uris(fake, 150), "spotify:track:x"]),
                lambda: sp.playlists.reorder_items(pid, 0, 1, 0),
                lambda: sp.playlists.remove_items(pid, []),
                lambda: sp.playlists.create("Shared", collaborative=True),
                lambda: sp.playlists.change_details(pid),
                lambda: sp.playlists.items(pid, limit=100),  # 50 at most in development mode
            ):
                with pytest.raises(InvalidInput):
                    bad()
