"""The sign-in state machine: account, password, password change, MFA, consent, then a code.

A pending sign-in (``oauth.pending_signins``) carries the authorize request through the pages.
``complete_signin`` is the one entry point after the user proved who they are (password here,
a SAML assertion at ``/login.srf``); ``continue_signin`` runs every later step.
"""

from __future__ import annotations

from flask import Response, g
from flask import session as cookie

from simulators.core import totp
from simulators.core.passwords import verify_password
from simulators.microsoft.entra import pages
from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import deliver, error_page, redirect_with_error
from simulators.microsoft.entra.federation import begin_federated_signin
from simulators.microsoft.ids import GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE
from simulators.microsoft.model.apps import ALL_PRINCIPALS
from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.permissions import needs_admin_consent
from simulators.microsoft.services import Services, services

SESSION_KEY = "ms_sso"
_STARTED = "ms_started_session"
"""``flask.g`` key: the Entra session this request started, so it is not read back."""
ADMIN_ROLES = {GLOBAL_ADMIN_ROLE}
CONSENT_ADMIN_ROLES = {GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE}


# -- lookups other parts of the login host use ----------------------------------------------
def load_pending(pending_id: str | None) -> dict | None:
    """The pending sign-in named by a form's ``ctx`` or a SAML RelayState (None if expired)."""
    return services().directory.oauth.pending(pending_id or "")


def current_session() -> dict | None:
    """The browser's Entra session (the SSO cookie of the login host)."""
    oauth = services().directory.oauth
    session_id = cookie.get(SESSION_KEY)
    started = g.get(_STARTED)
    if started is not None and started["id"] == session_id and oauth.session_live(started):
        return started
    return oauth.session(session_id)


def start_session(tenant_id: str, user_id: str, amr: list[str]) -> None:
    """Start the browser's Entra session and set the SSO cookie to it."""
    session = services().directory.oauth.new_session(tenant_id, user_id, amr)
    cookie[SESSION_KEY] = session["id"]
    setattr(g, _STARTED, session)


def end_session() -> None:
    """Sign the browser out of Entra: revoke its session and drop the SSO cookie."""
    g.pop(_STARTED, None)
    services().directory.oauth.end_session(cookie.pop(SESSION_KEY, None))


def is_admin(user: dict) -> bool:
    return bool(set(_roles(user)) & ADMIN_ROLES)


def _roles(user: dict) -> list[str]:
    import json

    roles = user.get("roles") or "[]"
    return json.loads(roles) if isinstance(roles, str) else list(roles)


def expired_context() -> Response:
    return error_page(AadstsError(9002313, detail="the sign-in context is unknown or has expired."))


# -- logging -------------------------------------------------------------------------------
def record(
    pending: dict,
    result: str,
    *,
    user: dict | None = None,
    upn: str | None = None,
    err: AadstsError | None = None,
) -> None:
    """Every decision: the tenant's sign-in log and the lab journal."""
    svc = services()
    svc.directory.oauth.log_signin(
        tenant_id=pending.get("tenant_id") or (user or {}).get("tenant_id"),
        user=user,
        upn=upn,
        client_id=pending["params"].get("client_id"),
        result=result,
        error_code=err.code if err else None,
        sub_reason=err.sub_reason if err else None,
        correlation_id=pending["correlation_id"],
    )
    svc.journal(
        "signin",
        ok=err is None,
        result=result,
        upn=upn or (user or {}).get("userPrincipalName"),
        client_id=pending["params"].get("client_id"),
        aadsts=err.code if err else None,
        correlation_id=pending["correlation_id"],
    )


def fail(pending: dict, err: AadstsError, *, user: dict | None = None, upn=None) -> Response:
    """Stop the sign-in on Microsoft's error page."""
    record(pending, "failure", user=user, upn=upn, err=err)
    return error_page(err, pending["correlation_id"])


def fail_to_client(pending: dict, err: AadstsError, *, user: dict | None = None) -> Response:
    """Stop the sign-in and tell the client on its redirect URI."""
    record(pending, "failure", user=user, err=err)
    params = pending["params"]
    return redirect_with_error(
        params["redirect_uri"],
        err,
        state=params.get("state"),
        response_mode=params.get("response_mode", "query"),
        correlation=pending["correlation_id"],
    )


