"""Episodes: ``sp.episodes``: one podcast episode, several episodes.

Saved episodes live in ``sp.library``; a show's episodes in ``sp.shows.episodes``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call
from ..http.response import Request
from ..models import Episode
from ._base import EndpointGroup, check_market, get_several, query

__all__ = ["EpisodesEndpoints"]


class EpisodesEndpoints(EndpointGroup):
    """Catalog information about podcast episodes."""

    __slots__ = ()

    def get(self, episode_id: str, *, market: str | None = None) -> Call[Episode]:
        """``GET /episodes/{id}``: one episode with its show. Scope ``user-read-playback-position``; both modes."""
        route = routes.GET_AN_EPISODE.compile(id=ids.to_id(episode_id, "episode", arg="episode_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Episode)

    def get_several(self, episode_ids: Iterable[str], *, market: str | None = None) -> Batch[list[Episode | None]]:
        """Any number of episodes in input order, ``None`` for unknown ids. Scope ``user-read-playback-position``.

        Extended mode: ``GET /episodes?ids=`` in concurrent chunks of 50. Development mode (the batch read was removed):
        concurrent ``GET /episodes/{id}``. The scope fills ``resume_point``.
        """
        return get_several(
            self,
            episode_ids,
            kind="episode",
            single=routes.GET_AN_EPISODE,
            batch=routes.GET_MULTIPLE_EPISODES,
            model=Episode,
            params=query(market=check_market(market)),
        )
