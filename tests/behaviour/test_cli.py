"""The command line follows the conventions people know: help on stdout with a line per command, ``--version``,
one clear line for an unknown command, a bad value, a port in use or a failing command (never a traceback), every
option with help text and its default, and ``serve-fake`` saying where it listens and how to stop it."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator

import pytest

import spotify_async
from spotify_async import cli
from spotify_async.errors import TransportError
from tests.resources import REPO_ROOT


def test_help_is_on_stdout_with_a_line_per_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    flat = " ".join(out.split())
    for name, entry in cli.COMMANDS.items():
        assert f"{name} {entry.summary}" in flat, name
    assert "--version" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith(f"spotify_async {spotify_async.__version__} (Python ")


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "demo" in capsys.readouterr().err


def test_an_unknown_command_is_named_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve-fak"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'serve-fak'" in err
    assert "Did you mean 'serve-fake'?" in err
    assert "Commands: demo, login, serve-fake" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["serve-fake", "--port", "99999"], "a port is 0 to 65535"),
        (["serve-fake", "--rate-limit", "lots"], "expected LIMIT/WINDOW such as 100/30"),
        (["serve-fake", "--latency", "-1"], "seconds must be >= 0"),
        (["serve-fake", "--mode", "turbo"], "invalid choice: 'turbo'"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_a_bad_value_is_one_message_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_option_has_help_and_shows_its_default() -> None:
    parser = cli.build_parser("spotify-async")
    commands = dict(_subparsers(parser))
    assert set(commands) == set(cli.COMMANDS)
    for name, sub in commands.items():
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if not action.option_strings or action.dest == "help":
                continue
            assert action.help, f"{name} {action.option_strings[0]} has no help text"
            if action.default not in (None, False, [], argparse.SUPPRESS):
                assert f"default: {action.default}" in text or "default: $" in text, (name, action.dest)


def test_a_command_is_a_table_entry(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    module = types.ModuleType("tests_cli_echo")

    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--word", default="hello", help="what to say")

    def run(args: argparse.Namespace) -> int:
        if args.word == "fail":
            raise TransportError("the network is down")
        print(args.word)
        return 3

    module.configure = configure  # type: ignore[attr-defined]
    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_cli_echo", module)
    monkeypatch.setitem(cli.COMMANDS, "echo", cli.CommandEntry("tests_cli_echo", "say a word"))
    assert cli.main(["echo", "--word", "hi"]) == 3
    assert capsys.readouterr().out == "hi\n"
    assert cli.main(["--help"]) == 0
    assert "say a word" in capsys.readouterr().out
    # a failing command is one line on stderr and status 1, not a traceback
    assert cli.main(["echo", "--word", "fail"]) == 1
    err = capsys.readouterr().err
    assert err.strip().endswith("echo: error: the network is down")
    assert "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_fake_says_where_it_listens_and_stops_on_sigterm() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "spotify_async", "serve-fake", "--port", str(port), "--big-playlist-size", "10"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(7)]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert time.monotonic() - started < 30
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    text = "".join(lines) + out
    assert lines[0].startswith(f"FakeSpotify listening on http://127.0.0.1:{port} (pid {proc.pid})")
    assert f"api_base       http://127.0.0.1:{port}/v1" in text
    assert "Stop it with Ctrl-C" in text
    assert "search_terms" not in text  # the catalogue only on request
    assert len(text) < 2000
    assert text.rstrip().endswith("FakeSpotify stopped.")
    assert proc.returncode == 0
    assert err == ""


def test_serve_fake_on_a_port_in_use_is_one_line_and_status_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "spotify_async", "serve-fake", "--port", str(port), "--big-playlist-size", "10"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONWARNINGS": "error::ResourceWarning"},
        )
    assert run.returncode == 1
    assert run.stderr.strip() == (
        f"serve-fake: error: cannot listen on 127.0.0.1:{port}: the address is already in use "
        "(choose another --port, or 0 for a free one)"
    )
    assert run.stdout == ""
