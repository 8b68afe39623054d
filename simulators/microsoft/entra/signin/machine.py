"""The sign-in state machine: account, password, password change, MFA, consent, then a code.

A pending sign-in (``oauth.pending_signins``) carries the authorize request through the pages.
``complete`` is the one entry point after the user proved who they are (password here, a SAML
assertion at ``/login.srf``); ``proceed`` runs every later step. Every method takes parsed
input and returns an ``Outcome``; the browser's Entra session is kept on the machine
(``session_id``, ``session_changed``) for the HTTP layer to write to the SSO cookie.
"""

from __future__ import annotations

from collections.abc import Callable

from simulators.core import totp
from simulators.core.passwords import verify_password
from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.signin.consent import (
    is_admin,
    is_consent_admin,
    missing_consent,
    needs_an_admin,
    requested_graph_scopes,
)
from simulators.microsoft.entra.signin.outcomes import (
    Deliver,
    ErrorToClient,
    Federate,
    Outcome,
    Page,
    ShowError,
    ShowPage,
)
from simulators.microsoft.model.apps import ALL_PRINCIPALS
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.permissions import needs_admin_consent

Journal = Callable[..., None]
"""``journal(event, *, ok, **fields)``: the lab journal's decision record."""

TOTP_ISSUER = "Microsoft"


def expired_context() -> ShowError:
    return ShowError(AadstsError(9002313, detail="the sign-in context is unknown or has expired."))


