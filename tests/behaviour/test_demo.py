"""The README's main command: ``python -m spotify_async demo`` against FakeSpotify, on a narrow terminal, into a
closed pipe, and with credentials set but no network."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import time

import pytest

from spotify_async.cli.demo import FAKE_LIMIT, Progress, run_demo
from tests.resources import REPO_ROOT


class Terminal(io.StringIO):
    """What the demo writes to, posing as a terminal (so it redraws its line in place)."""

    def isatty(self) -> bool:
        return True


def _rows(text: str) -> dict[str, str]:
    rows = (re.match(r"^  (.+?)\s{2,}(\S.*)$", line) for line in text.splitlines())
    return {m.group(1): m.group(2).strip() for m in rows if m}


async def test_the_demo_fits_the_terminal_says_why_it_waits_and_sums_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    out = Terminal()
    started = time.monotonic()
    assert await run_demo(out=out) == 0
    assert time.monotonic() - started < 60  # about 8 s on a quiet 2-core machine
    text = out.getvalue()
    progress, _, summary = text.partition("\nsummary\n")
    # every redraw fits the 80 columns: a carriage return, at most 79 characters, then erase-to-end-of-line
    frames = [f.rstrip("\n").removesuffix("\x1b[K") for f in progress.split("\r")[1:]]
    assert len(frames) > 5
    assert all(len(frame) < 80 for frame in frames), max(frames, key=len)
    # calls waited at the gate (the fake's hidden limit) and the line said so while they did
    assert "| waiting: 429 gate, " in progress
    # and the whole line, the waiting note included, fits in 80 columns without being cut
    waiting = [frame for frame in frames if "waiting:" in frame]
    assert waiting
    assert not any(frame.endswith("…") for frame in waiting), waiting
    rows = _rows(summary)
    assert rows["playlist items"] == "10000"
    assert rows["token requests"] == "1"
    assert int(rows["calls sent"]) == int(rows["server saw (requests)"])
    assert int(rows["429s met"]) == int(rows["server 429s sent"]) > 0
    # the summary's items are the progress line's items
    parts = ("artists", "albums", "album tracks", "full tracks", "playlist items")
    assert int(rows["items in all"]) == sum(int(rows[name]) for name in parts)
    last_frame = frames[-1]
    assert f"{rows['items in all']:>6} items" in last_frame
    # the busiest window counts what the server accepted: never more than its limit
    limit, window = FAKE_LIMIT
    accepted = int(rows["busiest window (server)"].split()[0])
    assert 0 < accepted <= limit
    assert rows["busiest window (server)"].endswith(f"of {limit} allowed per {window:g} s")
    # waiting is reported as time of the run, so it cannot exceed the run
    elapsed = float(rows["elapsed"].split()[0])
    for name in ("run time with calls at the 429 gate", "run time with calls held by the budget"):
        spent = float(rows[name].split()[0])
        assert 0 <= spent <= elapsed + 0.2, (name, rows[name])
    assert float(rows["run time with calls at the 429 gate"].split()[0]) > 0


def test_the_progress_line_is_cut_to_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    progress = Progress(Terminal(), quiet=False, found={"artists": 12})
    progress.phase = "a phase long enough to overflow thirty columns"
    fitted = progress._fit("[  1.0s]     12 items     3 calls   0 429s | " + progress.phase)
    assert len(fitted) == 29
    assert fitted.endswith("…")
    assert progress._fit("short") == "short"


def test_a_closed_pipe_ends_the_demo_quietly() -> None:
    # `demo | head -2`: the reader leaves after two lines; the demo must end without a BrokenPipeError traceback
    started = time.monotonic()
    demo = subprocess.Popen(
        [sys.executable, "-m", "spotify_async", "demo", "--fake"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert demo.stdout is not None
    assert demo.stderr is not None
    first = [demo.stdout.readline(), demo.stdout.readline()]
    demo.stdout.close()  # what head does after its two lines
    try:
        status = demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
    stderr = demo.stderr.read().decode()
    demo.stderr.close()
    assert first[0].startswith(b"spotify_async demo: crawling FakeSpotify")
    assert stderr == "", stderr
    assert status == 0
    assert time.monotonic() - started < 60


async def test_no_network_with_credentials_is_one_line_and_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused, as without a network
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "id-from-the-environment")
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "secret-from-the-environment")
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    status = await run_demo(quiet=True, api_base=base + "/v1", accounts_base=base)
    assert time.monotonic() - started < 20  # the retry policy's backoffs, at most about 3.5 s
    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("demo: cannot reach Spotify")
    assert "python -m spotify_async demo --fake" in err
    assert "secret-from-the-environment" not in err
