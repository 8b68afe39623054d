"""The integration's OAuth grant per Microsoft 365 instance: encrypted tokens, refresh on the
lab clock, and the ``oAuthStatus`` the model shows on ``/api/v2/directories``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken

from simulators.core.clock import LabClock
from simulators.core.store import Store
from simulators.jumpcloud.model.ids import iso

from .graphclient import AuthorizationLost, GraphError
from .oauth import OAuthApp, TokenError, TokenSet

REFRESH_MARGIN_SECONDS = 120
"""Refresh this long before the access token expires (lab clock)."""
OPENED_KEPT = 256
"""Decrypted tokens kept in memory (two per instance are in use at a time)."""

StatusSink = Callable[[str, str, dict], None]
"""(org_id, office365_id, oAuthStatus) — writes the status into the model."""


def _iso_ts(timestamp: float | None) -> str | None:
    return iso(dt.datetime.fromtimestamp(timestamp, dt.UTC)) if timestamp else None


class Grants:
    """Reads and writes ``m365_grants``; hands out :class:`GrantTokens` per instance."""

    def __init__(
        self, store: Store, clock: LabClock, app: OAuthApp, secret: str, sink: StatusSink
    ) -> None:
        self.store = store
        self.clock = clock
        self.app = app
        self.sink = sink
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)
        self._opened: dict[str, str] = {}
        """Sealed value -> plain (a sealed value never changes meaning; every Graph call of a
        bulk export asked for the token, and decrypting it was a tenth of the engine's work)."""
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- storage -----------------------------------------------------------------------------
    def row(self, office365_id: str) -> dict | None:
        cursor = self.store.db.execute(
            "SELECT * FROM m365_grants WHERE office365_id = ?", (office365_id,)
        )
        found = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None

    def _seal(self, value: str | None) -> str | None:
        return self._fernet.encrypt(value.encode()).decode() if value else None

    def _open(self, value: str | None) -> str | None:
        if not value:
            return None
        opened = self._opened.get(value)
        if opened is not None:
            return opened
        try:
            opened = self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            return None
        if len(self._opened) >= OPENED_KEPT:
            self._opened.clear()
        self._opened[value] = opened
        return opened

    def lock(self, office365_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(office365_id, threading.Lock())

    def save(self, org_id: str, office365_id: str, tokens: TokenSet, *, fresh: bool) -> None:
        """Store a token set (``fresh``: from a new consent, which clears any error)."""
        now = self.clock.timestamp()
        current = self.row(office365_id) or {}
        row = {
            "office365_id": office365_id,
            "org_id": org_id,
            "tenant_id": tokens.tenant_id or current.get("tenant_id"),
            "access_token": self._seal(tokens.access_token),
            "refresh_token": self._seal(tokens.refresh_token) or current.get("refresh_token"),
            "expires_at": now + tokens.expires_in,
            "scope": tokens.scope or current.get("scope"),
            "admin_upn": tokens.admin_upn or current.get("admin_upn"),
            "authorized_at": iso(self.clock.now()) if fresh else current.get("authorized_at"),
            "error": None,
            "error_message": None,
        }
        with self.store.transaction() as db:
            db.table("m365_grants").upsert(row, pk="office365_id")
        self.sink(org_id, office365_id, self.status(office365_id))

    def fail(self, office365_id: str, error: str, message: str) -> None:
        """Mark the grant broken: sync pauses until an admin reauthorizes."""
        row = self.row(office365_id)
        if row is None:
            return
        with self.store.transaction() as db:
            db.execute(
                "UPDATE m365_grants SET error = ?, error_message = ? WHERE office365_id = ?",
                (error, message, office365_id),
            )
        self.sink(row["org_id"], office365_id, self.status(office365_id))

    def status(self, office365_id: str) -> dict:
        """The ``oAuthStatus`` object (JCCLI reads ``error`` / ``errorMessage``)."""
        row = self.row(office365_id)
        if row is None:
            return {"status": "not_authorized", "error": None, "errorMessage": None}
        return {
            "status": "error" if row["error"] else "authorized",
            "expiresAt": _iso_ts(row["expires_at"]),
            "tenantId": row["tenant_id"],
            "authorizedBy": row["admin_upn"],
            "authorizedAt": row["authorized_at"],
            "error": row["error"],
            "errorMessage": row["error_message"],
        }

    def usable(self, office365_id: str) -> bool:
        row = self.row(office365_id)
        return bool(row and not row["error"] and row["access_token"])

    def tokens_for(self, office365_id: str) -> GrantTokens:
        return GrantTokens(self, office365_id)

    # -- refresh -----------------------------------------------------------------------------
    def current(self, office365_id: str, *, force_after: str | None = None) -> str:
        """A usable access token: the stored one, or a refreshed one when due (or when
        ``force_after`` is the stored token, i.e. Graph just rejected it)."""
        with self.lock(office365_id):
            row = self.row(office365_id)
            if row is None:
                raise AuthorizationLost("NotAuthorized", "The integration is not authorized")
            if row["error"]:
                raise AuthorizationLost(row["error"], row["error_message"] or row["error"])
            token = self._open(row["access_token"])
            due = (row["expires_at"] or 0) - REFRESH_MARGIN_SECONDS <= self.clock.timestamp()
            if token and not due and token != force_after:
                return token
            return self._refresh(row)

    def _refresh(self, row: dict) -> str:
        refresh_token = self._open(row["refresh_token"])
        if not refresh_token:
            self.fail(row["office365_id"], "invalid_grant", "No refresh token: reauthorize")
            raise AuthorizationLost("invalid_grant", "No refresh token")
        try:
            tokens = self.app.refresh(refresh_token, row["tenant_id"] or "organizations")
        except TokenError as exc:
            if exc.grant_lost:
                self.fail(row["office365_id"], exc.error, exc.description)
                raise AuthorizationLost(exc.aadsts, exc.description) from None
            raise GraphError(503, exc.error, exc.description) from None
        self.save(row["org_id"], row["office365_id"], tokens, fresh=False)
        return tokens.access_token


class GrantTokens:
    """The :class:`~.graphclient.TokenSource` of one instance."""

    def __init__(self, grants: Grants, office365_id: str) -> None:
        self.grants = grants
        self.office365_id = office365_id

    def access_token(self) -> str:
        return self.grants.current(self.office365_id)

    def refresh(self, rejected: str) -> str:
        return self.grants.current(self.office365_id, force_after=rejected)