class SignInMachine:
    """One request's view of Entra's sign-in: the directory, the journal, the browser session."""

    def __init__(self, directory: Directory, journal: Journal, session_id: str | None) -> None:
        self.directory = directory
        self.journal = journal
        self.session_id = session_id
        self.session_changed = False
        self._started: dict | None = None

    # -- the browser's Entra session ------------------------------------------------------
    def current_session(self) -> dict | None:
        """The live session of the SSO cookie (the one this request started is not re-read)."""
        oauth = self.directory.oauth
        started = self._started
        if started is not None and started["id"] == self.session_id and oauth.session_live(started):
            return started
        return oauth.session(self.session_id)

    def start_session(self, tenant_id: str, user_id: str, amr: list[str]) -> dict:
        self._started = self.directory.oauth.new_session(tenant_id, user_id, amr)
        self.session_id, self.session_changed = self._started["id"], True
        return self._started

    def end_session(self) -> None:
        """Sign the browser out of Entra: revoke its session."""
        self.directory.oauth.end_session(self.session_id)
        self._started, self.session_id, self.session_changed = None, None, True

    def load_pending(self, pending_id: str | None) -> dict | None:
        """The pending sign-in named by a form's ``ctx`` or a SAML RelayState (None if expired)."""
        return self.directory.oauth.pending(pending_id or "")

    # -- logging -------------------------------------------------------------------------
    def record(
        self,
        pending: dict,
        result: str,
        *,
        user: EntraUserRow | None = None,
        upn: str | None = None,
        err: AadstsError | None = None,
    ) -> None:
        """Every decision: the tenant's sign-in log and the lab journal."""
        client_id = pending["params"].get("client_id")
        self.directory.oauth.log_signin(
            tenant_id=pending.get("tenant_id") or (user["tenant_id"] if user else None),
            user=user,
            upn=upn,
            client_id=client_id,
            result=result,
            error_code=err.code if err else None,
            sub_reason=err.sub_reason if err else None,
            correlation_id=pending["correlation_id"],
        )
        self.journal(
            "signin",
            ok=err is None,
            result=result,
            upn=upn or (user["userPrincipalName"] if user else None),
            client_id=client_id,
            aadsts=err.code if err else None,
            correlation_id=pending["correlation_id"],
        )

    def fail(
        self,
        pending: dict,
        err: AadstsError,
        *,
        user: EntraUserRow | None = None,
        upn: str | None = None,
    ) -> ShowError:
        """Stop the sign-in on Microsoft's error page."""
        self.record(pending, "failure", user=user, upn=upn, err=err)
        return ShowError(err, pending["correlation_id"])

    def fail_to_client(
        self, pending: dict, err: AadstsError, *, user: EntraUserRow | None = None
    ) -> ErrorToClient:
        """Stop the sign-in and tell the client on its redirect URI."""
        self.record(pending, "failure", user=user, err=err)
        return self._to_client(pending, err, pending["params"].get("response_mode", "query"))

    @staticmethod
    def _to_client(pending: dict, err: AadstsError, response_mode: str) -> ErrorToClient:
        params = pending["params"]
        return ErrorToClient(
            params["redirect_uri"],
            err,
            params.get("state"),
            response_mode,
            pending["correlation_id"],
        )

    # -- the start: SSO session, hints, or the name page ----------------------------------
    def start(self, pending: dict) -> Outcome:
        """The SSO session if allowed, else HRD by domain_hint/login_hint, else the name page."""
        params = pending["params"]
        prompt = params.get("prompt")
        session = self._usable_session(pending)
        if prompt == "none" and session is None:
            return self.fail_to_client(pending, AadstsError(50058))
        if session is not None and prompt not in ("login", "select_account"):
            signed_in = {k: session[k] for k in ("tenant_id", "user_id", "amr")}
            self.directory.oauth.update_pending(pending["id"], **signed_in)
            return self.proceed({**pending, **signed_in})
        domain_hint = params.get("domain_hint")
        if domain_hint:
            tenants = self.directory.tenants
            owner = tenants.verified_domain_owner(domain_hint)
            tenant = tenants.get(owner["tenant_id"]) if owner else None
            allowed = tenant and (
                not pending.get("tenant_id") or pending["tenant_id"] == tenant["id"]
            )
            if tenant and owner and allowed and owner["authentication_type"] == "Federated":
                return Federate(tenant, owner, params.get("login_hint"), pending)
        if params.get("login_hint"):
            return self.submit_username(pending, params["login_hint"])
        return ShowPage(Page.USERNAME, pending)

    def _usable_session(self, pending: dict) -> dict | None:
        """The SSO session, unless it is of another tenant or another user than login_hint."""
        session = self.current_session()
        if session and pending.get("tenant_id") and session["tenant_id"] != pending["tenant_id"]:
            return None
        hint = (pending["params"].get("login_hint") or "").lower()
        if session and hint:
            user = self.directory.users.get(session["tenant_id"], session["user_id"])
            if user is None or user["userPrincipalName"].lower() != hint:
                return None
        return session

    # -- the account and password steps ----------------------------------------------------
    def _find_account(self, pending: dict, upn: str) -> tuple[dict, dict]:
        """(tenant, domain row) owning the name; AADSTS50034 when no tenant of ours owns it."""
        tenants = self.directory.tenants
        domain_name = upn.rpartition("@")[2]
        owner = tenants.verified_domain_owner(domain_name) if domain_name else None
        wanted = pending.get("tenant_id")
        if owner is not None and wanted and owner["tenant_id"] != wanted:
            owner = None
        tenant = tenants.get(owner["tenant_id"]) if owner else None
        if owner is None or tenant is None:
            raise AadstsError(50034, upn=upn, tenant=pending["tenant_segment"])
        return tenant, owner

    def _name_refused(self, pending: dict, upn: str, err: AadstsError) -> ShowPage:
        self.record(pending, "failure", upn=upn, err=err)
        return ShowPage(Page.USERNAME, pending, {"login_hint": upn, "error": err})

    def submit_username(self, pending: dict, upn: str) -> Outcome:
        """Home-realm discovery for the typed name: federated hand-off, password page or 50034."""
        upn = (upn or "").strip()
        try:
            tenant, domain = self._find_account(pending, upn)
        except AadstsError as refused:
            return self._name_refused(pending, upn, refused)
        if domain["authentication_type"] == "Federated":
            return Federate(tenant, domain, upn, pending)
        user = self.directory.users.get(tenant["id"], upn)
        if user is None:
            unknown = AadstsError(50034, upn=upn, tenant=tenant["initial_domain"])
            return self._name_refused(pending, upn, unknown)
        return ShowPage(Page.PASSWORD, pending, {"upn": user["userPrincipalName"]})

    def submit_password(self, pending: dict, upn: str, password: str) -> Outcome:
        """Check a managed user's password (lockout, 50126, 50057), then complete the sign-in."""
        users = self.directory.users
        try:
            tenant, domain = self._find_account(pending, (upn or "").strip())
        except AadstsError as refused:
            self.record(pending, "failure", upn=upn, err=refused)
            return ShowPage(Page.USERNAME, pending, {"login_hint": upn, "error": refused})
        if domain["authentication_type"] == "Federated":
            return Federate(tenant, domain, upn, pending)
        user = users.get(tenant["id"], (upn or "").strip())
        if user is None:
            return self.submit_username(pending, upn)
        if users.is_locked(user):
            err = AadstsError(50053, sub_reason="IdsLocked")
        elif not verify_password(password or "", user.get("password_hash")):
            locked = users.record_failed_password(tenant["id"], user)
            err = AadstsError(50053 if locked else 50126)
        else:
            users.record_good_password(tenant["id"], user)
            if not user["accountEnabled"]:
                return self.fail(pending, AadstsError(50057), user=user)
            return self.complete(pending, user, ["pwd"])
        self.record(pending, "failure", user=user, err=err)
        return ShowPage(Page.PASSWORD, pending, {"upn": user["userPrincipalName"], "error": err})

    # -- after primary authentication ------------------------------------------------------
    def complete(
        self,
        pending: dict | str,
        user: EntraUserRow,
        amr: list[str],
        *,
        tenant_id: str | None = None,
    ) -> Outcome:
        """The user of ``pending`` is authenticated (``amr`` e.g. ["pwd"] or ["pwd","mfa"]).

        Starts the browser session (SSO), then runs the remaining steps. ``pending`` may be the
        pending sign-in or its id (the SAML RelayState); it is saved with its ``params`` as
        given (the caller may have changed them, e.g. a SAML request id now answered).
        """
        if isinstance(pending, str):
            loaded = self.load_pending(pending)
            if loaded is None:
                return expired_context()
            pending = loaded
        tenant_id = tenant_id or user["tenant_id"]
        self.start_session(tenant_id, user["id"], amr)
        self.directory.oauth.update_pending(
            pending["id"],
            tenant_id=tenant_id,
            user_id=user["id"],
            amr=amr,
            params=pending["params"],
        )
        pending = {**pending, "tenant_id": tenant_id, "user_id": user["id"], "amr": list(amr)}
        self.record(pending, "primary_auth", user=user)
        return self.proceed(pending, user)

    def proceed(self, pending: dict, user: EntraUserRow | None = None) -> Outcome:
        """Run the next step the signed-in user still owes, or finish.

        ``user`` is the signed-in user when the caller has just read it (else it is looked up).
        """
        directory = self.directory
        tenant_id = pending["tenant_id"]
        client_id = pending["params"]["client_id"]
        if user is None and pending.get("user_id"):
            user = directory.users.get(tenant_id, pending["user_id"])
        if user is None:
            return self.fail(pending, AadstsError(50034, upn="", tenant=tenant_id))
        app = directory.apps.get(tenant_id, client_id)
        if app is None:
            return self.fail(pending, AadstsError(700016, client_id=client_id, tenant=tenant_id))
        if not user["accountEnabled"]:
            return self.fail(pending, AadstsError(50057), user=user)
        domain = directory.tenants.domain(tenant_id, user["userPrincipalName"].rpartition("@")[2])
        federated = bool(domain and domain["authentication_type"] == "Federated")
        step = self._password_step(pending, user, federated) or self._mfa_step(
            pending, user, federated
        )
        if step is not None:
            return step
        if pending["kind"] == "adminconsent":
            return self._admin_consent_step(pending, user, app)
        return self._consent_step(pending, user, app) or self._issue_code(pending, user, app)

    def _password_step(self, pending: dict, user: EntraUserRow, federated: bool) -> Outcome | None:
        """An expired password, or one the admin set to change at next sign-in."""
        params = pending["params"]
        if "pwd" not in pending["amr"] or federated or params.get("password_ok"):
            return None
        expired = self.directory.users.password_expired(pending["tenant_id"], user)
        if not (expired or user["force_change"]):
            return None
        if params.get("prompt") == "none":
            return self.fail_to_client(pending, AadstsError(50055), user=user)
        if expired:
            self.record(pending, "interrupted", user=user, err=AadstsError(50055))
        fields = {"upn": user["userPrincipalName"], "expired": expired}
        return ShowPage(Page.CHANGE_PASSWORD, pending, fields)

    def _mfa_step(self, pending: dict, user: EntraUserRow, federated: bool) -> Outcome | None:
        """The MFA prompt, or the authenticator registration of a user without one."""
        if not self._needs_mfa(pending, user, federated):
            return None
        if pending["params"].get("prompt") == "none":
            return self.fail_to_client(pending, AadstsError(50076), user=user)
        if user.get("totp_secret"):
            return ShowPage(Page.MFA, pending, {"upn": user["userPrincipalName"]})
        params = pending["params"]
        secret = params.get("mfa_secret")
        if not secret:
            secret = totp.new_secret()
            params = {**params, "mfa_secret": secret}
            self.directory.oauth.update_pending(pending["id"], params=params)
        self.record(pending, "interrupted", user=user, err=AadstsError(50079))
        return self._registration_page(pending, user, secret)

    @staticmethod
    def _registration_page(
        pending: dict, user: EntraUserRow, secret: str, error: AadstsError | None = None
    ) -> ShowPage:
        upn = user["userPrincipalName"]
        uri = totp.provisioning_uri(secret, upn, TOTP_ISSUER)
        fields = {"upn": upn, "secret": secret, "uri": uri, "error": error}
        return ShowPage(Page.MFA_REGISTER, pending, fields)

    def _needs_mfa(self, pending: dict, user: EntraUserRow, federated: bool) -> bool:
        if pending["params"].get("entra_mfa"):
            return False
        tenants = self.directory.tenants
        tenant = tenants.get(pending["tenant_id"])
        security_defaults = bool(tenant and tenant.get("security_defaults"))
        if not user["mfa_required"] and not security_defaults:
            return False
        if "mfa" not in pending["amr"]:
            return True
        if not federated:
            return False
        domain = user["userPrincipalName"].rpartition("@")[2]
        federation = tenants.federation(pending["tenant_id"], domain) or {}
        return federation.get("federatedIdpMfaBehavior") == "rejectMfaByFederatedIdp"

    def _admin_consent_step(self, pending: dict, user: EntraUserRow, app: dict) -> Outcome:
        if not is_admin(user):
            return self.fail(pending, AadstsError(90094, app_name=app["display_name"]), user=user)
        if pending["params"].get("consented"):
            return self._finish_admin_consent(pending, user, app)
        fields = {
            "upn": user["userPrincipalName"],
            "app_name": app["display_name"],
            "scopes": app["application_permissions"] + app["delegated_scopes"],
            "is_admin": True,
            "admin_only": True,
        }
        return ShowPage(Page.CONSENT, pending, fields)

    def _consent_step(self, pending: dict, user: EntraUserRow, app: dict) -> Outcome | None:
        """The consent page when scopes are missing (or prompt=consent); None when granted."""
        if app["first_party"]:  # first-party apps never show consent
            return None
        params = pending["params"]
        missing = missing_consent(self.directory, pending, user, app)
        wants_prompt = params.get("prompt") == "consent" and not params.get("consented")
        if not (missing or wants_prompt):
            return None
        if params.get("prompt") == "none":
            err = AadstsError(65001, client_id=app["client_id"], app_name=app["display_name"])
            return self.fail_to_client(pending, err, user=user)
        upn, app_name = user["userPrincipalName"], app["display_name"]
        if needs_an_admin(user, missing):
            self.record(pending, "admin_approval_needed", user=user)
            scopes = sorted(s for s in missing if needs_admin_consent(s))
            fields = {"upn": upn, "app_name": app_name, "scopes": scopes}
            return ShowPage(Page.ADMIN_APPROVAL, pending, fields)
        fields = {
            "upn": upn,
            "app_name": app_name,
            "scopes": requested_graph_scopes(pending, app) or sorted(missing),
            "is_admin": is_consent_admin(user),
            "admin_only": False,
        }
        return ShowPage(Page.CONSENT, pending, fields)

    # -- the later pages' submissions ------------------------------------------------------
    def _signed_in_user(self, pending: dict) -> EntraUserRow | None:
        if not pending.get("user_id") or not pending.get("tenant_id"):
            return None
        return self.directory.users.get(pending["tenant_id"], pending["user_id"])

    def submit_password_change(
        self, pending: dict, current: str, new: str, confirm: str
    ) -> Outcome:
        users = self.directory.users
        user = self._signed_in_user(pending)
        if user is None:
            return expired_context()
        refusal = None
        if not verify_password(current or "", user.get("password_hash")):
            refusal = ("AADSTS50126", "Your current password is incorrect.")
        elif not new or new != confirm:
            refusal = ("PasswordMismatch", "The passwords don't match.")
        elif new == current:
            refusal = ("PasswordReuse", "You can't reuse your current password.")
        else:
            try:
                users.change_password(pending["tenant_id"], user, new)
            except DirectoryError as exc:
                refusal = ("PasswordComplexity", exc.message)
        if refusal is not None:
            fields = {
                "upn": user["userPrincipalName"],
                "expired": users.password_expired(pending["tenant_id"], user),
                "error": {"code": refusal[0], "message": refusal[1]},
            }
            return ShowPage(Page.CHANGE_PASSWORD, pending, fields)
        params = {**pending["params"], "password_ok": True}
        self.directory.oauth.update_pending(pending["id"], params=params)
        self.record({**pending, "params": params}, "password_changed", user=user)
        return self.proceed({**pending, "params": params})

    def _totp_ok(self, secret: str | None, code: str) -> bool:
        return totp.verify(secret, code, self.directory.clock.now())

    def submit_mfa(self, pending: dict, code: str) -> Outcome:
        user = self._signed_in_user(pending)
        if user is None:
            return expired_context()
        if not self._totp_ok(user.get("totp_secret"), code):
            err = AadstsError(50074, sub_reason="InvalidOtc")
            self.record(pending, "failure", user=user, err=err)
            return ShowPage(Page.MFA, pending, {"upn": user["userPrincipalName"], "error": err})
        return self._mfa_done(pending, user)

    def submit_mfa_registration(self, pending: dict, code: str) -> Outcome:
        user = self._signed_in_user(pending)
        secret = pending["params"].get("mfa_secret")
        if user is None or not secret:
            return expired_context()
        if not self._totp_ok(secret, code):
            err = AadstsError(50074, sub_reason="InvalidOtc")
            self.record(pending, "failure", user=user, err=err)
            return self._registration_page(pending, user, secret, err)
        self.directory.users.set_columns(pending["tenant_id"], user["id"], {"totp_secret": secret})
        self.record(pending, "mfa_registered", user=user)
        return self._mfa_done(pending, user)

    def _mfa_done(self, pending: dict, user: EntraUserRow) -> Outcome:
        amr = [*pending["amr"], "mfa"] if "mfa" not in pending["amr"] else list(pending["amr"])
        params = {**pending["params"], "entra_mfa": True}
        self.directory.oauth.update_pending(pending["id"], amr=amr, params=params)
        self.end_session()
        self.start_session(pending["tenant_id"], user["id"], amr)
        pending = {**pending, "amr": amr, "params": params}
        self.record(pending, "mfa_passed", user=user)
        return self.proceed(pending)

    def submit_consent(self, pending: dict, accept: bool, consent_org: bool) -> Outcome:
        """The consent page's answer (``consent_org``: for the whole organisation)."""
        user = self._signed_in_user(pending)
        if user is None:
            return expired_context()
        params = pending["params"]
        app = self.directory.apps.get(pending["tenant_id"], params["client_id"])
        if app is None:
            return expired_context()
        admin_consent = pending["kind"] == "adminconsent"
        if not admin_consent and needs_an_admin(
            user, missing_consent(self.directory, pending, user, app)
        ):
            # "Return to the application without granting consent" (or a forged accept)
            err = AadstsError(90094, app_name=app["display_name"])
            return self.fail_to_client(pending, err, user=user)
        if not accept:
            err = AadstsError(65004)
            if admin_consent:
                self.record(pending, "failure", user=user, err=err)
                return self._to_client(pending, err, "query")
            return self.fail_to_client(pending, err, user=user)
        if not admin_consent:
            principal = ALL_PRINCIPALS if consent_org and is_consent_admin(user) else user["id"]
            scopes = requested_graph_scopes(pending, app)
            self.directory.apps.grant_delegated(
                pending["tenant_id"], app["client_id"], principal, scopes
            )
            self.record(pending, "consent_granted", user=user)
        params = {**params, "consented": True}
        self.directory.oauth.update_pending(pending["id"], params=params)
        return self.proceed({**pending, "params": params})

    # -- the end of a sign-in --------------------------------------------------------------
    def _issue_code(self, pending: dict, user: EntraUserRow, app: dict) -> Deliver:
        params = pending["params"]
        oauth = self.directory.oauth
        session = self.current_session()
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
        )
        oauth.update_pending(pending["id"], done=1)
        self.record(pending, "success", user=user)
        out = {"code": code}
        if params.get("state") is not None:
            out["state"] = params["state"]
        out["session_state"] = pending["correlation_id"]
        return Deliver(params["redirect_uri"], out, params.get("response_mode") or "query")

    def _finish_admin_consent(self, pending: dict, user: EntraUserRow, app: dict) -> Deliver:
        params = pending["params"]
        apps = self.directory.apps
        tenant_id = pending["tenant_id"]
        apps.grant_app_roles(tenant_id, app["client_id"], app["application_permissions"])
        apps.grant_delegated(tenant_id, app["client_id"], ALL_PRINCIPALS, app["delegated_scopes"])
        self.directory.oauth.update_pending(pending["id"], done=1)
        self.record(pending, "admin_consent", user=user)
        out = {"admin_consent": "True", "tenant": tenant_id, "scope": params.get("scope") or ""}
        if params.get("state") is not None:
            out["state"] = params["state"]
        return Deliver(params["redirect_uri"], out, "query")
