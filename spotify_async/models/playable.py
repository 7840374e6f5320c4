"""The union of things that can sit in a playlist, a queue or the player: tracks, episodes, (audiobook) chapters.

The converter discriminates on the ``type`` key (each member has a ``Literal`` ``type``). Anything else, including a
dict without ``type``, a capitalised ``"Track"`` from a re-serialising library, or an episode sent in track shape (with
an ``album``; seen in December 2024), becomes :class:`~spotify_async.models.common.UnknownItem` holding the raw dict.
"""

from .audiobooks import Chapter
from .common import UnknownItem
from .music import Track
from .podcasts import Episode

__all__ = ["PlayableItem"]

PlayableItem = Track | Episode | Chapter | UnknownItem
