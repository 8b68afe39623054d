"""Who the IdP answers for (no Flask): a usable session, then the user's access to the app."""

from __future__ import annotations

from simulators.jumpcloud.model.records import SystemUser

from .errors import SsoRefusal
from .flows import Flow, SsoSession
from .model import IdpDirectory, SamlApp


def session_usable(session: SsoSession | None, app: SamlApp, flow: Flow, now: float) -> bool:
    """A live session of the app's organization; under ForceAuthn, only one the user signed in
    to again for this flow (``fresh_signin``)."""
    return (
        session is not None
        and session.valid(now)
        and session.org_id == app.org_id
        and not (flow.force_authn and not flow.reauthenticated)
    )


def fresh_signin(flow: Flow, auth_time: float) -> bool:
    """ForceAuthn is satisfied by a sign-in made after the request arrived."""
    return flow.force_authn and auth_time >= flow.started


def refusal_for(directory: IdpDirectory, app: SamlApp, user: SystemUser) -> SsoRefusal | None:
    """Why ``user`` may not get an assertion for ``app`` (None: they may)."""
    if user.get("suspended") or user.get("state") == "SUSPENDED":
        return SsoRefusal("suspended")
    if not directory.is_assigned(app.org_id, user["_id"], app.id):
        return SsoRefusal("not_assigned")
    return None


def needs_step_up(flow: Flow, session: SsoSession) -> bool:
    """The SP asked for multi-factor authentication and this session has not done it."""
    return flow.wants_mfa and not session.mfa
