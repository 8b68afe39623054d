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
        self.backend = backend

    def mint(self, org_id: str, user_id: str, *, mfa_done: bool, auth_time: float) -> str:
        ticket = "ST-" + secrets.token_urlsafe(24)
        self.backend.insert(
            "sso_tickets",
            {
                "ticket_hash": _digest(ticket),
                "org_id": org_id,
                "user_id": user_id,
                "mfa_done": 1 if mfa_done else 0,
                "auth_time": auth_time,
                "expires": self.backend.clock.timestamp() + TICKET_LIFETIME_SECONDS,
                "used": 0,
            },
        )
        return ticket

    def redeem(self, ticket: str) -> dict | None:
        """``{org_id, user_id, mfa_done, auth_time}`` once; None if unknown, used or expired."""
        # One atomic statement: only a fresh, unused ticket of a live organization is spent.
        rows = self.backend.all(
            "UPDATE sso_tickets SET used = 1 WHERE ticket_hash = ? AND used = 0 AND expires > ? "
            "AND EXISTS (SELECT 1 FROM orgs o WHERE o.id = sso_tickets.org_id AND o.deleted = 0) "
            "RETURNING org_id, user_id, mfa_done, auth_time",
            (_digest(ticket or ""), self.backend.clock.timestamp()),
        )
        if not rows:
            return None
        found = rows[0]
        return {
            "org_id": found["org_id"],
            "user_id": found["user_id"],
            "mfa_done": bool(found["mfa_done"]),
            "auth_time": found["auth_time"],
        }

    def sign_out(self, org_id: str, user_id: str) -> None:
        """End every JumpCloud session of the user: their session generation moves on."""
        with self.backend.tx() as db:
            db.execute(
                "INSERT INTO signouts (org_id, user_id, generation) VALUES (?, ?, 1) "
                "ON CONFLICT (org_id, user_id) DO UPDATE SET generation = generation + 1",
                (org_id, user_id),
            )

    def generation(self, org_id: str, user_id: str) -> int:
        """The user's session generation: a session of an older generation has ended.

        A counter rather than a time, so sign-outs work with the lab clock frozen.
        """
        row = self.backend.one(
            "SELECT generation FROM signouts WHERE org_id = ? AND user_id = ?", (org_id, user_id)
        )
        return row["generation"] if row else 0
