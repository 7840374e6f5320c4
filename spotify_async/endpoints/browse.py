"""Browse: ``sp.browse``: categories, a category's playlists, new releases, featured playlists.

None of these work for development-mode apps: categories and new releases were removed in February 2026, featured
and category playlists restricted in November 2024 (every method raises ``EndpointUnavailable`` before sending).
"""

from __future__ import annotations

import re

from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, Paged
from ..http.response import Request
from ..models import Category, SimplifiedAlbum, SimplifiedPlaylist
from ._base import EndpointGroup, check_limit, check_max_items, check_offset, query

__all__ = ["BrowseEndpoints"]

_LOCALE = re.compile(r"[a-z]{2}_[A-Z]{2}\Z")
_CATEGORY_ID = re.compile(r"[0-9A-Za-z_\-]{1,64}\Z")


def _locale(locale: str | None) -> str | None:
    if locale is None or (isinstance(locale, str) and _LOCALE.match(locale)):
        return locale
    raise InvalidInput(f"locale must be an ISO 639-1 language and ISO 3166-1 country code like 'sv_SE', got {locale!r}")


def _category_id(category_id: str) -> str:
    if isinstance(category_id, str) and _CATEGORY_ID.match(category_id):
        return category_id
    raise InvalidInput(f"invalid category id {category_id!r}: expected letters, digits, '_' or '-' (e.g. 'toplists')")


class BrowseEndpoints(EndpointGroup):
    """Spotify's editorial catalog: categories, new releases, featured playlists."""

    __slots__ = ()

    def categories(
        self, *, locale: str | None = None, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[Category]:
        """``GET /browse/categories``: browse categories, paged (limit up to 50). No scope; extended mode only."""
        return Paged(
            self._client,
            Request(routes.GET_CATEGORIES.compile(), query(locale=_locale(locale))),
            Category,
            limit=check_limit(limit, routes.GET_CATEGORIES.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def category(self, category_id: str, *, locale: str | None = None) -> Call[Category]:
        """``GET /browse/categories/{category_id}``: one category (e.g. ``toplists``). No scope; extended mode only."""
        route = routes.GET_A_CATEGORY.compile(category_id=_category_id(category_id))
        return Call(self._client, Request(route, query(locale=_locale(locale))), Category)

    def category_playlists(
        self, category_id: str, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedPlaylist | None]:
        """``GET /browse/categories/{category_id}/playlists``: paged (limit up to 50). No scope; extended mode only."""
        route = routes.GET_A_CATEGORIES_PLAYLISTS.compile(category_id=_category_id(category_id))
        return Paged(
            self._client,
            Request(route),
            SimplifiedPlaylist | None,
            limit=check_limit(limit, routes.GET_A_CATEGORIES_PLAYLISTS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def new_releases(
        self, *, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedAlbum]:
        """``GET /browse/new-releases``: new albums, paged (limit up to 50). No scope; extended mode only."""
        return Paged(
            self._client,
            Request(routes.GET_NEW_RELEASES.compile()),
            SimplifiedAlbum,
            limit=check_limit(limit, routes.GET_NEW_RELEASES.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def featured_playlists(
        self, *, locale: str | None = None, limit: int | None = None, offset: int = 0, max_items: int | None = None
    ) -> Paged[SimplifiedPlaylist | None]:
        """``GET /browse/featured-playlists``: paged (limit up to 50). No scope; extended mode only.

        The headline ``message`` is not kept; read it from the raw body of ``with_response()`` if needed.
        """
        return Paged(
            self._client,
            Request(routes.GET_FEATURED_PLAYLISTS.compile(), query(locale=_locale(locale))),
            SimplifiedPlaylist | None,
            limit=check_limit(limit, routes.GET_FEATURED_PLAYLISTS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )
