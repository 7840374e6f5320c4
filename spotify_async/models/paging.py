"""Paging envelopes: offset pages (:class:`Page`) and cursor pages (:class:`CursorPage`).

The spec has one ``Paging*Object`` schema per item type; a generic attrs class covers them all (``Page[Track]``,
``Page[SimplifiedPlaylist]``...). cattrs generates and caches one structuring function per parametrisation.
"""

from typing import Generic, TypeVar

import attrs

__all__ = ["CursorPage", "Cursors", "Page"]

T = TypeVar("T")


@attrs.define(slots=True, kw_only=True)
class Page(Generic[T]):
    """An offset page. ``next``/``previous`` are full URLs or ``None`` at either end."""

    href: str
    items: list[T | None]
    limit: int
    offset: int
    total: int
    # Always sent by Spotify (null at either end); defaulted because some re-serialising tools drop null keys.
    next: str | None = None
    previous: str | None = None


@attrs.define(slots=True, kw_only=True)
class Cursors:
    """Cursor positions of a :class:`CursorPage`; ``after`` is ``None`` on the last page."""

    after: str | None = None
    before: str | None = None


@attrs.define(slots=True, kw_only=True)
class CursorPage(Generic[T]):
    """A cursor page (followed artists, recently played). ``total`` is absent for recently played."""

    href: str
    items: list[T | None]
    limit: int
    next: str | None
    cursors: Cursors | None
    total: int | None = None
