"""Everything a route handler may read or change: the catalog, the JSON renderer, the app mode, the accounts
service and each user's mutable state (library, follows, player). One ``World`` per running FakeSpotify."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from ._accounts import Accounts
from ._catalog import Catalog, PlaylistRec
from ._options import FakeMode, PlaylistShape
from ._render import Renderer


@dataclass(slots=True)
class Device:
    id: str
    name: str
    type: str
    volume_percent: int | None
    supports_volume: bool = True
    is_restricted: bool = False
    is_private_session: bool = False


@dataclass(slots=True)
class PlayerState:
    devices: list[Device]
    active_device: str | None = None
    is_playing: bool = False
    #: the playing context (a URI) and the ordered items being played, as (kind, id) pairs
    context_uri: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)
    position: int = 0
    progress_ms: int = 0
    started_at: float = 0.0
    shuffle: bool = False
    repeat: str = "off"
    queue: list[tuple[str, str]] = field(default_factory=list)
    timestamp_ms: int = 0


@dataclass(slots=True)
class UserState:
    """One user's library and player. Dicts keep insertion order = the order of ``added_at``."""

    saved: dict[str, dict[str, str]]  # kind -> id -> added_at
    followed_artists: dict[str, str]
    followed_users: dict[str, str]
    followed_playlists: dict[str, str]
    top_artists: list[str]
    top_tracks: list[str]
    recently_played: list[tuple[str, int, str | None]]  # (track id, played_at ms, context uri)
    player: PlayerState


class World:
    """Shared state of one fake: read by every handler, mutated by the stateful ones."""

    def __init__(
        self,
        catalog: Catalog,
        api_base: str,
        mode: FakeMode,
        accounts: Accounts,
        playlist_shape: PlaylistShape,
        seed: int,
    ) -> None:
        self.catalog = catalog
        self.api_base = api_base
        self.mode = mode
        self.extended = mode == "extended"
        self.render = Renderer(catalog, api_base, mode, playlist_shape)
        self.accounts = accounts
        self._rng = random.Random(seed ^ 0x5EED)
        self._users: dict[str, UserState] = {}
        #: search indexes, built on the first search
        self.search_index: Any = None
        #: serialised bodies of immutable single-item GETs
        self.bytes_cache: dict[tuple[str, str], bytes] = {}
        #: other derived data computed once (e.g. the new-releases order)
        self.memo: dict[str, Any] = {}

    def user_state(self, uid: str) -> UserState:
        st = self._users.get(uid)
        if st is None:
            st = self._users[uid] = self._new_user_state(uid)
        return st

    def _new_user_state(self, uid: str) -> UserState:
        # each user's starting library is derived from the seed and the user id, so it is stable across runs
        rng = random.Random(f"{self.catalog.seed}:{uid}")
        c = self.catalog

        def stamp() -> str:
            return (
                f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
            )

        def some(ids: list[str], lo: int, hi: int) -> dict[str, str]:
            picked = rng.sample(ids, min(len(ids), rng.randint(lo, hi)))
            stamps = sorted((stamp() for _ in picked), reverse=True)
            return dict(zip(picked, stamps, strict=True))

        saved = {
            "track": some(c.tracks, 20, 120),
            "album": some(c.albums, 3, 30),
            "show": some(c.shows, 0, 5),
            "episode": some(c.episodes, 0, 10),
            "audiobook": some(c.audiobooks, 0, 4),
        }
        now_ms = int(time.time() * 1000)
        recent: list[tuple[str, int, str | None]] = []
        t = now_ms - rng.randint(60_000, 600_000)
        for _ in range(50):
            recent.append((rng.choice(c.tracks), t, None))
            t -= rng.randint(120_000, 3_600_000)
        devices = [
            Device(
                f"{rng.getrandbits(160):040x}",
                name,
                dtype,
                vol,
                supports_volume=vol is not None,
            )
            for name, dtype, vol in (
                ("Living Room Speaker", "Speaker", 40),
                (f"{c.user_by_id[uid].display_name.split()[0].upper()}-LAPTOP", "Computer", 70),
                ("Pixel", "Smartphone", None),
            )
        ]
        return UserState(
            saved=saved,
            followed_artists=some(c.artists, 2, 40),
            followed_users={},
            followed_playlists={},
            top_artists=rng.sample(c.artists, 50),
            top_tracks=rng.sample(c.tracks, 50),
            recently_played=recent,
            player=PlayerState(devices=devices),
        )

    # ---- playlist access --------------------------------------------------------------------------------------

    def can_edit(self, pl: PlaylistRec, uid: str | None) -> bool:
        return uid is not None and (pl.owner_id == uid or (pl.collaborative and uid in pl.collaborators))