# -- the account and password steps ----------------------------------------------------------
def _find_account(svc: Services, pending: dict, upn: str) -> tuple[dict, dict]:
    """(tenant, domain row) owning the name; AADSTS50034 when no tenant of ours owns it."""
    domain_name = upn.rpartition("@")[2]
    owner = svc.directory.tenants.verified_domain_owner(domain_name) if domain_name else None
    if (
        owner is not None
        and pending.get("tenant_id")
        and owner["tenant_id"] != pending["tenant_id"]
    ):
        owner = None
    tenant = svc.directory.tenants.get(owner["tenant_id"]) if owner else None
    if owner is None or tenant is None:
        raise AadstsError(50034, upn=upn, tenant=pending["tenant_segment"])
    return tenant, owner


def submit_username(pending: dict, upn: str) -> Response:
    """Home-realm discovery for the typed name: federated hand-off, password page or 50034."""
    svc = services()
    upn = (upn or "").strip()
    try:
        tenant, domain = _find_account(svc, pending, upn)
    except AadstsError as err:
        record(pending, "failure", upn=upn, err=err)
        return pages.username_page(pending, login_hint=upn, error=err)
    if domain["authentication_type"] == "Federated":
        return begin_federated_signin(tenant, domain, upn, pending)
    user = svc.directory.users.get(tenant["id"], upn)
    if user is None:
        err = AadstsError(50034, upn=upn, tenant=tenant["initial_domain"])
        record(pending, "failure", upn=upn, err=err)
        return pages.username_page(pending, login_hint=upn, error=err)
    return pages.password_page(pending, user["userPrincipalName"])


def submit_password(pending: dict, upn: str, password: str) -> Response:
    """Check a managed user's password (lockout, 50126, 50057), then complete the sign-in."""
    svc = services()
    users = svc.directory.users
    try:
        tenant, domain = _find_account(svc, pending, (upn or "").strip())
    except AadstsError as err:
        record(pending, "failure", upn=upn, err=err)
        return pages.username_page(pending, login_hint=upn, error=err)
    if domain["authentication_type"] == "Federated":
        return begin_federated_signin(tenant, domain, upn, pending)
    user = users.get(tenant["id"], (upn or "").strip())
    if user is None:
        return submit_username(pending, upn)
    if users.is_locked(user):
        err = AadstsError(50053, sub_reason="IdsLocked")
        record(pending, "failure", user=user, err=err)
        return pages.password_page(pending, user["userPrincipalName"], error=err)
    if not verify_password(password or "", user.get("password_hash")):
        locked = users.record_failed_password(tenant["id"], user)
        err = AadstsError(50053 if locked else 50126)
        record(pending, "failure", user=user, err=err)
        return pages.password_page(pending, user["userPrincipalName"], error=err)
    users.record_good_password(tenant["id"], user)
    if not user["accountEnabled"]:
        return fail(pending, AadstsError(50057), user=user)
    return complete_signin(pending, user, ["pwd"])


# -- after primary authentication -----------------------------------------------------------
def complete_signin(
    pending: dict | str, user: dict, amr: list[str], *, tenant_id: str | None = None
) -> Response:
    """The user of ``pending`` is authenticated (``amr`` e.g. ["pwd"] or ["pwd","mfa"]).

    Starts the browser session (SSO), then runs the remaining steps (password change, MFA,
    consent) and ends with the code (or consent) redirect to the client. ``pending`` may be
    the pending sign-in or its id (the SAML RelayState); it is saved with its ``params`` as
    given (the caller may have changed them, e.g. a SAML request id now answered).
    """
    svc = services()
    if isinstance(pending, str):
        loaded = load_pending(pending)
        if loaded is None:
            return expired_context()
        pending = loaded
    tenant_id = tenant_id or user["tenant_id"]
    start_session(tenant_id, user["id"], amr)
    svc.directory.oauth.update_pending(
        pending["id"], tenant_id=tenant_id, user_id=user["id"], amr=amr, params=pending["params"]
    )
    pending = {**pending, "tenant_id": tenant_id, "user_id": user["id"], "amr": list(amr)}
    record(pending, "primary_auth", user=user)
    return continue_signin(pending, user)


