"""JumpCloud's side of OAuth 2.0 with Entra: authorize URL with PKCE, code and refresh grants,
ID-token check. Knows Entra only by its HTTPS endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt

from simulators.core.httpclient import LabClient
from simulators.core.wire import TransportError

from .scopes import scope_string


class TokenError(Exception):
    """The token endpoint refused: OAuth ``error``, AADSTS ``codes`` and description."""

    def __init__(self, error: str, description: str, codes: list[int] | None = None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.codes = codes or []

    @property
    def aadsts(self) -> str:
        return f"AADSTS{self.codes[0]}" if self.codes else self.error

    @property
    def grant_lost(self) -> bool:
        """The grant is gone for good (revoked, expired, admin disabled...): reauthorize."""
        return self.error in ("invalid_grant", "interaction_required", "consent_required")


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str
    tenant_id: str | None
    admin_upn: str | None
    admin_oid: str | None


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class OAuthApp:
    """The JumpCloud multi-tenant app as seen from the console host."""

    login_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    http: Callable[[], LabClient]
    """This thread's lab client (kept alive; not closed here)."""

    def authorize_url(
        self,
        *,
        state: str,
        code_challenge: str,
        nonce: str,
        prompt: str | None = None,
        login_hint: str | None = None,
        tenant: str = "organizations",
    ) -> str:
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "response_mode": "query",
            "scope": scope_string(),
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        if prompt:
            params["prompt"] = prompt
        if login_hint:
            params["login_hint"] = login_hint
        return f"{self.login_url}/{tenant}/oauth2/v2.0/authorize?{urlencode(params)}"

    def redeem(
        self, code: str, verifier: str, nonce: str, tenant: str = "organizations"
    ) -> TokenSet:
        """authorization_code grant; the ID token names the tenant and the admin."""
        reply = self._token(
            tenant,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": verifier,
                "scope": scope_string(),
            },
        )
        claims = self._id_claims(reply.get("id_token"), nonce)
        return self._tokens(reply, claims.get("tid"), claims)

    def refresh(self, refresh_token: str, tenant: str) -> TokenSet:
        reply = self._token(
            tenant,
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "scope": scope_string(),
            },
        )
        return self._tokens(reply, tenant, {})

    # -- internals -------------------------------------------------------------------------
    def _token(self, tenant: str, form: dict) -> dict:
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        url = f"{self.login_url}/{tenant}/oauth2/v2.0/token"
        try:
            response = self.http().post(url, data=form)
        except TransportError as exc:
            raise TokenError(
                "temporarily_unavailable", f"token endpoint unreachable: {exc}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status != 200 or "access_token" not in body:
            raise TokenError(
                str(body.get("error") or f"http_{response.status}"),
                str(body.get("error_description") or "token request failed"),
                [int(c) for c in body.get("error_codes") or [] if str(c).isdigit()],
            )
        return body

    def _id_claims(self, id_token: str | None, nonce: str) -> dict:
        """Verify the ID token (signature from the tenant's JWKS, audience, nonce)."""
        if not id_token:
            raise TokenError("invalid_response", "no id_token in the token response")
        try:
            unverified = jwt.decode(id_token, options={"verify_signature": False})
            tenant = unverified.get("tid") or "common"
            jwks_url = f"{self.login_url}/{tenant}/discovery/v2.0/keys"
            keys = self.http().request("GET", jwks_url).json()
            header = jwt.get_unverified_header(id_token)
            key = next(
                (k for k in jwt.PyJWKSet.from_dict(keys).keys if k.key_id == header.get("kid")),
                None,
            )
            if key is None:
                raise TokenError("invalid_response", "id_token signed with an unknown key")
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_id,
                options={"verify_iat": False, "verify_nbf": False, "verify_exp": False},
            )
        except (jwt.PyJWTError, ValueError, TransportError) as exc:
            raise TokenError("invalid_response", f"id_token rejected: {exc}") from None
        if claims.get("nonce") != nonce:
            raise TokenError("invalid_response", "id_token nonce does not match")
        return claims

    @staticmethod
    def _tokens(reply: dict, tenant_id: str | None, claims: dict) -> TokenSet:
        return TokenSet(
            access_token=reply["access_token"],
            refresh_token=reply.get("refresh_token"),
            expires_in=int(reply.get("expires_in") or 3600),
            scope=str(reply.get("scope") or ""),
            tenant_id=tenant_id,
            admin_upn=claims.get("preferred_username") or claims.get("upn"),
            admin_oid=claims.get("oid"),
        )
