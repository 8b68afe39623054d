"""Minting Graph access tokens (v1 shape) and ID tokens (v2), and verifying."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass
from functools import cached_property

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from simulators.core.clock import LabClock
from simulators.microsoft.entra.keys import KeySource, SigningKey, b64url
from simulators.microsoft.ids import GRAPH_APP_ID
from simulators.microsoft.model.records import EntraUserRow

GRAPH_AUDIENCE = "https://graph.microsoft.com"
ACCEPTED_AUDIENCES = {GRAPH_AUDIENCE, GRAPH_AUDIENCE + "/", GRAPH_APP_ID}
ACCESS_TOKEN_SECONDS = 3599
ID_TOKEN_SECONDS = 3600
_CACHE_LIMIT = 20_000


def sts_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def client_info(user_id: str, tenant_id: str) -> str:
    raw = json.dumps({"uid": user_id, "utid": tenant_id}, separators=(",", ":")).encode()
    return b64url(raw)


class TokenError(Exception):
    """A bearer token Graph must refuse; ``message`` is Graph's 401 text."""


@dataclass
class Subject:
    """Who a token speaks for: an app (client credentials) or a user (delegated)."""

    tenant_id: str
    client_id: str
    app_name: str
    sp_object_id: str
    user: EntraUserRow | None = None
    roles: list[str] | None = None
    scopes: list[str] | None = None
    amr: list[str] | None = None
    wids: list[str] | None = None


class TokenService:
    """Signs with the STS key; reads every instant from the lab clock."""

    def __init__(self, key: KeySource, clock: LabClock, login_url: str) -> None:
        self._key = key
        self.clock = clock
        self.login_url = login_url
        self._verified: dict[str, dict] = {}
        self._lock = threading.Lock()

    @property
    def key(self) -> SigningKey:
        """The STS key (waits for a first start's key to be made)."""
        return self._key.get()

    @cached_property
    def _public_key(self) -> rsa.RSAPublicKey:
        return self.key.private_key.public_key()

    def _sign(self, claims: dict, *, nonce_header: bool) -> str:
        key = self.key
        headers = {"typ": "JWT", "x5t": key.x5t, "kid": key.kid}
        if nonce_header:
            headers["nonce"] = b64url(secrets.token_bytes(32))
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers=headers)

    def access_token(self, subject: Subject) -> tuple[str, int]:
        """A Graph access token; returns (token, expires_in)."""
        now = int(self.clock.timestamp())
        tid = subject.tenant_id
        claims: dict = {
            "aud": GRAPH_AUDIENCE,
            "iss": sts_issuer(tid),
            "iat": now,
            "nbf": now,
            "exp": now + ACCESS_TOKEN_SECONDS,
            "aio": b64url(secrets.token_bytes(24)),
            "app_displayname": subject.app_name,
            "appid": subject.client_id,
            "appidacr": "1",
            "idp": sts_issuer(tid),
        }
        if subject.user is None:
            claims.update(
                {
                    "idtyp": "app",
                    "oid": subject.sp_object_id,
                    "sub": subject.sp_object_id,
                    "roles": list(subject.roles or []),
                }
            )
            if not claims["roles"]:
                del claims["roles"]
        else:
            user = subject.user
            claims.update(
                {
                    "idtyp": "user",
                    "acr": "1",
                    "amr": list(subject.amr or ["pwd"]),
                    "family_name": user.get("surname") or "",
                    "given_name": user.get("givenName") or "",
                    "name": user.get("displayName") or "",
                    "oid": user["id"],
                    "scp": " ".join(subject.scopes or []),
                    "sub": b64url(f"{user['id']}:{subject.client_id}".encode())[:43],
                    "unique_name": user["userPrincipalName"],
                    "upn": user["userPrincipalName"],
                    "wids": list(subject.wids or []),
                }
            )
        claims.update(
            {
                "rh": "0.A" + b64url(secrets.token_bytes(18)) + ".",
                "tenant_region_scope": "EU",
                "tid": tid,
                "uti": b64url(secrets.token_bytes(16)),
                "ver": "1.0",
                "xms_tcdt": now - 86400,
            }
        )
        return self._sign(claims, nonce_header=True), ACCESS_TOKEN_SECONDS

    def id_token(
        self,
        *,
        tenant_id: str,
        client_id: str,
        user: EntraUserRow,
        nonce: str | None,
        auth_time: int,
    ) -> str:
        now = int(self.clock.timestamp())
        claims = {
            "aud": client_id,
            "iss": f"{self.login_url}/{tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": auth_time,
            "name": user.get("displayName") or "",
            "oid": user["id"],
            "preferred_username": user["userPrincipalName"],
            "rh": "0.A" + b64url(secrets.token_bytes(18)) + ".",
            "sub": b64url(f"{user['id']}:{client_id}:sub".encode())[:43],
            "tid": tenant_id,
            "uti": b64url(secrets.token_bytes(16)),
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self._sign(claims, nonce_header=False)

    def verify_graph_token(self, token: str) -> dict:
        """Claims of a Graph token this STS issued and the lab clock still accepts."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            with self._lock:
                if len(self._verified) >= _CACHE_LIMIT:
                    self._verified.clear()
                self._verified[token] = claims
        now = self.clock.timestamp()
        if not (claims["nbf"] - 300 <= now < claims["exp"]):
            raise TokenError("Access token has expired or is not yet valid.")
        return claims

    def _decode(self, token: str) -> dict:
        if token.count(".") != 2:
            raise TokenError("CompactToken parsing failed with error code: 80049217")
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "require": ["aud", "iss", "exp", "nbf", "tid"],
                },
            )
        except jwt.DecodeError as exc:
            raise TokenError("CompactToken parsing failed with error code: 80049217") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError("Access token validation failure.") from exc
        if claims.get("aud") not in ACCEPTED_AUDIENCES:
            raise TokenError("Access token validation failure. Invalid audience.")
        if claims.get("iss") != sts_issuer(claims["tid"]):
            raise TokenError("Access token validation failure. Invalid issuer.")
        return claims


def decode_unverified(token: str) -> dict:
    """Claims without checks (tests and the dashboard)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
