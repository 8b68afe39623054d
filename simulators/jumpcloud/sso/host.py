"""What the SSO routes reach: the lab context, the IdP's view of the model, decision records."""

from __future__ import annotations

from flask import current_app, g

from simulators.core.context import LabContext

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
        summary = ", ".join(f"{k}={v}" for k, v in details.items())
        self.ctx.journal.record(
            {
                "time": self.ctx.clock.state()["now"],
                "trace": g.get("trace"),
                "host": "sso",
                "method": "DECISION",
                "url": f"jumpcloud:{event} {summary}",
                "status": 200 if ok else 403,
                "duration_ms": 0,
                "decision": {"event": event, "ok": ok, **details},
            }
        )


def host() -> SsoHost:
    return current_app.extensions[EXTENSION]