def continue_signin(pending: dict, user: dict | None = None) -> Response:
    """Run the next step the signed-in user still owes, or finish.

    ``user`` is the signed-in user when the caller has just read it (else it is looked up).
    """
    svc = services()
    directory = svc.directory
    params = pending["params"]
    tenant_id = pending["tenant_id"]
    interactive = params.get("prompt") != "none"
    if user is None and pending.get("user_id"):
        user = directory.users.get(tenant_id, pending["user_id"])
    if user is None:
        return fail(pending, AadstsError(50034, upn="", tenant=tenant_id))
    app = directory.apps.get(tenant_id, params["client_id"])
    if app is None:
        return fail(pending, AadstsError(700016, client_id=params["client_id"], tenant=tenant_id))
    if not user["accountEnabled"]:
        return fail(pending, AadstsError(50057), user=user)
    domain = directory.tenants.domain(tenant_id, user["userPrincipalName"].rpartition("@")[2])
    federated = bool(domain and domain["authentication_type"] == "Federated")
    amr = pending["amr"]

    if "pwd" in amr and not federated and not params.get("password_ok"):
        expired = directory.users.password_expired(tenant_id, user)
        if expired or user["force_change"]:
            if not interactive:
                return fail_to_client(pending, AadstsError(50055), user=user)
            if expired:
                record(pending, "interrupted", user=user, err=AadstsError(50055))
            return pages.change_password_page(pending, user["userPrincipalName"], expired=expired)

    if _needs_mfa(svc, pending, user, federated):
        if not interactive:
            return fail_to_client(pending, AadstsError(50076), user=user)
        if user.get("totp_secret"):
            return pages.mfa_page(pending, user["userPrincipalName"])
        return _registration_page(svc, pending, user)

    if pending["kind"] == "adminconsent":
        if not is_admin(user):
            return fail(pending, AadstsError(90094, app_name=app["display_name"]), user=user)
        if not params.get("consented"):
            scopes = app["application_permissions"] + app["delegated_scopes"]
            return pages.consent_page(
                pending, user["userPrincipalName"], app["display_name"], scopes,
                is_admin=True, admin_only=True,
            )  # fmt: skip
        return _finish_admin_consent(svc, pending, user, app)

    # First-party apps never show consent, so their grants need not be read.
    missing = set() if app["first_party"] else missing_consent(svc, pending, user, app)
    wants_prompt = params.get("prompt") == "consent" and not params.get("consented")
    if (missing or wants_prompt) and not app["first_party"]:
        if not interactive:
            err = AadstsError(65001, client_id=app["client_id"], app_name=app["display_name"])
            return fail_to_client(pending, err, user=user)
        if needs_an_admin(user, missing):
            record(pending, "admin_approval_needed", user=user)
            return pages.admin_approval_page(
                pending, user["userPrincipalName"], app["display_name"],
                sorted(s for s in missing if needs_admin_consent(s)),
            )  # fmt: skip
        return pages.consent_page(
            pending,
            user["userPrincipalName"],
            app["display_name"],
            requested_graph_scopes(pending, app) or sorted(missing),
            is_admin=bool(set(_roles(user)) & CONSENT_ADMIN_ROLES),
            admin_only=False,
        )
    return _issue_code(svc, pending, user, app)


def needs_an_admin(user: dict, missing: set[str]) -> bool:
    """A user who is no consent administrator cannot grant scopes that need admin consent."""
    can_consent_for_all = bool(set(_roles(user)) & CONSENT_ADMIN_ROLES)
    return not can_consent_for_all and any(needs_admin_consent(s) for s in missing)


def requested_graph_scopes(pending: dict, app: dict) -> list[str]:
    """Graph scopes the request asks for (``.default`` means the app's configured scopes)."""
    params = pending["params"]
    scopes = list(params.get("graph_scopes") or [])
    if params.get("default_scope"):
        scopes += [s for s in app["delegated_scopes"] if s not in scopes]
    return scopes


def missing_consent(svc: Services, pending: dict, user: dict, app: dict) -> set[str]:
    granted = svc.directory.apps.delegated_scopes(
        pending["tenant_id"], app["client_id"], user["id"]
    )
    return set(requested_graph_scopes(pending, app)) - granted


def _needs_mfa(svc: Services, pending: dict, user: dict, federated: bool) -> bool:
    if pending["params"].get("entra_mfa"):
        return False
    if not user["mfa_required"] and not _security_defaults(svc, pending["tenant_id"]):
        return False
    if "mfa" not in pending["amr"]:
        return True
    if not federated:
        return False
    domain = user["userPrincipalName"].rpartition("@")[2]
    federation = svc.directory.tenants.federation(pending["tenant_id"], domain) or {}
    return federation.get("federatedIdpMfaBehavior") == "rejectMfaByFederatedIdp"


def _security_defaults(svc: Services, tenant_id: str) -> bool:
    """The tenant's security defaults make MFA a requirement for every user."""
    tenant = svc.directory.tenants.get(tenant_id)
    return bool(tenant and tenant.get("security_defaults"))


def _totp_uri(secret: str, user: dict) -> str:
    return totp.provisioning_uri(secret, user["userPrincipalName"], "Microsoft")


def _registration_page(svc: Services, pending: dict, user: dict) -> Response:
    params = pending["params"]
    secret = params.get("mfa_secret")
    if not secret:
        secret = totp.new_secret()
        svc.directory.oauth.update_pending(pending["id"], params={**params, "mfa_secret": secret})
    uri = _totp_uri(secret, user)
    record(pending, "interrupted", user=user, err=AadstsError(50079))
    return pages.mfa_register_page(pending, user["userPrincipalName"], secret, uri)


# -- the later pages' submissions ------------------------------------------------------------
def _signed_in_user(pending: dict) -> dict | None:
    if not pending.get("user_id") or not pending.get("tenant_id"):
        return None
    return services().directory.users.get(pending["tenant_id"], pending["user_id"])


def submit_password_change(pending: dict, current: str, new: str, confirm: str) -> Response:
    svc = services()
    user = _signed_in_user(pending)
    if user is None:
        return expired_context()
    expired = svc.directory.users.password_expired(pending["tenant_id"], user)
    upn = user["userPrincipalName"]

    def again(code: str, message: str) -> Response:
        return pages.change_password_page(
            pending, upn, expired=expired, error={"code": code, "message": message}
        )

    if not verify_password(current or "", user.get("password_hash")):
        return again("AADSTS50126", "Your current password is incorrect.")
    if not new or new != confirm:
        return again("PasswordMismatch", "The passwords don't match.")
    if new == current:
        return again("PasswordReuse", "You can't reuse your current password.")
    try:
        svc.directory.users.change_password(pending["tenant_id"], user, new)
    except DirectoryError as exc:
        return again("PasswordComplexity", exc.message)
    params = {**pending["params"], "password_ok": True}
    svc.directory.oauth.update_pending(pending["id"], params=params)
    record({**pending, "params": params}, "password_changed", user=user)
    return continue_signin({**pending, "params": params})


def _totp_ok(secret: str, code: str) -> bool:
    return totp.verify(secret, code, services().ctx.clock.now())


def submit_mfa(pending: dict, code: str) -> Response:
    user = _signed_in_user(pending)
    if user is None:
        return expired_context()
    if not user.get("totp_secret") or not _totp_ok(user["totp_secret"], code):
        err = AadstsError(50074, sub_reason="InvalidOtc")
        record(pending, "failure", user=user, err=err)
        return pages.mfa_page(pending, user["userPrincipalName"], error=err)
    return _mfa_done(pending, user)


def submit_mfa_registration(pending: dict, code: str) -> Response:
    svc = services()
    user = _signed_in_user(pending)
    secret = pending["params"].get("mfa_secret")
    if user is None or not secret:
        return expired_context()
    if not _totp_ok(secret, code):
        err = AadstsError(50074, sub_reason="InvalidOtc")
        record(pending, "failure", user=user, err=err)
        uri = _totp_uri(secret, user)
        return pages.mfa_register_page(pending, user["userPrincipalName"], secret, uri, error=err)
    svc.directory.users.set_columns(pending["tenant_id"], user["id"], {"totp_secret": secret})
    record(pending, "mfa_registered", user=user)
    return _mfa_done(pending, user)


