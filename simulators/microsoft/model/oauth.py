"""OAuth state: pending sign-ins, browser sessions, authorization codes, refresh tokens, log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from simulators.core.repository import Repository
from simulators.microsoft.ids import iso, new_guid
from simulators.microsoft.model.records import EntraUserRow

CODE_SECONDS = 600
PENDING_SECONDS = 3600
SESSION_SECONDS = 24 * 3600


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def pkce_matches(verifier: str | None, challenge: str | None, method: str | None) -> bool:
    if not challenge:
        return True
    if not verifier:
        return False
    if (method or "plain") == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        expected = computed.decode().rstrip("=")
    else:
        expected = verifier
    return hmac.compare_digest(expected, challenge)


class OAuthState(Repository):
    """Short-lived protocol state; all of it keyed by random, unguessable handles.

    Each write is one statement (an INSERT or an UPDATE by key), committed on its own.
    """

    # -- pending sign-ins ------------------------------------------------------------------
    def new_pending(
        self, tenant_segment: str, tenant_id: str | None, kind: str, params: dict
    ) -> dict:
        row = {
            "id": secrets.token_urlsafe(24),
            "tenant_segment": tenant_segment,
            "tenant_id": tenant_id,
            "kind": kind,
            "params": json.dumps(params),
            "user_id": None,
            "amr": "[]",
            "correlation_id": new_guid(),
            "created": self.now_ts(),
            "done": 0,
        }
        self.store.insert("pending_signins", row)
        return self._decode_pending(row)

    def pending(self, pending_id: str) -> dict | None:
        row = self.one("SELECT * FROM pending_signins WHERE id = ?", (pending_id or "",))
        if row is None or row["done"] or row["created"] + PENDING_SECONDS < self.now_ts():
            return None
        return self._decode_pending(row)

    def update_pending(self, pending_id: str, **columns) -> None:
        if "amr" in columns:
            columns["amr"] = json.dumps(columns["amr"])
        if "params" in columns:
            columns["params"] = json.dumps(columns["params"])
        assignments = ", ".join(f"{c} = ?" for c in columns)
        self.write(
            f"UPDATE pending_signins SET {assignments} WHERE id = ?",
            (*columns.values(), pending_id),
        )

    @staticmethod
    def _decode_pending(row: dict) -> dict:
        return {**row, "params": json.loads(row["params"]), "amr": json.loads(row["amr"])}

    # -- sessions --------------------------------------------------------------------------
    def new_session(self, tenant_id: str, user_id: str, amr: list[str]) -> dict:
        """Start a browser session; returns it as ``session()`` would read it back."""
        row = {
            "id": secrets.token_urlsafe(24),
            "tenant_id": tenant_id,
            "user_id": user_id,
            "amr": json.dumps(amr),
            "auth_time": self.now_ts(),
            "revoked": 0,
        }
        self.store.insert("sessions", row)
        return {**row, "amr": list(amr)}

    def session(self, session_id: str | None) -> dict | None:
        if not session_id:
            return None
        row = self.one("SELECT * FROM sessions WHERE id = ? AND revoked = 0", (session_id,))
        if row is None or not self.session_live(row):
            return None
        return {**row, "amr": json.loads(row["amr"])}

    def session_live(self, session: dict) -> bool:
        """Is the session within its lifetime on the lab clock?"""
        return session["auth_time"] + SESSION_SECONDS >= self.now_ts()

    def end_session(self, session_id: str | None) -> None:
        if session_id:
            self.write("UPDATE sessions SET revoked = 1 WHERE id = ?", (session_id,))

    # -- authorization codes ---------------------------------------------------------------
    def new_code(
        self,
        *,
        tenant_id: str,
        client_id: str,
        user_id: str,
        redirect_uri: str,
        scopes: list[str],
        nonce: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
        amr: list[str],
        auth_time: int,
    ) -> str:
        code = "1.A" + secrets.token_urlsafe(48)
        self.store.insert(
            "auth_codes",
            {
                "code_hash": _digest(code),
                "tenant_id": tenant_id,
                "client_id": client_id,
                "user_id": user_id,
                "redirect_uri": redirect_uri,
                "scopes": json.dumps(scopes),
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": code_challenge_method,
                "amr": json.dumps(amr),
                "auth_time": auth_time,
                "expires": self.now_ts() + CODE_SECONDS,
                "used": 0,
            },
        )
        return code

    def redeem_code(self, code: str) -> tuple[str, dict | None]:
        """('ok'|'used'|'invalid', row); a code is single use and lives 10 minutes."""
        row = self.one("SELECT * FROM auth_codes WHERE code_hash = ?", (_digest(code),))
        if row is None or row["expires"] < self.now_ts():
            return "invalid", None
        if row["used"]:
            return "used", row
        # The conditional UPDATE is the claim: of two concurrent redemptions only one changes it.
        claimed = self.write(
            "UPDATE auth_codes SET used = 1 WHERE code_hash = ? AND used = 0", (row["code_hash"],)
        )
        if not claimed:
            return "used", {**row, "used": 1}
        row["scopes"] = json.loads(row["scopes"])
        row["amr"] = json.loads(row["amr"])
        return "ok", row

    # -- refresh tokens --------------------------------------------------------------------
    def new_refresh_token(
        self, tenant_id: str, client_id: str, user_id: str, scopes: list[str], amr: list[str]
    ) -> str:
        token = "1.AR" + secrets.token_urlsafe(64)
        self.store.insert(
            "refresh_tokens",
            {
                "token_hash": _digest(token),
                "tenant_id": tenant_id,
                "client_id": client_id,
                "user_id": user_id,
                "scopes": json.dumps(scopes),
                "amr": json.dumps(amr),
                "created": self.now_ts(),
                "revoked": 0,
            },
        )
        return token

    def refresh_token(self, token: str) -> dict | None:
        row = self.one("SELECT * FROM refresh_tokens WHERE token_hash = ?", (_digest(token),))
        if row is None:
            return None
        return {**row, "scopes": json.loads(row["scopes"]), "amr": json.loads(row["amr"])}

    def revoke_refresh_token(self, token_hash: str) -> None:
        self.write("UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ?", (token_hash,))

    # -- sign-in log -----------------------------------------------------------------------
    def log_signin(
        self,
        *,
        tenant_id: str | None,
        user: EntraUserRow | None,
        upn: str | None,
        client_id: str | None,
        result: str,
        error_code: int | None,
        sub_reason: str | None,
        correlation_id: str,
    ) -> dict:
        entry = {
            "id": new_guid(),
            "tenant_id": tenant_id,
            "user_id": user["id"] if user else None,
            "upn": upn or (user["userPrincipalName"] if user else None),
            "client_id": client_id,
            "result": result,
            "error_code": error_code,
            "sub_reason": sub_reason,
            "time": iso(self.clock.now()),
            "correlation_id": correlation_id,
        }
        self.store.insert("signin_log", entry)
        return entry

    def signins(self, tenant_id: str, limit: int = 100) -> list[dict]:
        return self.all(
            "SELECT * FROM signin_log WHERE tenant_id = ? ORDER BY time DESC LIMIT ?",
            (tenant_id, limit),
        )
