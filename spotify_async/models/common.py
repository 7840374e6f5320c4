"""Small value objects shared by every area: images, external ids and URLs, followers, copyrights, restrictions.

Also :class:`UnknownItem`, the fallback for a track-or-episode union member whose ``type`` we do not know, and
:class:`VideoThumbnail`, a key Spotify adds to playlist entries without documenting it.
"""

from typing import Any

import attrs

__all__ = [
    "Author",
    "Copyright",
    "ExternalIds",
    "ExternalUrls",
    "Followers",
    "Image",
    "Narrator",
    "Restrictions",
    "ResumePoint",
    "UnknownItem",
    "VideoThumbnail",
]


@attrs.define(slots=True, kw_only=True)
class ExternalUrls:
    """Known external URLs; ``spotify`` is the open.spotify.com page (absent on local files)."""

    spotify: str | None = None


@attrs.define(slots=True, kw_only=True)
class ExternalIds:
    """Industry identifiers. ``spotify`` appears only on episodes served in track shape (a December 2024 quirk)."""

    isrc: str | None = None
    ean: str | None = None
    upc: str | None = None
    spotify: str | None = None


@attrs.define(slots=True, kw_only=True)
class Image:
    """A cover or avatar; Spotify sends ``null`` (or nothing) for sizes of images it does not know."""

    url: str
    height: int | None = None
    width: int | None = None


@attrs.define(slots=True, kw_only=True)
class Followers:
    """Follower count; ``href`` is always ``null`` in practice."""

    total: int | None = None
    href: str | None = None


@attrs.define(slots=True, kw_only=True)
class Copyright:
    """A copyright line; ``type`` is ``C`` (copyright) or ``P`` (sound recording)."""

    text: str
    type: str | None = None


@attrs.define(slots=True, kw_only=True)
class Restrictions:
    """Why content is unavailable (``market``, ``product``, ``explicit``, ``payment_required``, ...).

    The spec has one restriction object per kind (track, album, episode, chapter) with the same single field; one class
    serves them all.
    """

    reason: str | None = None


TrackRestriction = AlbumRestriction = EpisodeRestriction = ChapterRestriction = Restrictions


@attrs.define(slots=True, kw_only=True)
class ResumePoint:
    """Where the user stopped in an episode or chapter (needs ``user-read-playback-position``)."""

    fully_played: bool = False
    resume_position_ms: int = 0


@attrs.define(slots=True, kw_only=True)
class Author:
    """An audiobook author."""

    name: str


@attrs.define(slots=True, kw_only=True)
class Narrator:
    """An audiobook narrator."""

    name: str


@attrs.define(slots=True, kw_only=True)
class VideoThumbnail:
    """Undocumented key on playlist entries (video podcasts); ``url`` is usually ``null``."""

    url: str | None = None


@attrs.define(slots=True, kw_only=True)
class UnknownItem:
    """An item in a track-or-episode position that we cannot model: an unknown ``type``, or a known one in a foreign shape.

    Kept instead of raising so one odd entry does not sink a whole page. ``raw`` is the untouched JSON object.
    """

    raw: dict[str, Any]

    @property
    def type(self) -> str | None:
        """The ``type`` Spotify gave, if any."""
        value = self.raw.get("type")
        return value if isinstance(value, str) else None

    @property
    def uri(self) -> str | None:
        """The ``uri`` Spotify gave, if any."""
        value = self.raw.get("uri")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        """The ``name`` Spotify gave, if any."""
        value = self.raw.get("name")
        return value if isinstance(value, str) else None
