"""Tracks: ``sp.tracks``: one track, several tracks.

Audio features, audio analysis and recommendations live in ``sp.recommendations``; saved tracks in ``sp.library``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call
from ..http.response import Request
from ..models import Track
from ._base import EndpointGroup, check_market, get_several, query

__all__ = ["TracksEndpoints"]


class TracksEndpoints(EndpointGroup):
    """Catalog information about tracks."""

    __slots__ = ()

    def get(self, track_id: str, *, market: str | None = None) -> Call[Track]:
        """``GET /tracks/{id}``: one track (an id, URI or URL). No scope; both modes."""
        route = routes.GET_TRACK.compile(id=ids.to_id(track_id, "track", arg="track_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Track)

    def get_several(self, track_ids: Iterable[str], *, market: str | None = None) -> Batch[list[Track | None]]:
        """Any number of tracks in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /tracks?ids=`` in concurrent chunks of 50. Development mode (the batch read was removed):
        concurrent ``GET /tracks/{id}``.
        """
        return get_several(
            self,
            track_ids,
            kind="track",
            single=routes.GET_TRACK,
            batch=routes.GET_SEVERAL_TRACKS,
            model=Track,
            params=query(market=check_market(market)),
        )
