"""Signed-cookie sessions for the hosts' Flask apps, cheaper than Flask's default signer.

Flask's default builds an itsdangerous serializer twice per request, tags every value for
round-tripping Python types, tries zlib, and derives the HMAC key on each signature: about
90 µs per request that reads and writes its session, a dozen times per sign-in. Session values
here are plain JSON (dicts, lists, strings, numbers), so the cookie is compact JSON in base64url
plus an HMAC-SHA256 of it under a key derived once from the app's ``SECRET_KEY``. A cookie that
does not verify (edited, from another secret, or in Flask's older format) is an empty session,
as with Flask's own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

_PURPOSE = b"m365lab session cookie"


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class CookieCodec:
    """``dumps``/``loads`` of a session dict, with the interface Flask expects of its signer."""

    def __init__(self, secret: str | bytes, fallbacks: tuple = ()) -> None:
        self._keys = [self._derive(k) for k in (secret, *fallbacks)]

    @staticmethod
    def _derive(secret: str | bytes) -> bytes:
        raw = secret.encode() if isinstance(secret, str) else secret
        return hmac.new(raw, _PURPOSE, hashlib.sha256).digest()

    @staticmethod
    def _mac(key: bytes, payload: bytes) -> bytes:
        return _b64(hmac.new(key, payload, hashlib.sha256).digest())

    def dumps(self, session: dict) -> str:
        payload = _b64(json.dumps(session, separators=(",", ":")).encode())
        return (payload + b"." + self._mac(self._keys[0], payload)).decode("ascii")

    def loads(self, value: str, max_age: int | None = None) -> dict:
        """The session in a cookie value; ``BadSignature`` when it does not verify."""
        payload, _, mac = value.encode("ascii", "replace").rpartition(b".")
        if not payload or not any(
            hmac.compare_digest(mac, self._mac(key, payload)) for key in self._keys
        ):
            raise BadSignature("the session cookie's signature does not match")
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        except (ValueError, binascii.Error) as exc:
            raise BadSignature("the session cookie is not JSON") from exc
        if not isinstance(data, dict):
            raise BadSignature("the session cookie does not hold an object")
        return data


class LabSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session handling (names, flags, deletion) with ``CookieCodec`` inside."""

    def __init__(self) -> None:
        self._cached: tuple[tuple, CookieCodec] | None = None

    def get_signing_serializer(self, app: Flask) -> CookieCodec | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, CookieCodec(keys[0], keys[1]))
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            # no cookie of ours: an empty session, without parsing the Cookie header
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Flask's own does nothing for a session that was neither read nor written (unless it
        # is permanent and refreshed on each request), after eight config lookups. Reading
        # ``session.permanent`` would mark it accessed, hence the plain dict lookup.
        permanent = isinstance(session, dict) and dict.get(session, "_permanent")
        if session.accessed or session.modified or permanent:
            super().save_session(app, session, response)
