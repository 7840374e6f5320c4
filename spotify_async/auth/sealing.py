"""Sealed values: short secrets (a PKCE verifier, a refresh token) encrypted and authenticated with a server's key.

Two features need a value to travel through hands that must not read or alter it: the stateless login state
(:class:`~spotify_async.auth.state.SignedStateStore` carries the PKCE verifier through the user's browser) and Token
Swap (:mod:`spotify_async.swap` hands the refresh token to a public client). Both use :class:`Sealer`.

Construction (standard library only: ``hmac``, ``hashlib``, ``secrets``)
-----------------------------------------------------------------------
From the server's key ``K`` (at least 32 bytes) and a *purpose* label, two independent keys are derived:
``Ke = HMAC-SHA256(K, "enc" || purpose)`` and ``Km = HMAC-SHA256(K, "mac" || purpose)``, so a value sealed for one
purpose never opens for another. To seal plaintext ``P`` with a fresh random 16-byte nonce ``N``:

* keystream block ``i`` is ``HMAC-SHA256(Ke, N || i)`` (``i`` as 8 bytes, big-endian), and ``C = P XOR keystream``:
  HMAC-SHA256 is a pseudo-random function, and a PRF in counter mode under a never-repeated nonce is a stream
  cipher (the way HKDF and CTR-DRBG use it);
* the tag is ``T = HMAC-SHA256(Km, version || expires || N || C)``: encrypt-then-MAC, so nothing is decrypted before
  the tag checks (compared in constant time);
* the sealed value is ``base64url(version || expires || N || C || T)`` without padding, where ``expires`` is the
  expiry in epoch milliseconds as 8 bytes (0: none), authenticated with the rest.

Opening returns ``None`` for anything forged, truncated, sealed under another key or purpose, or expired, and says
nothing about why: callers answer every such case with the same typed error. A sealed value is about 77 characters
plus 4/3 of the plaintext. The key never leaves the process that holds it.

Rotation: ``Sealer(new_key, purpose, previous=[old_key])`` seals with the new key and still opens values sealed with
the old ones (each tried in turn; the tag tells which), so keys can change without logging everyone out; drop an old
key once nothing sealed with it should open any more.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable

from ..errors import InvalidInput

__all__ = ["Sealer", "new_key"]

_VERSION = b"\x01"
_NONCE = 16
_TAG = 32
_EXPIRES = 8
_HEADER = len(_VERSION) + _EXPIRES + _NONCE
#: the shortest key accepted (bytes): 256 bits, as HMAC-SHA256 uses
MIN_KEY_BYTES = 32


def new_key() -> bytes:
    """A fresh random key for a :class:`Sealer` (32 bytes)."""
    return secrets.token_bytes(MIN_KEY_BYTES)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # one spelling per value: the unused low bits of the last character must be zero
    return raw if _b64encode(raw) == text else None


class Sealer:
    """Seals and opens short values for one ``purpose`` under one key (see the module docstring)."""

    __slots__ = ("_clock", "_keys", "purpose")

    def __init__(
        self,
        key: bytes,
        purpose: str,
        *,
        previous: Iterable[bytes] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(purpose, str) or not purpose:
            raise InvalidInput("the sealing purpose must be a non-empty string")
        label = purpose.encode()
        keys = [key, *previous]
        for k in keys:
            if not isinstance(k, bytes) or len(k) < MIN_KEY_BYTES:
                raise InvalidInput(f"a sealing key must be at least {MIN_KEY_BYTES} random bytes")
        #: (encryption key, MAC key) per key, the sealing one first
        self._keys = [
            (hmac.new(k, b"enc" + label, hashlib.sha256).digest(), hmac.new(k, b"mac" + label, hashlib.sha256).digest())
            for k in keys
        ]
        self._clock = clock
        self.purpose = purpose

    def __repr__(self) -> str:
        return f"Sealer(purpose={self.purpose!r}, key=<redacted>)"

    @staticmethod
    def _keystream(enc: bytes, nonce: bytes, length: int) -> bytes:
        blocks = []
        for counter in range((length + 31) // 32):
            blocks.append(hmac.new(enc, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest())
        return b"".join(blocks)[:length]

    def seal(self, plaintext: bytes, *, lifetime: float | None = None) -> str:
        """Encrypt and authenticate ``plaintext``; ``lifetime`` (seconds) makes it stop opening after that long."""
        expires = 0 if lifetime is None else max(1, int((self._clock() + lifetime) * 1000))
        enc, mac = self._keys[0]
        nonce = secrets.token_bytes(_NONCE)
        stream = self._keystream(enc, nonce, len(plaintext))
        cipher = bytes(a ^ b for a, b in zip(plaintext, stream, strict=True))
        body = _VERSION + expires.to_bytes(_EXPIRES, "big") + nonce + cipher
        tag = hmac.new(mac, body, hashlib.sha256).digest()
        return _b64encode(body + tag)

    def open(self, sealed: str) -> bytes | None:
        """The plaintext of a value this sealer made, or ``None`` (forged, damaged, another key or purpose, expired)."""
        opened = self.open_with_expiry(sealed)
        return None if opened is None else opened[0]

    def open_with_expiry(self, sealed: str) -> tuple[bytes, float | None] | None:
        """:meth:`open`, with the sealed expiry (epoch seconds, ``None`` when there is none)."""
        if not isinstance(sealed, str) or len(sealed) > 8192:
            return None
        raw = _b64decode(sealed)
        if raw is None or len(raw) < _HEADER + _TAG or raw[:1] != _VERSION:
            return None
        body, tag = raw[:-_TAG], raw[-_TAG:]
        enc = next(
            (e for e, mac in self._keys if hmac.compare_digest(tag, hmac.new(mac, body, hashlib.sha256).digest())),
            None,
        )
        if enc is None:
            return None
        expires = int.from_bytes(body[1 : 1 + _EXPIRES], "big")
        if expires and self._clock() * 1000 >= expires:
            return None
        nonce, cipher = body[1 + _EXPIRES : _HEADER], body[_HEADER:]
        stream = self._keystream(enc, nonce, len(cipher))
        plain = bytes(a ^ b for a, b in zip(cipher, stream, strict=True))
        return plain, (expires / 1000 if expires else None)
