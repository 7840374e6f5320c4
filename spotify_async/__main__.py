"""``python -m spotify_async ...``: the command line of :mod:`spotify_async.cli` (``demo``, ``login``,
``serve-fake``; ``--help`` lists them)."""

from __future__ import annotations

from .cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
