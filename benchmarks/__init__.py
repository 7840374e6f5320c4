"""Benchmarks: spotify_async beside its floor (raw aiohttp + orjson) and its peers (tekore, spotipy, spotifyaio), on the
same work in one run. ``python -m benchmarks --help``; results and the machine they ran on are in
``benchmarks/RESULTS.md``.

Scenarios (one module each): :mod:`.overhead` (client CPU per request at 64 and at 8 in flight, past the rate budget's
discovery, and a new session's cold start), :mod:`.structuring_peers` (bytes to models, GC on and paused;
:mod:`.structuring` is the models' own micro-benchmark it builds on), :mod:`.pagination` (every item of a 10,000-item
playlist at 20 ms latency, against a floor at the same 8 in flight), :mod:`.crawl` (a hidden rolling-window rate limit),
:mod:`.memory` (peak RSS while iterating 100,000 items, ``collect()`` and a kept entry), and issue #9's rate control:
:mod:`.hidden_limit` (a crawl under a hidden rolling-window limit, one process and several sharing one Redis),
:mod:`.isolated_429` (one 429 in a steady stream) and :mod:`.interactive` (interactive calls during a background crawl).
The server is FakeSpotify in its own process (:mod:`._server`); the clients and how each peer is pointed at it are in
:mod:`._clients`.
"""
