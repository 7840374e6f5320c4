"""Turns catalog records into Spotify-shaped JSON dicts for one base URL and one app mode.

Shapes follow the live recordings in ``shared/fixtures/real`` (key order included, where cheap). Objects that never
change (artists, albums, tracks, shows, episodes, audiobooks, chapters) are built once and memoised: handlers put
the same dict into many responses, so nothing here may be mutated after it is returned. Playlists and users' state
change, so their JSON is built per request.

``mode="development"`` drops the fields Spotify removed for development-mode apps in February 2026 (album
``album_group``, ``available_markets``, ``label``, ``popularity``; artist ``followers``, ``popularity``; show and
audiobook ``available_markets``, ``publisher``; chapter ``available_markets``; track ``available_markets``,
``linked_from``, ``popularity``; ``/me`` ``country``, ``email``, ``explicit_content``, ``followers``, ``product``).
"""

from __future__ import annotations

from typing import Any

import orjson

from ._catalog import (
    AlbumRec,
    ArtistRec,
    AudiobookRec,
    Catalog,
    ChapterRec,
    EpisodeRec,
    PlaylistEntry,
    PlaylistRec,
    ShowRec,
    TrackRec,
    UserRec,
)
from ._options import FakeMode, PlaylistShape
from ._util import _words, page

JSON = dict[str, Any]

MARKETS = _words(
    "AR AU AT BE BO BR BG CA CL CO CR CY CZ DK DO DE EC EE SV FI FR GR GT HN HK HU IS IE IT LV LT LU MY MT MX NL "
    "NZ NI NO PA PY PE PH PL PT SG SK ES SE CH TW TR UY US GB AD LI MC ID JP TH VN RO IL ZA SA AE BH QA OM KW EG "
    "MA DZ TN LB JO PS IN BY KZ MD UA AL BA HR ME MK RS SI KR BD PK LK GH KE NG TZ UG AG AM BS BB BZ BT BW BF CV "
    "CW DM FJ GM GE GD GW GY HT JM KI LS LR MW MV ML MH FM NA NR NE PW PG PR WS SM ST SN SC SL SB KN LC VC SR TL "
    "TO TT TV VU AZ BN BI KH CM TD KM GQ SZ GA GN KG LA MO MR MN NP RW TG UZ ZW BJ MG MU MZ AO CI DJ ZM CD CG IQ "
    "LY TJ VE ET XK"
)

_IMG = "https://i.scdn.co/image/"
# Spotify's image URLs carry a size-specific prefix before the content hash
_ALBUM_SIZES = (("ab67616d0000b273", 640), ("ab67616d00001e02", 300), ("ab67616d00004851", 64))
_ARTIST_SIZES = (("ab6761610000e5eb", 640), ("ab67616100005174", 320), ("ab6761610000f178", 160))
_SHOW_SIZES = (("ab6765630000ba8a", 640), ("ab67656300005f1f", 300), ("ab6765630000f68d", 64))
_BOOK_SIZES = (("ab676663000022a8", 640), ("ab67666300005f1f", 300), ("ab6766630000703b", 64))
_USER_SIZES = (("ab6775700000ee85", 300), ("ab67757000003b82", 64))


def _images(key: str, sizes: tuple[tuple[str, int], ...]) -> list[JSON]:
    return [{"url": f"{_IMG}{prefix}{key}", "height": px, "width": px} for prefix, px in sizes]


def _ext(kind: str, ident: str) -> JSON:
    return {"spotify": f"https://open.spotify.com/{kind}/{ident}"}


