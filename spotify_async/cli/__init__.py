"""The command line of spotify_async (``spotify-async`` and ``python -m spotify_async``)."""
