"""What the SSO routes reach: the lab context, the IdP's view of the model, decision records."""

from __future__ import annotations

from flask import current_app

from simulators.core.context import LabContext
from simulators.core.decisions import journal_decision

from .model import IdpDirectory, SamlApp

EXTENSION = "m365lab.jumpcloud.sso"


class SsoHost:
    """The IdP of one JumpCloud process."""

    def __init__(self, ctx: LabContext, directory: IdpDirectory) -> None:
        self.ctx = ctx
        self.directory = directory

    def url(self, label: str, suffix: str = "") -> str:
        return f"{self.ctx.url('sso')}/saml2/{label}{suffix}"

    def now(self) -> float:
        return self.ctx.clock.timestamp()

    def decision(self, app: SamlApp, event: str, ok: bool, **fields) -> None:
        """A decision of the IdP: JumpCloud's event log (Directory Insights) and the journal."""
        details = {"application": app.label, **{k: v for k, v in fields.items() if v is not None}}
        user_id = fields.get("user_id")
        self.directory.model.events.record(
            app.org_id,
            event,
            service="sso",
            success=ok,
            initiated_by={"type": "user", "id": user_id} if user_id else None,
            resource={"type": "application", "id": app.id, "name": app.display_label},
            details=details,
        )
        journal_decision(
            self.ctx,
            host="sso",
            namespace="jumpcloud",
            decision={"event": event, "ok": ok, **details},
            ok=ok,
            refused_status=403,
        )


def host() -> SsoHost:
    return current_app.extensions[EXTENSION]
