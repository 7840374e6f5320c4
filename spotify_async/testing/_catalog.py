"""The generated world behind FakeSpotify: artists, albums, tracks, shows, episodes, audiobooks, chapters,
categories, users and playlists as plain records, made deterministically from a seed.

Records hold facts only (names, relations, numbers); :mod:`._render` turns them into Spotify-shaped JSON for a
given base URL and app mode. Generation is a single pass with one ``random.Random`` so the same seed always gives
the same ids, and it takes well under a second for the default sizes.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import random
from dataclasses import dataclass, field
from typing import ClassVar

from ._util import _words, new_id

__all__ = [
    "AlbumRec",
    "ArtistRec",
    "AudiobookRec",
    "Catalog",
    "CategoryRec",
    "ChapterRec",
    "EpisodeRec",
    "PlaylistEntry",
    "PlaylistRec",
    "ShowRec",
    "TrackRec",
    "UserRec",
]

_ADJ = _words(
    "Silver Golden Broken Quiet Electric Velvet Hollow Neon Crimson Distant Wild Paper Glass Midnight Northern "
    "Lonely Burning Frozen Gentle Restless Secret Hidden Lucky Blue Scarlet Savage Sleeping Endless Fading "
    "Shining Wandering Little Violet Amber Copper Digital Cosmic Tender Lost Bright"
)
_NOUN = _words(
    "River Owl Harbor Signal Garden Mirror Engine Comet Lantern Echo Forest Ocean Tiger Machine Desert Window "
    "Thunder Canyon Satellite Orchid Falcon Island Meadow Shadow Horizon Circus Parade Compass Anthem Fever "
    "Ghost Heart Summer Winter Wolf Raven Storm City Train Moon"
)
_VERB = _words(
    "Dancing Running Falling Waiting Chasing Dreaming Drifting Burning Calling Breaking Holding Leaving "
    "Singing Flying Counting Talking Walking Turning"
)
_FIRST = _words(
    "Ada Bruno Clara Dario Elena Felix Greta Hugo Iris Jonas Kira Luca Maya Nico Olga Pablo Quinn Rosa Sven "
    "Tara Umar Vera Wes Xena Yuri Zoe Amara Bram Celia Dmitri"
)
_LAST = _words(
    "Adler Brooks Castell Dumont Engel Fischer Garza Holm Ibarra Jansen Kovac Lindqvist Moreau Novak Okafor "
    "Petrov Quint Rossi Sato Torres Ueda Varga Weller Young Zeller"
)
GENRES = _words(
    "acoustic afrobeat alt-rock ambient blues bossanova chill classical country dance disco drum-and-bass "
    "dub edm electronic folk funk garage gospel grunge hip-hop house indie indie-pop jazz k-pop latin metal "
    "new-age opera pop punk r-n-b reggae rock soul synth-pop techno trance trip-hop world-music"
)
_PUBLISHERS = ("Harbor Audio", "Northern Voices", "Compass Media", "Lantern Podcasts", "Echo Studios")
_LANGS = ("en", "en", "en", "de", "es", "fr", "sv")
_CATEGORY_NAMES = _words(
    "Pop Hip-Hop Rock Indie Jazz Classical Chill Workout Focus Sleep Party Dinner Latin Electronic Country "
    "Soul Metal Folk Decades Wellness"
)
_DEVICE_TYPES = ("Computer", "Smartphone", "Speaker", "TV")


@dataclass(slots=True)
class ArtistRec:
    id: str
    name: str
    genres: list[str]
    popularity: int
    followers: int
    image: str
    album_ids: list[str] = field(default_factory=list)
    appears_on: list[str] = field(default_factory=list)
    track_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AlbumRec:
    id: str
    name: str
    album_type: str
    artist_ids: list[str]
    release_date: str
    precision: str
    label: str
    popularity: int
    upc: str
    image: str
    track_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TrackRec:
    id: str
    name: str
    album_id: str
    artist_ids: list[str]
    disc_number: int
    track_number: int
    duration_ms: int
    explicit: bool
    isrc: str
    popularity: int


@dataclass(slots=True)
class ShowRec:
    id: str
    name: str
    publisher: str
    description: str
    explicit: bool
    language: str
    image: str
    episode_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EpisodeRec:
    id: str
    name: str
    show_id: str
    description: str
    duration_ms: int
    explicit: bool
    release_date: str
    language: str
    image: str


@dataclass(slots=True)
class AudiobookRec:
    id: str
    name: str
    authors: list[str]
    narrators: list[str]
    publisher: str
    description: str
    edition: str
    explicit: bool
    language: str
    image: str
    chapter_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ChapterRec:
    id: str
    name: str
    audiobook_id: str
    chapter_number: int
    description: str
    duration_ms: int
    release_date: str
    language: str
    image: str


@dataclass(slots=True)
class UserRec:
    id: str
    display_name: str
    followers: int
    country: str
    product: str
    image: str


@dataclass(slots=True)
class PlaylistEntry:
    kind: str  # "track" or "episode"
    item_id: str
    added_at: str
    added_by: str


@dataclass(slots=True)
class PlaylistRec:
    id: str
    name: str
    description: str
    owner_id: str
    public: bool
    collaborative: bool
    followers: int
    image: str | None
    entries: list[PlaylistEntry]
    version: int = 1
    snapshot_seed: bytes = b""
    collaborators: set[str] = field(default_factory=set)
    #: Spotify-owned editorial playlists answer 404 to development-mode apps
    editorial: bool = False
    #: uploaded cover (base64 JPEG) if any
    custom_cover: str | None = None

    @property
    def snapshot_id(self) -> str:
        raw = self.version.to_bytes(4, "big") + self.snapshot_seed
        return base64.b64encode(raw).decode()

    def bump(self) -> str:
        self.version += 1
        return self.snapshot_id


@dataclass(slots=True)
class CategoryRec:
    id: str
    name: str
    image: str
    playlist_ids: list[str] = field(default_factory=list)


def _img(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _date(rng: random.Random, lo: int = 1965, hi: int = 2025) -> str:
    return f"{rng.randint(lo, hi)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _timestamp(rng: random.Random) -> str:
    return (
        f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )


class Catalog:
    """Everything FakeSpotify serves. The public attributes are plain lists of ids (what tests need to call the
    API); the ``*_by_id`` dicts hold the records."""

    def __init__(
        self,
        seed: int = 0,
        *,
        big_playlist_size: int = 10_000,
        n_artists: int = 200,
        n_users: int = 25,
        n_shows: int = 30,
        n_audiobooks: int = 20,
    ) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.artist_by_id: dict[str, ArtistRec] = {}
        self.album_by_id: dict[str, AlbumRec] = {}
        self.track_by_id: dict[str, TrackRec] = {}
        self.show_by_id: dict[str, ShowRec] = {}
        self.episode_by_id: dict[str, EpisodeRec] = {}
        self.audiobook_by_id: dict[str, AudiobookRec] = {}
        self.chapter_by_id: dict[str, ChapterRec] = {}
        self.user_by_id: dict[str, UserRec] = {}
        self.playlist_by_id: dict[str, PlaylistRec] = {}
        self.category_by_id: dict[str, CategoryRec] = {}
        self._rng = rng

        self._make_artists(rng, n_artists)
        self._make_albums(rng)
        self._make_shows(rng, n_shows)
        self._make_audiobooks(rng, n_audiobooks)
        self._make_users(rng, n_users)
        self._make_playlists(rng, big_playlist_size)
        self._make_categories(rng)

        self.artists: list[str] = list(self.artist_by_id)
        self.albums: list[str] = list(self.album_by_id)
        self.tracks: list[str] = list(self.track_by_id)
        self.shows: list[str] = list(self.show_by_id)
        self.episodes: list[str] = list(self.episode_by_id)
        self.audiobooks: list[str] = list(self.audiobook_by_id)
        self.chapters: list[str] = list(self.chapter_by_id)
        self.users: list[str] = list(self.user_by_id)
        self.playlists: list[str] = list(self.playlist_by_id)
        self.categories: list[str] = list(self.category_by_id)
        self.genres: list[str] = list(GENRES)
        self.search_terms: list[str] = self._pick_search_terms(rng)

    _cache: ClassVar[dict[tuple[int, int, int], Catalog]] = {}

    @classmethod
    def shared(cls, seed: int = 0, *, big_playlist_size: int = 10_000, n_artists: int = 200) -> Catalog:
        """A private copy of the catalog for ``seed``: generated once per process, then cloned (cheap), so a
        test suite that starts hundreds of fakes pays for generation once. ``n_artists`` scales the catalog (200
        artists make about 7,200 tracks)."""
        key = (seed, big_playlist_size, n_artists)
        base = cls._cache.get(key)
        if base is None:
            base = cls._cache[key] = cls(seed, big_playlist_size=big_playlist_size, n_artists=n_artists)
        return base.clone()

    def clone(self) -> Catalog:
        """Share the immutable records; copy what fakes mutate (playlists, the id lists, the random state)."""
        other = copy.copy(self)
        other._rng = random.Random()
        other._rng.setstate(self._rng.getstate())
        other.playlist_by_id = {
            pid: dataclasses.replace(pl, entries=list(pl.entries), collaborators=set(pl.collaborators))
            for pid, pl in self.playlist_by_id.items()
        }
        for name in (
            "artists",
            "albums",
            "tracks",
            "shows",
            "episodes",
            "audiobooks",
            "chapters",
            "users",
            "playlists",
            "categories",
            "genres",
            "search_terms",
            "editorial_playlists",
        ):
            setattr(other, name, list(getattr(self, name)))
        return other

    # ---- generation -------------------------------------------------------------------------------------------

    def _new_id(self) -> str:
        return new_id(self._rng)

    def _artist_name(self, rng: random.Random) -> str:
        style = rng.random()
        if style < 0.3:
            return f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}s"
        if style < 0.6:
            return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if style < 0.85:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        return f"{rng.choice(_NOUN)} {rng.choice(_NOUN)}"

    def _title(self, rng: random.Random) -> str:
        style = rng.random()
        if style < 0.3:
            return f"{rng.choice(_VERB)} {rng.choice(_NOUN)}"
        if style < 0.6:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if style < 0.8:
            return f"{rng.choice(_NOUN)} of {rng.choice(_NOUN)}"
        return rng.choice(_NOUN)

    def _make_artists(self, rng: random.Random, n: int) -> None:
        seen: set[str] = set()
        while len(self.artist_by_id) < n:
            name = self._artist_name(rng)
            if name in seen:
                continue
            seen.add(name)
            aid = self._new_id()
            self.artist_by_id[aid] = ArtistRec(
                id=aid,
                name=name,
                genres=rng.sample(GENRES, rng.randint(0, 3)),
                popularity=rng.randint(5, 95),
                followers=int(rng.paretovariate(1.2) * 1000),
                image=_img(rng),
            )

    def _make_albums(self, rng: random.Random) -> None:
        artist_ids = list(self.artist_by_id)
        for artist in self.artist_by_id.values():
            for _ in range(rng.randint(1, 8)):
                roll = rng.random()
                album_type = "album" if roll < 0.4 else "single" if roll < 0.85 else "compilation"
                n_tracks = (
                    rng.randint(8, 16)
                    if album_type == "album"
                    else rng.randint(1, 3)
                    if album_type == "single"
                    else rng.randint(10, 20)
                )
                year_only = rng.random() < 0.08
                date = _date(rng)
                album = AlbumRec(
                    id=self._new_id(),
                    name=self._title(rng) if album_type != "compilation" else f"{self._title(rng)}: The Best Of",
                    album_type=album_type,
                    artist_ids=[artist.id],
                    release_date=date[:4] if year_only else date,
                    precision="year" if year_only else "day",
                    label=f"{rng.choice(_NOUN)} Records",
                    popularity=max(0, min(100, artist.popularity + rng.randint(-20, 10))),
                    upc="".join(str(rng.randint(0, 9)) for _ in range(12)),
                    image=_img(rng),
                )
                self.album_by_id[album.id] = album
                artist.album_ids.append(album.id)
                discs = 2 if n_tracks >= 14 and rng.random() < 0.2 else 1
                per_disc = (n_tracks + discs - 1) // discs
                for i in range(n_tracks):
                    feat: list[str] = []
                    if rng.random() < 0.15:
                        other = rng.choice(artist_ids)
                        if other != artist.id:
                            feat.append(other)
                    name = album.name if album_type == "single" and i == 0 else self._title(rng)
                    if feat:
                        name += f" (feat. {self.artist_by_id[feat[0]].name})"
                    track = TrackRec(
                        id=self._new_id(),
                        name=name,
                        album_id=album.id,
                        artist_ids=[artist.id, *feat],
                        disc_number=i // per_disc + 1,
                        track_number=i % per_disc + 1,
                        duration_ms=rng.randint(95_000, 420_000),
                        explicit=rng.random() < 0.2,
                        isrc=f"{rng.choice(('GB', 'US', 'SE', 'DE', 'FR'))}"
                        f"{new_id(rng)[:3].upper()}{rng.randint(0, 99):02d}{rng.randint(0, 99999):05d}",
                        popularity=max(0, min(100, album.popularity + rng.randint(-15, 15))),
                    )
                    self.track_by_id[track.id] = track
                    album.track_ids.append(track.id)
                    artist.track_ids.append(track.id)
                    for other in feat:
                        other_rec = self.artist_by_id[other]
                        other_rec.track_ids.append(track.id)
                        if not other_rec.appears_on or other_rec.appears_on[-1] != album.id:
                            other_rec.appears_on.append(album.id)

    def _make_shows(self, rng: random.Random, n: int) -> None:
        for _ in range(n):
            show = ShowRec(
                id=self._new_id(),
                name=f"The {self._title(rng)} Podcast",
                publisher=rng.choice(_PUBLISHERS),
                description=f"Weekly conversations about {rng.choice(_NOUN).lower()}s and "
                f"{rng.choice(_NOUN).lower()}s.",
                explicit=rng.random() < 0.2,
                language=rng.choice(_LANGS),
                image=_img(rng),
            )
            self.show_by_id[show.id] = show
            for i in range(rng.randint(5, 60)):
                ep = EpisodeRec(
                    id=self._new_id(),
                    name=f"#{i + 1}: {self._title(rng)}",
                    show_id=show.id,
                    description=f"In this episode: {self._title(rng).lower()}.",
                    duration_ms=rng.randint(600_000, 7_200_000),
                    explicit=show.explicit and rng.random() < 0.5,
                    release_date=_date(rng, 2016, 2025),
                    language=show.language,
                    image=_img(rng),
                )
                self.episode_by_id[ep.id] = ep
                show.episode_ids.append(ep.id)

    def _make_audiobooks(self, rng: random.Random, n: int) -> None:
        for _ in range(n):
            book = AudiobookRec(
                id=self._new_id(),
                name=f"The {self._title(rng)}",
                authors=[f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"],
                narrators=[f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"],
                publisher=rng.choice(_PUBLISHERS),
                description=f"A novel about a {rng.choice(_ADJ).lower()} {rng.choice(_NOUN).lower()}.",
                edition=rng.choice(("Unabridged", "Abridged")),
                explicit=rng.random() < 0.1,
                language=rng.choice(_LANGS),
                image=_img(rng),
            )
            self.audiobook_by_id[book.id] = book
            for i in range(rng.randint(5, 40)):
                ch = ChapterRec(
                    id=self._new_id(),
                    name=f"Chapter {i + 1}",
                    audiobook_id=book.id,
                    chapter_number=i,
                    description=f"Chapter {i + 1} of {book.name}.",
                    duration_ms=rng.randint(300_000, 3_600_000),
                    release_date=_date(rng, 2018, 2025),
                    language=book.language,
                    image=book.image,
                )
                self.chapter_by_id[ch.id] = ch
                book.chapter_ids.append(ch.id)

    def _make_users(self, rng: random.Random, n: int) -> None:
        for _ in range(n):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            # Spotify user ids are either long digit strings or old-style login names
            uid = str(rng.randint(10**9, 10**10)) if rng.random() < 0.6 else f"{first}.{last}".lower()
            if uid in self.user_by_id:
                uid = f"{uid}{rng.randint(1, 99)}"
            self.user_by_id[uid] = UserRec(
                id=uid,
                display_name=f"{first} {last}",
                followers=rng.randint(0, 500),
                country=rng.choice(("SE", "US", "GB", "DE", "NL", "FR", "BR", "JP")),
                product=rng.choice(("premium", "premium", "free")),
                image=_img(rng),
            )

    def _entries(self, rng: random.Random, n: int, added_by: str, episodes: bool = False) -> list[PlaylistEntry]:
        tracks = self._track_pool
        eps = self._episode_pool
        out = []
        for _ in range(n):
            if episodes and rng.random() < 0.1:
                out.append(PlaylistEntry("episode", rng.choice(eps), _timestamp(rng), added_by))
            else:
                out.append(PlaylistEntry("track", rng.choice(tracks), _timestamp(rng), added_by))
        return out

    def new_playlist(
        self,
        owner_id: str,
        name: str,
        *,
        description: str = "",
        public: bool = True,
        collaborative: bool = False,
        entries: list[PlaylistEntry] | None = None,
        followers: int = 0,
        image: str | None = None,
    ) -> PlaylistRec:
        rng = self._rng
        pl = PlaylistRec(
            id=self._new_id(),
            name=name,
            description=description,
            owner_id=owner_id,
            public=public,
            collaborative=collaborative,
            followers=followers,
            image=image,
            entries=entries if entries is not None else [],
            snapshot_seed=rng.getrandbits(160).to_bytes(20, "big"),
        )
        self.playlist_by_id[pl.id] = pl
        return pl

    def _make_playlists(self, rng: random.Random, big_size: int) -> None:
        self._track_pool = list(self.track_by_id)
        self._episode_pool = list(self.episode_by_id)
        users = list(self.user_by_id)
        owner = users[0]
        big = self.new_playlist(
            owner,
            "Everything, Ever",
            description="The long one: every track we could find.",
            entries=self._entries(rng, big_size, owner),
            followers=rng.randint(10, 1000),
            image=_img(rng),
        )
        self.big_playlist_id = big.id
        for uid in users:
            for _ in range(rng.randint(1, 6)):
                size = min(int(rng.lognormvariate(3.5, 1.0)), 500)
                collab = rng.random() < 0.1
                public = not collab and rng.random() < 0.8
                pl = self.new_playlist(
                    uid,
                    self._title(rng),
                    description=rng.choice(("", "", f"Songs for {rng.choice(_NOUN).lower()} days")),
                    public=public,
                    collaborative=collab,
                    entries=self._entries(rng, size, uid, episodes=True),
                    followers=rng.randint(0, 300),
                    image=_img(rng) if size else None,
                )
                if collab:
                    pl.collaborators.update(rng.sample(users, 2))
        # Spotify-owned editorial playlists (their items are closed to development-mode apps)
        self.user_by_id["spotify"] = UserRec("spotify", "Spotify", 0, "SE", "premium", _img(rng))
        self.editorial_playlists: list[str] = []
        for _ in range(8):
            pl = self.new_playlist(
                "spotify",
                f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} Mix",
                description="Fresh picks, updated weekly.",
                entries=self._entries(rng, rng.randint(30, 100), "spotify"),
                followers=rng.randint(10_000, 5_000_000),
                image=_img(rng),
            )
            pl.editorial = True
            self.editorial_playlists.append(pl.id)

    def _make_categories(self, rng: random.Random) -> None:
        for name in _CATEGORY_NAMES:
            # real category ids are slugs ("toplists") or 22-char ids ("0JQ5DAqbMKFQ00XGBls6ym")
            cid = name.lower().replace("-", "") if rng.random() < 0.5 else "0JQ5DA" + self._new_id()[:16]
            cat = CategoryRec(cid, name, _img(rng), playlist_ids=rng.sample(self.editorial_playlists, 3))
            self.category_by_id[cid] = cat

    def _pick_search_terms(self, rng: random.Random) -> list[str]:
        terms = [self.artist_by_id[a].name for a in rng.sample(self.artists, 4)]
        terms += [self.album_by_id[a].name for a in rng.sample(self.albums, 3)]
        terms += [self.track_by_id[t].name for t in rng.sample(self.tracks, 3)]
        return terms

    def device_types(self) -> tuple[str, ...]:
        return _DEVICE_TYPES
