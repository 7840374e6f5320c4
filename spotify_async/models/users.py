"""Users: the public profile, the current user's private profile, and the slim user objects inside playlists.

Everything ``GET /me`` lost for development-mode apps (``country``, ``email``, ``explicit_content``, ``followers``,
``product``) is optional; ``account_id`` appeared in May 2026. ``birthdate`` is a long-removed field kept optional so
old recordings still parse.
"""

import attrs

from .common import ExternalUrls, Followers, Image

__all__ = ["ExplicitContentSettings", "PlaylistOwner", "PlaylistUser", "PrivateUser", "PublicUser"]


@attrs.define(slots=True, kw_only=True)
class PublicUser:
    """Anyone's public profile."""

    id: str
    display_name: str | None = None
    type: str = "user"
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    images: list[Image | None] = attrs.Factory(list)
    followers: Followers | None = None


@attrs.define(slots=True, kw_only=True)
class ExplicitContentSettings:
    """The user's explicit-content filter."""

    filter_enabled: bool = False
    filter_locked: bool = False


@attrs.define(slots=True, kw_only=True)
class PrivateUser(PublicUser):
    """The current user (``GET /me``)."""

    account_id: str | None = None
    country: str | None = None
    email: str | None = None
    explicit_content: ExplicitContentSettings | None = None
    product: str | None = None
    birthdate: str | None = None


@attrs.define(slots=True, kw_only=True)
class PlaylistUser:
    """Who added a playlist entry. ``id`` may be ``""`` for entries of some editorial playlists."""

    id: str | None = None
    type: str = "user"
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None


@attrs.define(slots=True, kw_only=True)
class PlaylistOwner(PlaylistUser):
    """A playlist's owner."""

    display_name: str | None = None
