"""The multi-worker login example: two real worker processes sharing one redis-server; a login started on one
completes on the other, /me is served from the shared token, and a replayed callback is refused by both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import RedisServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_worker_login.py"


def test_a_login_started_on_one_worker_completes_on_the_other(redis_server: RedisServer) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--redis", redis_server.url], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert result["callback_status_on_worker2"] == 302
    assert result["me"]["worker"] == "worker1"
    assert result["me"]["user"] == result["expected_user"]
    assert result["replay_statuses"] == [400, 400]
    assert result["token_requests"] == 1  # the code exchange only: worker 1 used the token worker 2 stored
