"""Helpers for unit tests that mock HTTP with aioresponses."""

from __future__ import annotations

import re
from typing import Any

API = "https://api.spotify.com/v1"
TOKEN_URL = "https://accounts.spotify.com/api/token"
TRACK_ID = "11dFghVXANMlKmJXsNCbNl"
ALBUM_ID = "4aawyAB9vmqN3uQ7FjRGTy"


def token_payload(token: str = "access-1", expires_in: int = 3600) -> dict[str, Any]:
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def track_json(track_id: str = TRACK_ID, name: str = "Cut To The Feeling") -> dict[str, Any]:
    return {
        "album": {
            "album_type": "single",
            "artists": [],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{ALBUM_ID}"},
            "href": f"{API}/albums/{ALBUM_ID}",
            "id": ALBUM_ID,
            "images": [],
            "name": "Cut To The Feeling",
            "release_date": "2017-05-26",
            "release_date_precision": "day",
            "total_tracks": 1,
            "type": "album",
            "uri": f"spotify:album:{ALBUM_ID}",
        },
        "artists": [],
        "disc_number": 1,
        "duration_ms": 207959,
        "explicit": False,
        "external_ids": {"isrc": "USUM71703861"},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "href": f"{API}/tracks/{track_id}",
        "id": track_id,
        "is_local": False,
        "name": name,
        "track_number": 1,
        "type": "track",
        "uri": f"spotify:track:{track_id}",
    }


def track_url(track_id: str = TRACK_ID) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(API)}/tracks/{track_id}(\?.*)?$")


def count(mocked: Any, method: str, url_prefix: str) -> int:
    """How many requests aioresponses saw for ``method`` on URLs starting with ``url_prefix``."""
    return sum(
        len(calls) for (m, url), calls in mocked.requests.items() if m == method and str(url).startswith(url_prefix)
    )
