"""The distributed crawl example, scaled down: several real processes share one budget, one gate and one token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import RedisServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "distributed_crawl.py"


def test_processes_share_the_budget_and_the_token(redis_server: RedisServer, tmp_path: Path) -> None:
    out = tmp_path / "crawl.json"
    budget = 80
    subprocess.run(
        [
            *(sys.executable, str(EXAMPLE), "--processes", "2", "--calls", "150", "--budget", str(budget)),
            *("--window", "1", "--concurrency", "16", "--redis", redis_server.url, "--json", str(out)),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    result = json.loads(out.read_text())
    assert result["calls_ok"] == 300
    assert result["failed"] == 0
    assert result["token_requests"] == 1  # one token for both processes
    assert result["share_429"] <= 0.01
    assert result["max_rate_per_window"] <= budget * 1.05
    # both processes really crawled at once, through the one budget
    assert [w["calls_ok"] for w in result["workers"]] == [150, 150]
    assert sum(w["tokens_adopted"] for w in result["workers"]) == 1
