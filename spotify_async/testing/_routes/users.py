"""User routes: the current user's profile, other users' profiles, top items and follows."""

from __future__ import annotations

from aiohttp import web

from .._util import json_response
from ._base import Call, api


@api("GET", "/me", "get-current-users-profile")
async def get_me(call: Call) -> web.StreamResponse:
    uid = call.user_id
    return json_response(call.world.render.me(uid, call.token.scopes))
