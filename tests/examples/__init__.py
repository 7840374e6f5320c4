"""Tests of the framework examples (FastAPI, discord.py): run in process, against FakeSpotify or a small server."""
