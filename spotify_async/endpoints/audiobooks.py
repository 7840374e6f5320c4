"""Audiobooks: ``sp.audiobooks``: one audiobook, several audiobooks, an audiobook's chapters.

Spotify sells audiobooks in a few markets only (US, GB, CA, IE, NZ, AU); elsewhere they answer 404 (``None`` in
``get_several``). Saved audiobooks live in ``sp.library``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call, Paged
from ..http.response import Request
from ..models import Audiobook, SimplifiedChapter
from ._base import EndpointGroup, check_limit, check_market, check_max_items, check_offset, get_several, query

__all__ = ["AudiobooksEndpoints"]


class AudiobooksEndpoints(EndpointGroup):
    """Catalog information about audiobooks."""

    __slots__ = ()

    def get(self, audiobook_id: str, *, market: str | None = None) -> Call[Audiobook]:
        """``GET /audiobooks/{id}``: one audiobook with its first page of chapters. No scope; both modes."""
        route = routes.GET_AN_AUDIOBOOK.compile(id=ids.to_id(audiobook_id, "audiobook", arg="audiobook_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Audiobook)

    def get_several(self, audiobook_ids: Iterable[str], *, market: str | None = None) -> Batch[list[Audiobook | None]]:
        """Any number of audiobooks in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /audiobooks?ids=`` in concurrent chunks of 50. Development mode (the batch read was
        removed): concurrent ``GET /audiobooks/{id}``.
        """
        return get_several(
            self,
            audiobook_ids,
            kind="audiobook",
            single=routes.GET_AN_AUDIOBOOK,
            batch=routes.GET_MULTIPLE_AUDIOBOOKS,
            model=Audiobook,
            params=query(market=check_market(market)),
        )

    def chapters(
        self,
        audiobook_id: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedChapter]:
        """``GET /audiobooks/{id}/chapters``: an audiobook's chapters, paged (limit up to 50). No scope; both modes."""
        route = routes.GET_AUDIOBOOK_CHAPTERS.compile(id=ids.to_id(audiobook_id, "audiobook", arg="audiobook_id"))
        return Paged(
            self._client,
            Request(route, query(market=check_market(market))),
            SimplifiedChapter,
            limit=check_limit(limit, routes.GET_AUDIOBOOK_CHAPTERS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )
