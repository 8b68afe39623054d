"""The IdP's browser state on the ``sso`` host: its own session and the requests in flight.

Both live in the host's signed session cookie: ``sso_user`` (who signed in, when, whether MFA
was done) and ``sso_flows`` (each AuthnRequest or IdP-initiated launch waiting for the user to
sign in at the console, keyed by a random flow id that travels in the resume URL).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from flask import session as cookie

SESSION_KEY = "sso_user"
FLOWS_KEY = "sso_flows"
SESSION_SECONDS = 12 * 3600
MAX_FLOWS = 8


@dataclass(frozen=True)
class SsoSession:
    """A JumpCloud session on the SSO host (set from a redeemed console ticket)."""

    org_id: str
    user_id: str
    mfa: bool
    auth_time: float
    generation: int = 0
    """The user's session generation when it started (a User Portal sign-out ends it)."""

    def valid(self, now: float) -> bool:
        return self.auth_time + SESSION_SECONDS > now


@dataclass(frozen=True)
class Flow:
    """One sign-in the IdP must answer: where to, in response to what, with which RelayState."""

    id: str
    label: str
    acs_url: str
    in_response_to: str | None
    relay_state: str | None
    wants_mfa: bool
    force_authn: bool
    is_passive: bool
    started: float
    reauthenticated: bool = False
    """ForceAuthn: the user signed in again at the console for this flow."""
    logins: int = 0
    """How many times this flow sent the browser to the console sign-in."""


def _plain(record: SsoSession | Flow) -> dict:
    """The record as a cookie value: ``asdict`` without its recursive deep copy (every field is
    a flat, immutable value)."""
    return dict(vars(record))


def current_session() -> SsoSession | None:
    data = cookie.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return SsoSession(**data)
    except TypeError:
        return None


def start_session(session: SsoSession) -> None:
    cookie[SESSION_KEY] = _plain(session)


def end_session() -> None:
    cookie.pop(SESSION_KEY, None)


def mark_mfa_done(session: SsoSession) -> SsoSession:
    done = SsoSession(session.org_id, session.user_id, True, session.auth_time, session.generation)
    start_session(done)
    return done


def save_flow(**fields) -> Flow:
    """Remember a new flow (the oldest are dropped beyond ``MAX_FLOWS``)."""
    flow = Flow(id=secrets.token_urlsafe(9), **fields)
    flows = dict(cookie.get(FLOWS_KEY) or {})
    flows[flow.id] = _plain(flow)
    while len(flows) > MAX_FLOWS:
        oldest = min(flows, key=lambda k: flows[k]["started"])
        del flows[oldest]
    cookie[FLOWS_KEY] = flows
    return flow


def load_flow(flow_id: str | None, label: str) -> Flow | None:
    data = (cookie.get(FLOWS_KEY) or {}).get(flow_id or "")
    if not isinstance(data, dict) or data.get("label") != label:
        return None
    try:
        return Flow(**data)
    except TypeError:
        return None


def update_flow(flow: Flow, **changes) -> Flow:
    """Store a changed copy of ``flow`` under the same id."""
    updated = replace(flow, **changes)
    flows = dict(cookie.get(FLOWS_KEY) or {})
    flows[flow.id] = _plain(updated)
    cookie[FLOWS_KEY] = flows
    return updated


def finish_flow(flow: Flow) -> None:
    flows = dict(cookie.get(FLOWS_KEY) or {})
    flows.pop(flow.id, None)
    cookie[FLOWS_KEY] = flows