def _mfa_done(pending: dict, user: dict) -> Response:
    svc = services()
    oauth = svc.directory.oauth
    amr = [*pending["amr"], "mfa"] if "mfa" not in pending["amr"] else list(pending["amr"])
    params = {**pending["params"], "entra_mfa": True}
    oauth.update_pending(pending["id"], amr=amr, params=params)
    end_session()
    start_session(pending["tenant_id"], user["id"], amr)
    pending = {**pending, "amr": amr, "params": params}
    record(pending, "mfa_passed", user=user)
    return continue_signin(pending)


def submit_consent(pending: dict, decision: str, consent_org: bool) -> Response:
    svc = services()
    user = _signed_in_user(pending)
    if user is None:
        return expired_context()
    params = pending["params"]
    app = svc.directory.apps.get(pending["tenant_id"], params["client_id"])
    if app is None:
        return expired_context()
    if pending["kind"] != "adminconsent" and needs_an_admin(
        user, missing_consent(svc, pending, user, app)
    ):
        # "Return to the application without granting consent" (or a forged accept)
        err = AadstsError(90094, app_name=app["display_name"])
        return fail_to_client(pending, err, user=user)
    if decision != "accept":
        err = AadstsError(65004)
        if pending["kind"] == "adminconsent":
            record(pending, "failure", user=user, err=err)
            return redirect_with_error(
                params["redirect_uri"], err, state=params.get("state"),
                response_mode="query", correlation=pending["correlation_id"],
            )  # fmt: skip
        return fail_to_client(pending, err, user=user)
    if pending["kind"] != "adminconsent":
        org = consent_org and bool(set(_roles(user)) & CONSENT_ADMIN_ROLES)
        principal = ALL_PRINCIPALS if org else user["id"]
        scopes = requested_graph_scopes(pending, app)
        svc.directory.apps.grant_delegated(
            pending["tenant_id"], app["client_id"], principal, scopes
        )
        record(pending, "consent_granted", user=user)
    params = {**params, "consented": True}
    svc.directory.oauth.update_pending(pending["id"], params=params)
    return continue_signin({**pending, "params": params})


# -- the end of a sign-in --------------------------------------------------------------------
def _issue_code(svc: Services, pending: dict, user: dict, app: dict) -> Response:
    params = pending["params"]
    oauth = svc.directory.oauth
    session = current_session()
    code = oauth.new_code(
        tenant_id=pending["tenant_id"],
        client_id=params["client_id"],
        user_id=user["id"],
        redirect_uri=params["redirect_uri"],
        scopes=list(params.get("oidc_scopes") or []) + requested_graph_scopes(pending, app),
        nonce=params.get("nonce"),
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method"),
        amr=pending["amr"],
        auth_time=session["auth_time"] if session else oauth.now_ts(),
    )  # fmt: skip
    oauth.update_pending(pending["id"], done=1)
    record(pending, "success", user=user)
    out = {"code": code}
    if params.get("state") is not None:
        out["state"] = params["state"]
    out["session_state"] = pending["correlation_id"]
    return deliver(params["redirect_uri"], out, params.get("response_mode") or "query")


def _finish_admin_consent(svc: Services, pending: dict, user: dict, app: dict) -> Response:
    params = pending["params"]
    apps = svc.directory.apps
    apps.grant_app_roles(pending["tenant_id"], app["client_id"], app["application_permissions"])
    apps.grant_delegated(
        pending["tenant_id"], app["client_id"], ALL_PRINCIPALS, app["delegated_scopes"]
    )
    svc.directory.oauth.update_pending(pending["id"], done=1)
    record(pending, "admin_consent", user=user)
    out = {
        "admin_consent": "True",
        "tenant": pending["tenant_id"],
        "scope": params.get("scope") or "",
    }
    if params.get("state") is not None:
        out["state"] = params["state"]
    return deliver(params["redirect_uri"], out, "query")
