"""Shows: ``sp.shows``: one podcast show, several shows, a show's episodes.

Saved shows live in ``sp.library``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call, Paged
from ..http.response import Request
from ..models import Show, SimplifiedEpisode, SimplifiedShow
from ._base import EndpointGroup, check_limit, check_market, check_max_items, check_offset, get_several, query

__all__ = ["ShowsEndpoints"]


class ShowsEndpoints(EndpointGroup):
    """Catalog information about podcast shows."""

    __slots__ = ()

    def get(self, show_id: str, *, market: str | None = None) -> Call[Show]:
        """``GET /shows/{id}``: one show with its first episodes. Scope ``user-read-playback-position``; both modes."""
        route = routes.GET_A_SHOW.compile(id=ids.to_id(show_id, "show", arg="show_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Show)

    def get_several(self, show_ids: Iterable[str], *, market: str | None = None) -> Batch[list[SimplifiedShow | None]]:
        """Any number of shows in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /shows?ids=`` in concurrent chunks of 50, answering simplified shows. Development mode (the
        batch read was removed): concurrent ``GET /shows/{id}``, answering full
        :class:`~spotify_async.models.Show` objects (a subclass, with the first page of episodes too).
        """
        return get_several(
            self,
            show_ids,
            kind="show",
            single=routes.GET_A_SHOW,
            batch=routes.GET_MULTIPLE_SHOWS,
            model=SimplifiedShow,
            single_model=Show,
            params=query(market=check_market(market)),
        )

    def episodes(
        self,
        show_id: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedEpisode]:
        """``GET /shows/{id}/episodes``: a show's episodes, paged (limit up to 50). Both modes.

        Scope ``user-read-playback-position`` (fills ``resume_point``).
        """
        route = routes.GET_A_SHOWS_EPISODES.compile(id=ids.to_id(show_id, "show", arg="show_id"))
        return Paged(
            self._client,
            Request(route, query(market=check_market(market))),
            SimplifiedEpisode,
            limit=check_limit(limit, routes.GET_A_SHOWS_EPISODES.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )
