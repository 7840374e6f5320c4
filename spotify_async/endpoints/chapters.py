"""Chapters: ``sp.chapters``: one audiobook chapter, several chapters."""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call
from ..http.response import Request
from ..models import Chapter
from ._base import EndpointGroup, check_market, get_several, query

__all__ = ["ChaptersEndpoints"]


class ChaptersEndpoints(EndpointGroup):
    """Catalog information about audiobook chapters."""

    __slots__ = ()

    def get(self, chapter_id: str, *, market: str | None = None) -> Call[Chapter]:
        """``GET /chapters/{id}``: one chapter with its audiobook. No scope; both modes."""
        route = routes.GET_A_CHAPTER.compile(id=ids.to_id(chapter_id, "chapter", arg="chapter_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Chapter)

    def get_several(self, chapter_ids: Iterable[str], *, market: str | None = None) -> Batch[list[Chapter | None]]:
        """Any number of chapters in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /chapters?ids=`` in concurrent chunks of 50. Development mode (the batch read was removed):
        concurrent ``GET /chapters/{id}``.
        """
        return get_several(
            self,
            chapter_ids,
            kind="chapter",
            single=routes.GET_A_CHAPTER,
            batch=routes.GET_SEVERAL_CHAPTERS,
            model=Chapter,
            params=query(market=check_market(market)),
        )
