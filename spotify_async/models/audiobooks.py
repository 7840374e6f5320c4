"""Audiobooks and chapters.

Like episodes, chapters accept the singular ``restriction`` key as ``restrictions``. ``available_markets`` and
``publisher`` are gone for development-mode apps.
"""

from typing import Literal

import attrs

from .common import Author, Copyright, ExternalUrls, Image, Narrator, Restrictions, ResumePoint
from .paging import Page

__all__ = ["Audiobook", "Chapter", "SimplifiedAudiobook", "SimplifiedChapter"]


@attrs.define(slots=True, kw_only=True)
class SimplifiedAudiobook:
    """An audiobook as embedded in chapters, pages and search results."""

    name: str
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    type: str = "audiobook"
    external_urls: ExternalUrls | None = None
    authors: list[Author | None] = attrs.Factory(list)
    narrators: list[Narrator | None] = attrs.Factory(list)
    copyrights: list[Copyright | None] = attrs.Factory(list)
    description: str = ""
    html_description: str | None = None
    edition: str | None = None
    explicit: bool = False
    images: list[Image | None] = attrs.Factory(list)
    languages: list[str | None] = attrs.Factory(list)
    media_type: str | None = None
    total_chapters: int | None = None
    is_externally_hosted: bool | None = None
    publisher: str | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True, kw_only=True)
class SimplifiedChapter:
    """A chapter without its audiobook."""

    name: str
    #: ``"chapter"`` live; the spec's enum says ``"episode"`` (both accepted: see SPEC_DIVERGENCES.md)
    type: Literal["chapter", "episode"] = "chapter"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    chapter_number: int = 0
    description: str = ""
    html_description: str | None = None
    duration_ms: int = 0
    explicit: bool = False
    images: list[Image | None] = attrs.Factory(list)
    is_playable: bool | None = None
    languages: list[str | None] = attrs.Factory(list)
    release_date: str | None = None
    release_date_precision: str | None = None
    audio_preview_url: str | None = None
    resume_point: ResumePoint | None = None
    restrictions: Restrictions | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True, kw_only=True)
class Chapter(SimplifiedChapter):
    """A full chapter with its audiobook."""

    #: always sent for a chapter fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    audiobook: SimplifiedAudiobook | None = None


@attrs.define(slots=True, kw_only=True)
class Audiobook(SimplifiedAudiobook):
    """A full audiobook with its first page of chapters."""

    #: always sent for an audiobook fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    chapters: Page[SimplifiedChapter]
