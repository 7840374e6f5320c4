"""The README's main command: ``python -m spotify_async demo`` against FakeSpotify."""

from __future__ import annotations

import io
import re

import pytest

from spotify_async.__main__ import main
from spotify_async.cli.demo import run_demo


async def test_the_demo_crawls_the_fake_and_summarises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    out = io.StringIO()
    assert await run_demo(quiet=True, out=out) == 0
    text = out.getvalue()
    rows = (re.match(r"^  (.+?)\s{2,}(\S.*)$", line) for line in text.splitlines())
    lines = {m.group(1): m.group(2) for m in rows if m}
    assert lines["playlist items"].strip() == "10000"
    assert lines["token requests"].strip() == "1"
    assert int(lines["calls sent"]) == int(lines["server saw (requests)"])
    assert int(lines["429s met"]) == int(lines["server 429s sent"])


def test_unknown_commands_print_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err
    assert main(["--help"]) == 0
