"""A griffe extension for the API reference: the docstrings use Sphinx roles (``:class:`~spotify_async.Token```),
which Markdown would show as written; this turns each into inline code of the name it points to (the last part when
the target starts with ``~``, as Sphinx does), so the reference reads as the code's readers see it."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj|const):`(~?)([^`]+)`")


def _plain(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRoles(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_plain, obj.docstring.value)