class Renderer:
    """JSON builders for one running fake (its ``api_base`` is baked into every ``href``)."""

    def __init__(self, catalog: Catalog, api_base: str, mode: FakeMode, playlist_shape: PlaylistShape) -> None:
        self.c = catalog
        self.base = api_base
        self.extended = mode == "extended"
        #: "both" (2026 transitional: tracks+items, track+item), "new" (items/item) or "old" (tracks/track)
        self.playlist_shape: PlaylistShape = playlist_shape
        self._memo: dict[tuple[str, str], JSON] = {}
        self._bytes: dict[tuple[str, str], bytes] = {}
        self.markets: list[str] = list(MARKETS)

    # ---- artists ----------------------------------------------------------------------------------------------

    def artist_simple(self, aid: str) -> JSON:
        key = ("as", aid)
        hit = self._memo.get(key)
        if hit is None:
            a = self.c.artist_by_id[aid]
            hit = self._memo[key] = {
                "external_urls": _ext("artist", aid),
                "href": f"{self.base}/artists/{aid}",
                "id": aid,
                "name": a.name,
                "type": "artist",
                "uri": f"spotify:artist:{aid}",
            }
        return hit

    def artist(self, aid: str) -> JSON:
        key = ("af", aid)
        hit = self._memo.get(key)
        if hit is None:
            a: ArtistRec = self.c.artist_by_id[aid]
            hit = {"external_urls": _ext("artist", aid)}
            if self.extended:
                hit["followers"] = {"href": None, "total": a.followers}
            # Spotify emptied artist genres in 2026 for development-mode apps
            hit["genres"] = list(a.genres) if self.extended else []
            hit["href"] = f"{self.base}/artists/{aid}"
            hit["id"] = aid
            hit["images"] = _images(a.image, _ARTIST_SIZES)
            hit["name"] = a.name
            if self.extended:
                hit["popularity"] = a.popularity
            hit["type"] = "artist"
            hit["uri"] = f"spotify:artist:{aid}"
            self._memo[key] = hit
        return hit

    # ---- albums -----------------------------------------------------------------------------------------------

    def album_simple(self, alid: str, group: str | None = None) -> JSON:
        key = ("als", alid) if group is None else ("alg:" + group, alid)
        hit = self._memo.get(key)
        if hit is None:
            al: AlbumRec = self.c.album_by_id[alid]
            hit = {"album_type": al.album_type, "total_tracks": len(al.track_ids)}
            if self.extended:
                hit["available_markets"] = self.markets
            hit["external_urls"] = _ext("album", alid)
            hit["href"] = f"{self.base}/albums/{alid}"
            hit["id"] = alid
            hit["images"] = _images(al.image, _ALBUM_SIZES)
            hit["name"] = al.name
            hit["release_date"] = al.release_date
            hit["release_date_precision"] = al.precision
            hit["type"] = "album"
            hit["uri"] = f"spotify:album:{alid}"
            hit["artists"] = [self.artist_simple(a) for a in al.artist_ids]
            if group is not None and self.extended:
                hit["album_group"] = group
            self._memo[key] = hit
        return hit

    def album(self, alid: str) -> JSON:
        key = ("alf", alid)
        hit = self._memo.get(key)
        if hit is None:
            al = self.c.album_by_id[alid]
            hit = dict(self.album_simple(alid))
            ids = al.track_ids
            hit["tracks"] = page(
                f"{self.base}/albums/{alid}/tracks", [self.track_simple(t) for t in ids[:50]], len(ids), 0, 50
            )
            hit["copyrights"] = [
                {"text": f"{al.release_date[:4]} {al.label}", "type": "C"},
                {"text": f"{al.release_date[:4]} {al.label}", "type": "P"},
            ]
            hit["external_ids"] = {"upc": al.upc}
            hit["genres"] = []
            if self.extended:
                hit["label"] = al.label
                hit["popularity"] = al.popularity
            self._memo[key] = hit
        return hit

    # ---- tracks -----------------------------------------------------------------------------------------------

    def track_simple(self, tid: str) -> JSON:
        key = ("ts", tid)
        hit = self._memo.get(key)
        if hit is None:
            t: TrackRec = self.c.track_by_id[tid]
            hit = {"artists": [self.artist_simple(a) for a in t.artist_ids]}
            if self.extended:
                hit["available_markets"] = self.markets
            hit["disc_number"] = t.disc_number
            hit["duration_ms"] = t.duration_ms
            hit["explicit"] = t.explicit
            hit["external_urls"] = _ext("track", tid)
            hit["href"] = f"{self.base}/tracks/{tid}"
            hit["id"] = tid
            hit["name"] = t.name
            hit["preview_url"] = None
            hit["track_number"] = t.track_number
            hit["type"] = "track"
            hit["uri"] = f"spotify:track:{tid}"
            hit["is_local"] = False
            self._memo[key] = hit
        return hit

    def track(self, tid: str) -> JSON:
        key = ("tf", tid)
        hit = self._memo.get(key)
        if hit is None:
            t = self.c.track_by_id[tid]
            hit = {"album": self.album_simple(t.album_id), "artists": [self.artist_simple(a) for a in t.artist_ids]}
            if self.extended:
                hit["available_markets"] = self.markets
            hit["disc_number"] = t.disc_number
            hit["duration_ms"] = t.duration_ms
            hit["explicit"] = t.explicit
            hit["external_ids"] = {"isrc": t.isrc}
            hit["external_urls"] = _ext("track", tid)
            hit["href"] = f"{self.base}/tracks/{tid}"
            hit["id"] = tid
            hit["is_local"] = False
            hit["name"] = t.name
            if self.extended:
                hit["popularity"] = t.popularity
            hit["preview_url"] = None
            hit["track_number"] = t.track_number
            hit["type"] = "track"
            hit["uri"] = f"spotify:track:{tid}"
            self._memo[key] = hit
        return hit

    def track_in_playlist(self, tid: str) -> JSON:
        """A full track as playlists carry it: with the ``episode``/``track`` booleans Spotify adds there."""
        key = ("tp", tid)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = {**self.track(tid), "episode": False, "track": True}
        return hit

    # ---- shows and episodes -----------------------------------------------------------------------------------

    def show_simple(self, sid: str) -> JSON:
        key = ("ss", sid)
        hit = self._memo.get(key)
        if hit is None:
            s: ShowRec = self.c.show_by_id[sid]
            hit = {}
            if self.extended:
                hit["available_markets"] = self.markets
            hit["copyrights"] = []
            hit["description"] = s.description
            hit["html_description"] = f"<p>{s.description}</p>"
            hit["explicit"] = s.explicit
            hit["external_urls"] = _ext("show", sid)
            hit["href"] = f"{self.base}/shows/{sid}"
            hit["id"] = sid
            hit["images"] = _images(s.image, _SHOW_SIZES)
            hit["is_externally_hosted"] = False
            hit["languages"] = [s.language]
            hit["media_type"] = "audio"
            hit["name"] = s.name
            if self.extended:
                hit["publisher"] = s.publisher
            hit["total_episodes"] = len(s.episode_ids)
            hit["type"] = "show"
            hit["uri"] = f"spotify:show:{sid}"
            self._memo[key] = hit
        return hit

    def show(self, sid: str) -> JSON:
        s = self.c.show_by_id[sid]
        hit = dict(self.show_simple(sid))
        ids = s.episode_ids
        hit["episodes"] = page(
            f"{self.base}/shows/{sid}/episodes", [self.episode_simple(e) for e in ids[:50]], len(ids), 0, 50
        )
        return hit

    def episode_simple(self, eid: str) -> JSON:
        key = ("es", eid)
        hit = self._memo.get(key)
        if hit is None:
            e: EpisodeRec = self.c.episode_by_id[eid]
            hit = {
                "audio_preview_url": None,
                "description": e.description,
                "html_description": f"<p>{e.description}</p>",
                "duration_ms": e.duration_ms,
                "explicit": e.explicit,
                "external_urls": _ext("episode", eid),
                "href": f"{self.base}/episodes/{eid}",
                "id": eid,
                "images": _images(e.image, _SHOW_SIZES),
                "is_externally_hosted": False,
                "is_playable": True,
                "language": e.language,
                "languages": [e.language],
                "name": e.name,
                "release_date": e.release_date,
                "release_date_precision": "day",
                "resume_point": {"fully_played": False, "resume_position_ms": 0},
                "type": "episode",
                "uri": f"spotify:episode:{eid}",
            }
            self._memo[key] = hit
        return hit

    def episode(self, eid: str) -> JSON:
        key = ("ef", eid)
        hit = self._memo.get(key)
        if hit is None:
            e = self.c.episode_by_id[eid]
            hit = self._memo[key] = {**self.episode_simple(eid), "show": self.show_simple(e.show_id)}
        return hit

    # ---- audiobooks and chapters ------------------------------------------------------------------------------

    def audiobook_simple(self, bid: str) -> JSON:
        key = ("bs", bid)
        hit = self._memo.get(key)
        if hit is None:
            b: AudiobookRec = self.c.audiobook_by_id[bid]
            hit = {"authors": [{"name": n} for n in b.authors]}
            if self.extended:
                hit["available_markets"] = self.markets
            hit["copyrights"] = [{"text": f"{b.publisher} 2020", "type": "C"}]
            hit["description"] = b.description
            hit["edition"] = b.edition
            hit["explicit"] = b.explicit
            # live data gives audiobooks open.spotify.com/show URLs and spotify:show: URIs
            hit["external_urls"] = _ext("show", bid)
            hit["href"] = f"{self.base}/audiobooks/{bid}"
            hit["html_description"] = b.description
            hit["id"] = bid
            hit["images"] = _images(b.image, _BOOK_SIZES)
            hit["languages"] = [b.language]
            hit["media_type"] = "audio"
            hit["name"] = b.name
            hit["narrators"] = [{"name": n} for n in b.narrators]
            if self.extended:
                hit["publisher"] = b.publisher
            hit["total_chapters"] = len(b.chapter_ids)
            hit["type"] = "audiobook"
            hit["uri"] = f"spotify:show:{bid}"
            self._memo[key] = hit
        return hit

    def audiobook(self, bid: str) -> JSON:
        b = self.c.audiobook_by_id[bid]
        hit = dict(self.audiobook_simple(bid))
        ids = b.chapter_ids
        hit["chapters"] = page(
            f"{self.base}/audiobooks/{bid}/chapters", [self.chapter_simple(c) for c in ids[:50]], len(ids), 0, 50
        )
        return hit

    def chapter_simple(self, cid: str) -> JSON:
        key = ("cs", cid)
        hit = self._memo.get(key)
        if hit is None:
            ch: ChapterRec = self.c.chapter_by_id[cid]
            hit = {
                "id": cid,
                "description": ch.description,
                "chapter_number": ch.chapter_number,
                "duration_ms": ch.duration_ms,
                "explicit": False,
                "images": _images(ch.image, _BOOK_SIZES),
                "languages": [ch.language],
                "name": ch.name,
                "audio_preview_url": None,
                "release_date": ch.release_date,
                "release_date_precision": "day",
                "resume_point": {"fully_played": False, "resume_position_ms": 0},
                "is_playable": True,
                "html_description": ch.description,
            }
            if self.extended:
                hit["available_markets"] = self.markets
            # live data: chapters carry episode URIs and URLs
            hit["type"] = "chapter"
            hit["uri"] = f"spotify:episode:{cid}"
            hit["external_urls"] = _ext("episode", cid)
            hit["href"] = f"{self.base}/chapters/{cid}"
            self._memo[key] = hit
        return hit

    def chapter(self, cid: str) -> JSON:
        key = ("cf", cid)
        hit = self._memo.get(key)
        if hit is None:
            ch = self.c.chapter_by_id[cid]
            hit = self._memo[key] = {**self.chapter_simple(cid), "audiobook": self.audiobook_simple(ch.audiobook_id)}
        return hit

    # ---- users ------------------------------------------------------------------------------------------------

    def user_ref(self, uid: str, display_name: bool = True) -> JSON:
        """A user as an owner (with display_name) or as ``added_by`` (without)."""
        key = ("ur" if display_name else "ua", uid)
        hit = self._memo.get(key)
        if hit is None:
            hit = {}
            if display_name:
                u = self.c.user_by_id.get(uid)
                hit["display_name"] = u.display_name if u else uid
            hit["external_urls"] = _ext("user", uid)
            hit["href"] = f"{self.base}/users/{uid}"
            hit["id"] = uid
            hit["type"] = "user"
            hit["uri"] = f"spotify:user:{uid}"
            self._memo[key] = hit
        return hit

    def user_profile(self, uid: str) -> JSON:
        u: UserRec = self.c.user_by_id[uid]
        return {
            "display_name": u.display_name,
            "external_urls": _ext("user", uid),
            "href": f"{self.base}/users/{uid}",
            "id": uid,
            "images": _images(u.image, _USER_SIZES),
            "type": "user",
            "uri": f"spotify:user:{uid}",
            "followers": {"href": None, "total": u.followers},
        }

    def me(self, uid: str, scopes: frozenset[str]) -> JSON:
        u = self.c.user_by_id[uid]
        out: JSON = {}
        if self.extended:
            out["country"] = u.country
        out["display_name"] = u.display_name
        if self.extended and "user-read-email" in scopes:
            out["email"] = f"{uid}@example.com"
        if self.extended:
            out["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
        out["external_urls"] = _ext("user", uid)
        if self.extended:
            out["followers"] = {"href": None, "total": u.followers}
        out["href"] = f"{self.base}/users/{uid}"
        out["id"] = uid
        out["images"] = _images(u.image, _USER_SIZES)
        if self.extended:
            out["product"] = u.product
        out["type"] = "user"
        out["uri"] = f"spotify:user:{uid}"
        # GET /me gained account_id in May 2026 (absent for development-mode apps in recordings)
        out["account_id"] = uid
        return out

    # ---- playlists --------------------------------------------------------------------------------------------

    def playlist_images(self, pl: PlaylistRec) -> list[JSON]:
        if pl.custom_cover is not None:
            return [
                {
                    "height": None,
                    "url": f"https://image-cdn-ak.spotifycdn.com/image/ab67706c0000da84{pl.custom_cover[:24]}",
                    "width": None,
                }
            ]
        if pl.image is None:
            return []
        return [{"height": 640, "url": f"https://mosaic.scdn.co/640/{pl.image}", "width": 640}]

    def entry_item(self, e: PlaylistEntry) -> JSON:
        if e.kind == "track":
            return self.track_in_playlist(e.item_id)
        return self.episode_in_playlist(e.item_id)

    def episode_in_playlist(self, eid: str) -> JSON:
        key = ("ep", eid)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = {**self.episode(eid), "episode": True, "track": False}
        return hit

    def entry(self, e: PlaylistEntry, shape: str) -> JSON:
        item = self.entry_item(e)
        out: JSON = {
            "added_at": e.added_at,
            "added_by": self.user_ref(e.added_by, False),
            "is_local": False,
            "primary_color": None,
        }
        if shape != "new":
            out["track"] = item
        if shape != "old":
            out["item"] = item
        out["video_thumbnail"] = {"url": None}
        return out

    def item_bytes(self, e: PlaylistEntry) -> bytes:
        """The serialised track or episode of an entry, memoised: the hot part of a playlist page."""
        key = (e.kind, e.item_id)
        hit = self._bytes.get(key)
        if hit is None:
            hit = self._bytes[key] = orjson.dumps(self.entry_item(e))
        return hit

    def entry_bytes(self, e: PlaylistEntry, shape: str) -> bytes:
        item = self.item_bytes(e)
        added_by = self._bytes.get(("added_by", e.added_by))
        if added_by is None:
            added_by = self._bytes[("added_by", e.added_by)] = orjson.dumps(self.user_ref(e.added_by, False))
        parts = [
            b'{"added_at":"',
            e.added_at.encode(),
            b'","added_by":',
            added_by,
            b',"is_local":false,"primary_color":null',
        ]
        if shape != "new":
            parts += [b',"track":', item]
        if shape != "old":
            parts += [b',"item":', item]
        parts.append(b',"video_thumbnail":{"url":null}}')
        return b"".join(parts)

    def playlist_items_page_bytes(
        self, pl: PlaylistRec, offset: int, limit: int, path: str, shape: str, extra: str = ""
    ) -> bytes:
        """Same JSON as :meth:`playlist_items_page`, assembled from memoised fragments (a 100-entry page is
        about 0.7 MB; serialising it whole on every request dominated the fake's cost)."""
        entries = pl.entries
        shell = page(f"{self.base}/playlists/{pl.id}/{path}", [], len(entries), offset, limit, extra)
        head = orjson.dumps(shell)
        marker = b'"items":[]'
        at = head.index(marker) + len(marker) - 1
        body = b",".join(self.entry_bytes(e, shape) for e in entries[offset : offset + limit])
        return head[:at] + body + head[at:]

    def playlist_items_page(
        self, pl: PlaylistRec, offset: int, limit: int, path: str, shape: str, extra: str = ""
    ) -> JSON:
        entries = pl.entries
        return page(
            f"{self.base}/playlists/{pl.id}/{path}",
            [self.entry(e, shape) for e in entries[offset : offset + limit]],
            len(entries),
            offset,
            limit,
            extra,
        )

    def playlist_simple(self, pl: PlaylistRec) -> JSON:
        out: JSON = {
            "collaborative": pl.collaborative,
            "description": pl.description,
            "external_urls": _ext("playlist", pl.id),
            "href": f"{self.base}/playlists/{pl.id}",
            "id": pl.id,
            "images": self.playlist_images(pl),
            "name": pl.name,
            "owner": self.user_ref(pl.owner_id),
            "primary_color": None,
            "public": pl.public,
            "snapshot_id": pl.snapshot_id,
        }
        n = len(pl.entries)
        if self.playlist_shape != "new":
            out["tracks"] = {"href": f"{self.base}/playlists/{pl.id}/tracks", "total": n}
        if self.playlist_shape != "old":
            out["items"] = {"href": f"{self.base}/playlists/{pl.id}/items", "total": n}
        out["type"] = "playlist"
        out["uri"] = f"spotify:playlist:{pl.id}"
        return out

    def playlist(self, pl: PlaylistRec, with_items: bool) -> JSON:
        """A full playlist; ``with_items`` False leaves the contents out (dev-mode apps, playlists not theirs)."""
        shape = self.playlist_shape
        out: JSON = {
            "collaborative": pl.collaborative,
            "description": pl.description,
            "external_urls": _ext("playlist", pl.id),
            "followers": {"href": None, "total": pl.followers},
            "href": f"{self.base}/playlists/{pl.id}",
            "id": pl.id,
            "images": self.playlist_images(pl),
            "name": pl.name,
            "owner": self.user_ref(pl.owner_id),
            "primary_color": None,
            "public": pl.public,
            "snapshot_id": pl.snapshot_id,
        }
        if with_items:
            # both pages share one list of entries: built once, serialised twice (as Spotify sends it)
            entries = [self.entry(e, shape) for e in pl.entries[:100]]
            n = len(pl.entries)
            if shape != "new":
                out["tracks"] = page(f"{self.base}/playlists/{pl.id}/tracks", entries, n, 0, 100)
            if shape != "old":
                out["items"] = page(f"{self.base}/playlists/{pl.id}/items", entries, n, 0, 100)
        out["type"] = "playlist"
        out["uri"] = f"spotify:playlist:{pl.id}"
        return out
