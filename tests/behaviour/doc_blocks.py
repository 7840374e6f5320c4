"""Running the Python blocks of the README and the documentation against FakeSpotify, as written.

A block is run as a user would paste it, with three things arranged around it so that it reaches FakeSpotify rather
than Spotify, and nothing else:

* **Where requests go.** The defaults of ``api_base``/``accounts_base`` (``Spotify``, ``ClientCredentials.request_token``,
  the user flows, ``login`` and the Token Swap server's ``make_app``) are pointed at the fake for the duration of the block; the block's text is unchanged.
* **The names a page says are yours**: ``client_id``/``client_secret`` (also ``cid``/``secret``) are the fake's app,
  and the README's literal ``"CLIENT_ID"``/``"CLIENT_SECRET"`` are registered as a second app; ``album_id``,
  ``track_id``, ``track_ids``, ``ten_thousand_ids``, ``playlist_id``, ``user_id``, ``user_token`` and ``token_file``
  are real values of the fake's catalogue, and ``sp`` an open session on it (see :func:`names`).
* **Real Spotify ids** the pages use for readability (:data:`REAL_IDS`) are replaced by ids of the fake's catalogue,
  and a ``redis://`` URL by the test's own redis-server.

Blocks with top-level ``await`` are compiled with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited; a block that calls
``asyncio.run`` runs in a worker thread (no loop of its own there). Afterwards every ``test_*`` coroutine function the
block defined is called (their fixtures by name), and any ``Spotify`` session it left open is closed. A failing block
fails its test with the page and line.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from spotify_async import ClientCredentials, Spotify, swap
from spotify_async.auth import login as login_module
from spotify_async.auth import user as user_module
from spotify_async.testing import FakeSpotify

REPO_ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

#: real Spotify ids used on the pages, and which catalogue list of the fake stands in for each
REAL_IDS: dict[str, tuple[str, int]] = {
    "4aawyAB9vmqN3uQ7FjRGTy": ("albums", 0),
    "0TnOYISbd1XYRBk9myaseg": ("artists", 0),
    "11dFghVXANMlKmJXsNCbNl": ("tracks", 0),
    "37i9dQZF1DXcBWIGoYBM5M": ("big_playlist_id", -1),
}
README_APP = ("CLIENT_ID", "CLIENT_SECRET")


class Block(NamedTuple):
    path: Path
    line: int
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT).as_posix()}:{self.line}"


def python_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [Block(path, text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def _catalogue_id(fake: FakeSpotify, kind: str, index: int) -> str:
    value = getattr(fake.catalog, kind)
    return str(value if index < 0 else value[index])


def names(fake: FakeSpotify, tmp_path: Path) -> dict[str, Any]:
    """The values the pages call yours, taken from the running fake."""
    cat = fake.catalog
    user_id = fake.login_user
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "cid": fake.client_id,
        "secret": fake.client_secret,
        "album_id": cat.albums[0],
        "track_id": cat.tracks[0],
        "track_ids": list(cat.tracks[:30]),
        "ten_thousand_ids": list(cat.tracks[:300]),
        "playlist_id": cat.big_playlist_id,
        "user_id": user_id,
        "user_token": fake.issue_user_token(user_id)["access_token"],
        "token_file": str(tmp_path / "tokens.json"),
    }


@contextmanager
def pointed_at(fake: FakeSpotify) -> Iterator[None]:
    """Point the SDK's default ``api_base``/``accounts_base`` at ``fake`` while the block runs."""
    patched: list[tuple[Any, str, Any]] = []

    def kwdefault(function: Any, name: str, value: str) -> None:
        defaults = function.__kwdefaults__
        patched.append((defaults, name, defaults[name]))
        defaults[name] = value

    kwdefault(Spotify.__init__, "api_base", fake.api_base)
    kwdefault(Spotify.__init__, "accounts_base", fake.accounts_base)
    kwdefault(ClientCredentials.request_token, "accounts_base", fake.accounts_base)
    kwdefault(login_module.login, "accounts_base", fake.accounts_base)
    kwdefault(swap.make_app, "accounts_base", fake.accounts_base)
    previous = user_module.ACCOUNTS_BASE
    user_module.ACCOUNTS_BASE = fake.accounts_base
    fake.accounts.apps[README_APP[0]] = README_APP[1]
    try:
        yield
    finally:
        user_module.ACCOUNTS_BASE = previous
        for defaults, name, value in reversed(patched):
            defaults[name] = value


def prepare(code: str, fake: FakeSpotify, redis_url: str | None) -> str:
    for real, (kind, index) in REAL_IDS.items():
        code = code.replace(real, _catalogue_id(fake, kind, index))
    if redis_url is not None:
        code = re.sub(r"redis://[\w.-]+:\d+/\d+", redis_url, code)
    return code


def _exec_sync(compiled: Any, namespace: dict[str, Any]) -> None:
    exec(compiled, namespace)


async def run_block(
    block: Block, fake: FakeSpotify, namespace: dict[str, Any], *, redis_url: str | None = None, timeout: float = 60
) -> dict[str, Any]:
    """Run one block in ``namespace`` (updated in place, and returned) against ``fake``."""
    code = prepare(block.code, fake, redis_url)
    given = {id(value) for value in namespace.values()}
    with pointed_at(fake):
        if "asyncio.run(" in code:
            compiled = compile(code, block.where, "exec")
            await asyncio.wait_for(asyncio.to_thread(_exec_sync, compiled, namespace), timeout)
        else:
            compiled = compile(code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(compiled, namespace)
            if inspect.iscoroutine(result):
                await asyncio.wait_for(result, timeout)
        fixtures: Mapping[str, Any] = {"fake_spotify": fake, **namespace}
        for name, value in list(namespace.items()):
            if name.startswith("test_") and inspect.iscoroutinefunction(value):
                arguments = {p: fixtures[p] for p in inspect.signature(value).parameters}
                await asyncio.wait_for(value(**arguments), timeout)
        for value in list(namespace.values()):
            if isinstance(value, Spotify) and id(value) not in given:
                await value.close()
    return namespace
