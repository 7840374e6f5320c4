"""Every Python block of the documentation site (``docs/``) and of the README runs as written against FakeSpotify
(the machinery is :mod:`doc_blocks`). A page whose example stops working fails here, naming the page and line."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from spotify_async import ClientCredentials, Spotify
from spotify_async.testing import FakeSpotify
from tests.behaviour.doc_blocks import REPO_ROOT, Block, names, python_blocks, run_block

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
BLOCKS = [block for page in PAGES for block in python_blocks(page)]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    from tests.distributed.conftest import RedisServer, _binary

    binary = _binary()  # skips loudly without redis-server (fails under CI)
    with tempfile.TemporaryDirectory(prefix="spotify-async-docs-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def test_the_pages_have_examples() -> None:
    pages = {block.path.name for block in BLOCKS}
    assert {"README.md", "client-credentials.md", "pagination.md", "testing.md", "crawling.md"} <= pages
    assert len(BLOCKS) >= 30


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
async def test_the_block_runs_as_written(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if "redis://" in block.code else None
    async with FakeSpotify(seed=0, big_playlist_size=300) as fake:
        auth = ClientCredentials(fake.client_id, fake.client_secret)
        async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            namespace = {**names(fake, tmp_path), "sp": sp}
            await run_block(block, fake, namespace, redis_url=url)


def test_the_configuration_page_documents_every_part_of_config_and_every_keyword_of_spotify() -> None:
    """The configuration reference is generated from the code (``:::`` blocks); this keeps it naming every attrs
    class a ``Config`` field holds, and the session's signature naming every keyword ``Spotify`` takes."""
    import inspect
    import re

    import attrs

    from spotify_async import Config

    text = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rendered = set(re.findall(r"^::: spotify_async\.config\.(\w+)$", text, re.M))
    defaults = [getattr(Config(), field.name) for field in attrs.fields(Config)]
    parts = {type(value).__name__ for value in defaults if attrs.has(type(value))}
    assert {"Timeouts", "RetryPolicy", "RateBudget", "HttpCache"} <= parts
    assert {"Config"} | parts <= rendered, f"docs/configuration.md renders no ::: block for {parts - rendered}"
    match = re.search(r"`Spotify\(auth, \*, (.*?)\)`", text, re.S)
    assert match, "no Spotify(auth, *, ...) signature in docs/configuration.md"
    written = {part.strip() for part in match.group(1).split(",")}
    parameters = inspect.signature(Spotify).parameters
    keywords = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert written == keywords, f"the page lacks {sorted(keywords - written)}, has extra {sorted(written - keywords)}"
