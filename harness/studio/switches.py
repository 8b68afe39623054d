"""Failure switches: each breaks (or mends) one thing through the lab's public APIs.

Every action is an ordinary API call (JumpCloud's admin API, Graph, the control plane), so it
shows in the timeline like any admin's change. ``reset_world`` is ``m365lab reset``: the
control plane's ``POST /_lab/reset`` on every process, then the default world built again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.lab.default_world import DefaultWorldError, rebuild
from harness.lab.federation import MFA_BEHAVIORS, read_metadata
from harness.studio.lab_api import LabApi, LabApiError
from harness.studio.people import find_person

CLOCK_SKEW_SECONDS = 600
DEFAULT_THROTTLE = 5
THROTTLE_RETRY_AFTER = 2


@dataclass(frozen=True)
class SwitchResult:
    """What a switch did, in a sentence for the trainer."""

    ok: bool
    message: str


@dataclass(frozen=True)
class Switch:
    """One button of the panel."""

    name: str
    label: str
    needs: str  # "person", "count", "behavior" or ""
    action: Callable[[LabApi, str], str]
    effect: str = ""
    """What the next sign-in (or sync) shows, for the trainer."""


def _jc_user_id(api: LabApi, username: str) -> str:
    users = api.jumpcloud("GET", "/systemusers", params={"limit": 100})["results"]
    for user in users:
        if user["username"] == username:
            return user["_id"]
    raise LabApiError(f"{username} has no JumpCloud account")


def _upn(username: str) -> str:
    person = find_person(username)
    if person is None:
        raise LabApiError(f"no person {username!r} in the default world")
    return person.email


def suspend(api: LabApi, username: str) -> str:
    api.jumpcloud("PUT", f"/systemusers/{_jc_user_id(api, username)}", json={"state": "SUSPENDED"})
    return f"{username} is suspended in JumpCloud"


def activate(api: LabApi, username: str) -> str:
    api.jumpcloud("PUT", f"/systemusers/{_jc_user_id(api, username)}", json={"state": "ACTIVATED"})
    return f"{username} is active in JumpCloud"


def _associate(api: LabApi, username: str, op: str) -> None:
    office365 = api.data["jumpcloud"]["office365_id"]
    body = {"op": op, "type": "user", "id": _jc_user_id(api, username)}
    api.jumpcloud("POST", f"/v2/office365s/{office365}/associations", json=body)


def bind(api: LabApi, username: str) -> str:
    _associate(api, username, "add")
    return f"{username} is bound to Microsoft 365 (JumpCloud exports the immutable ID)"


def unbind(api: LabApi, username: str) -> str:
    _associate(api, username, "remove")
    return f"{username} is no longer bound to Microsoft 365"


def _account(api: LabApi, username: str, enabled: bool) -> str:
    api.graph("PATCH", f"/users/{_upn(username)}", json={"accountEnabled": enabled})
    return f"{username}'s Microsoft account is {'enabled' if enabled else 'disabled'}"


def disable_account(api: LabApi, username: str) -> str:
    return _account(api, username, False)


def enable_account(api: LabApi, username: str) -> str:
    return _account(api, username, True)


def _federation(api: LabApi) -> tuple[str, dict]:
    domains = api.graph("GET", "/domains")["value"]
    for domain in domains:
        if domain.get("authenticationType") == "Federated":
            found = api.graph("GET", f"/domains/{domain['id']}/federationConfiguration")["value"]
            if found:
                return domain["id"], found[0]
    raise LabApiError("no domain of the tenant is federated")


def rotate_certificate(api: LabApi, _: str) -> str:
    app = api.data["jumpcloud"]["m365_sso_app_id"]
    api.jumpcloud("POST", f"/applications/{app}/rotate-certificate")
    return "JumpCloud signs with a new IdP certificate; Entra still trusts the old one"


def trust_next_certificate(api: LabApi, _: str) -> str:
    app = api.jumpcloud("GET", f"/applications/{api.data['jumpcloud']['m365_sso_app_id']}")
    import requests  # loaded by the session already; kept off the start-up path

    try:
        metadata = read_metadata(api.session, app["ssoUrl"].rstrip("/") + "/metadata")
    except requests.RequestException as exc:
        raise LabApiError(f"the IdP metadata could not be read: {exc}") from exc
    domain, fed = _federation(api)
    body = {"nextSigningCertificate": metadata.certificates_b64[0]}
    api.graph("PATCH", f"/domains/{domain}/federationConfiguration/{fed['id']}", json=body)
    return f"Entra trusts the IdP's new certificate as {domain}'s nextSigningCertificate"


def set_mfa_behavior(api: LabApi, behavior: str) -> str:
    if behavior not in MFA_BEHAVIORS:
        raise LabApiError(f"federatedIdpMfaBehavior must be one of {', '.join(MFA_BEHAVIORS)}")
    domain, fed = _federation(api)
    body = {"federatedIdpMfaBehavior": behavior}
    api.graph("PATCH", f"/domains/{domain}/federationConfiguration/{fed['id']}", json=body)
    return f"{domain}'s federatedIdpMfaBehavior is {behavior}"


SECURITY_DEFAULTS = "/policies/identitySecurityDefaultsEnforcementPolicy"


def _security_defaults(api: LabApi, enabled: bool) -> str:
    api.graph("PATCH", SECURITY_DEFAULTS, json={"isEnabled": enabled})
    if enabled:
        return "security defaults are on: Entra requires MFA of everyone"
    return "security defaults are off"


def require_mfa(api: LabApi, _: str) -> str:
    return _security_defaults(api, True)


def stop_requiring_mfa(api: LabApi, _: str) -> str:
    return _security_defaults(api, False)


def _skew(api: LabApi, seconds: int) -> str:
    # JumpCloud's process only: in a split lab its assertions then fall outside Entra's
    # window; in one process every host moves, and authenticator apps (real time) disagree.
    api.lab("PUT", "sso", "/clock", json={"offset_seconds": seconds})
    return (
        f"JumpCloud's clock is {abs(seconds) // 60} minutes {'ahead' if seconds > 0 else 'behind'}"
    )


def clock_ahead(api: LabApi, _: str) -> str:
    return _skew(api, CLOCK_SKEW_SECONDS)


def clock_behind(api: LabApi, _: str) -> str:
    return _skew(api, -CLOCK_SKEW_SECONDS)


def clock_reset(api: LabApi, _: str) -> str:
    api.control().each_process("PUT", "/_lab/clock", json={"reset": True})
    return "every clock of the lab shows real time again"


def revoke_consent(api: LabApi, _: str) -> str:
    # The grant belongs to the admin who authorized the integration; disabling that admin is
    # how Graph lets an admin script take it back here (Entra revokes the admin's refresh
    # tokens; the lab serves no /oauth2PermissionGrants).
    admin = api.data["microsoft"]["global_admin"]["upn"]
    api.graph("PATCH", f"/users/{admin}", json={"accountEnabled": False})
    return f"the integration's consent is gone: {admin}, who granted it, is disabled"


def throttle_graph(api: LabApi, count: str) -> str:
    try:
        budget = int(count or DEFAULT_THROTTLE)
    except ValueError as exc:
        raise LabApiError("the number of throttled requests must be a whole number") from exc
    if not 1 <= budget <= 1000:
        raise LabApiError("the number of throttled requests must be between 1 and 1000")
    rule = {"host": "graph", "path": "/v1.0/*", "status": 429, "count": budget,
            "retry_after": THROTTLE_RETRY_AFTER, "code": "TooManyRequests"}  # fmt: skip
    api.lab("PUT", "graph", "/faults", json={"rules": [rule]})
    return f"Graph answers the next {budget} requests with 429 (Retry-After {THROTTLE_RETRY_AFTER})"


def reset_world(api: LabApi, _: str) -> str:
    api.control().reset()
    try:
        rebuilt = rebuild(api.descriptor)
    except DefaultWorldError as exc:
        raise LabApiError(
            f"the lab was reset but the default world was not rebuilt: {exc}"
        ) from exc
    return "the lab was reset" + (" and the default world built again" if rebuilt else "")


SWITCHES = (
    Switch("suspend", "Suspend in JumpCloud", "person", suspend,
           "JumpCloud refuses the person's SSO (jumpcloud:suspended)"),
    Switch("activate", "Activate in JumpCloud", "person", activate,
           "the person may use SSO again"),
    Switch("bind", "Bind to Microsoft 365", "person", bind,
           "JumpCloud exports the person and sets the immutable ID Entra matches the NameID with"),
    Switch("unbind", "Unbind from Microsoft 365", "person", unbind,
           "JumpCloud stops managing the Microsoft account"),
    Switch("disable-account", "Disable the Microsoft account", "person", disable_account,
           "Entra refuses the sign-in (AADSTS50057)"),
    Switch("enable-account", "Enable the Microsoft account", "person", enable_account,
           "Entra lets the person in again"),
    Switch("rotate-certificate", "Rotate the IdP certificate", "", rotate_certificate,
           "JumpCloud signs with a new key Entra does not know: federated sign-ins fail"),
    Switch("trust-next-certificate", "Fix: set nextSigningCertificate", "",
           trust_next_certificate,
           "Entra trusts the IdP's new certificate too: federated sign-ins work again"),
    Switch("clock-ahead", "JumpCloud clock +10 min", "", clock_ahead,
           "TOTP codes from a phone no longer match; in a split lab assertions are out of time"),
    Switch("clock-behind", "JumpCloud clock -10 min", "", clock_behind,
           "the same, ten minutes the other way"),
    Switch("clock-reset", "Reset the clocks", "", clock_reset, "every clock shows real time"),
    Switch("revoke-consent", "Revoke the integration's consent", "", revoke_consent,
           "once its access token expires, JumpCloud's pushes to Microsoft 365 fail"),
    Switch("throttle-graph", "Throttle Graph (429)", "count", throttle_graph,
           "the next N Graph calls get 429 with Retry-After; the integration retries"),
    Switch("require-mfa", "Require MFA in Entra (security defaults)", "", require_mfa,
           "Entra wants MFA: from JumpCloud's claim (Dave) or its own (everyone else)"),
    Switch("stop-requiring-mfa", "Turn security defaults off", "", stop_requiring_mfa,
           "Entra no longer requires MFA"),
    Switch("mfa-behavior", "Set federatedIdpMfaBehavior", "behavior", set_mfa_behavior,
           "whether Entra accepts, demands or ignores the IdP's MFA (when MFA is required)"),
    Switch("reset-world", "Reset the world", "", reset_world,
           "wipe the lab and build the default world again (a few seconds)"),
)  # fmt: skip
BY_NAME = {s.name: s for s in SWITCHES}


def flip(api: LabApi, name: str, argument: str) -> SwitchResult:
    """Run the switch ``name``; a failure comes back as a result, never raised."""
    switch = BY_NAME.get(name)
    if switch is None:
        return SwitchResult(False, f"there is no switch {name!r}")
    import requests  # loaded by the session already; kept off the start-up path

    try:
        return SwitchResult(True, switch.action(api, argument))
    except (LabApiError, requests.RequestException) as exc:
        return SwitchResult(False, f"{switch.label}: {exc}")
