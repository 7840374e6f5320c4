"""spotify_async: an asyncio-native SDK for the Spotify Web API."""
