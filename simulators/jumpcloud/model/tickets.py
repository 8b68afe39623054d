"""One-time SSO tickets (the User Portal's proof of sign-in handed to the SSO host) and
sign-outs (a User Portal sign-out ends the user's JumpCloud sessions on the SSO host too)."""

from __future__ import annotations

import hashlib
import secrets

from .base import Backend

TICKET_LIFETIME_SECONDS = 60


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class Tickets:
    def __init__(self, backend: Backend) -> None:
        self.b = backend

    def mint(self, org_id: str, user_id: str, *, mfa_done: bool, auth_time: float) -> str:
        ticket = "ST-" + secrets.token_urlsafe(24)
        with self.b.tx():
            self.b.insert(
                "sso_tickets",
                {
                    "ticket_hash": _digest(ticket),
                    "org_id": org_id,
                    "user_id": user_id,
                    "mfa_done": 1 if mfa_done else 0,
                    "auth_time": auth_time,
                    "expires": self.b.clock.timestamp() + TICKET_LIFETIME_SECONDS,
                    "used": 0,
                },
            )
        return ticket

    def redeem(self, ticket: str) -> dict | None:
        """``{org_id, user_id, mfa_done, auth_time}`` once; None if unknown, used or expired."""
        with self.b.tx() as db:
            row = db.execute(
                "SELECT t.org_id, t.user_id, t.mfa_done, t.auth_time, t.expires, t.used "
                "FROM sso_tickets t JOIN orgs o ON o.id = t.org_id "
                "WHERE t.ticket_hash = ? AND o.deleted = 0",
                (_digest(ticket or ""),),
            ).fetchone()
            if row is None:
                return None
            org_id, user_id, mfa_done, auth_time, expires, used = row
            if used or expires <= self.b.clock.timestamp():
                return None
            db.execute("UPDATE sso_tickets SET used = 1 WHERE ticket_hash = ?", (_digest(ticket),))
        return {
            "org_id": org_id,
            "user_id": user_id,
            "mfa_done": bool(mfa_done),
            "auth_time": auth_time,
        }

    def sign_out(self, org_id: str, user_id: str) -> None:
        """End every JumpCloud session of the user: their session generation moves on."""
        with self.b.tx() as db:
            db.execute(
                "INSERT INTO signouts (org_id, user_id, generation) VALUES (?, ?, 1) "
                "ON CONFLICT (org_id, user_id) DO UPDATE SET generation = generation + 1",
                (org_id, user_id),
            )

    def generation(self, org_id: str, user_id: str) -> int:
        """The user's session generation: a session of an older generation has ended.

        A counter rather than a time, so sign-outs work with the lab clock frozen.
        """
        row = self.b.one(
            "SELECT generation FROM signouts WHERE org_id = ? AND user_id = ?", (org_id, user_id)
        )
        return row["generation"] if row else 0
