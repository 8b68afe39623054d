"""The admin console's rules, free of HTTP: who is signed in, and what each form action does.

Every write goes through the same model functions as the API; the routes parse the form,
call these and render the outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from simulators.core.context import LabContext

from ..model import JumpCloudModel
from ..model.apps import CUSTOM, OFFICE365
from ..model.errors import READABLE as PASSWORD_RULES
from ..model.errors import JumpCloudError, PasswordRejected

EDITABLE_CONFIG = (
    "idpEntityId", "spEntityId", "acsUrl", "subjectField", "signatureAlgorithm",
    "signAssertion", "signResponse", "defaultTargetUrl",
)  # fmt: skip
BOOLEAN_CONFIG = ("signAssertion", "signResponse")
Form = Mapping[str, str]


class Reason(StrEnum):
    """The page's ``jumpcloud:<reason>`` error code of a refused action."""

    INVALID_REQUEST = "invalid_request"
    PASSWORD_POLICY = "password_policy"


@dataclass(frozen=True)
class Outcome:
    """What a console action did: ``message`` to show; a refusal has a ``reason``."""

    message: str
    reason: Reason | None = None
    status: int = 200
    created: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    @classmethod
    def refused(cls, exc: JumpCloudError) -> Outcome:
        return cls(exc.message, Reason.INVALID_REQUEST, exc.status)

    @classmethod
    def password_rejected(cls, exc: PasswordRejected) -> Outcome:
        readable = "; ".join(PASSWORD_RULES.get(v, v) for v in exc.violations)
        return cls(f"Password rejected: {readable}.", Reason.PASSWORD_POLICY, 400)


def _done(action: str) -> str:
    return f"Done: {action.replace('_', ' ')}."


def _run(action: str, handlers: Mapping[str, Callable[[], object]]) -> Outcome:
    if action not in handlers:
        return Outcome(f"Unknown action {action!r}.", Reason.INVALID_REQUEST, 400)
    try:
        handlers[action]()
    except PasswordRejected as exc:
        return Outcome.password_rejected(exc)
    except JumpCloudError as exc:
        return Outcome.refused(exc)
    return Outcome(_done(action))


class AdminAuthenticator:
    """Admin sign-in; the session keeps ``{"id", "org_id"}`` of the admin."""

    def __init__(self, model: JumpCloudModel) -> None:
        self.model = model

    def current(self, state: object) -> dict | None:
        """The admin a session's state names, if it still exists."""
        if not isinstance(state, dict):
            return None
        return self.model.orgs.admin(state.get("id", ""))

    def sign_in(self, email: str, password: str) -> dict | None:
        """The admin, with the sign-in in the org's event log; None for wrong credentials."""
        found = self.model.orgs.authenticate_admin(email, password)
        if found is not None:
            self.model.events.record(
                found["org_id"],
                "admin_login_attempt",
                service="admin_console",
                initiated_by={"type": "admin", "id": found["id"], "email": found["email"]},
            )
        return found


class ConsoleActions:
    """The console's writes on users, Cloud Directories (M365) and SSO applications."""

    def __init__(self, model: JumpCloudModel) -> None:
        self.model = model

    def create_user(self, org_id: str, form: Form, actor: dict) -> Outcome:
        body = {k: form.get(k, "").strip() for k in ("username", "email", "firstname", "lastname")}
        if form.get("password"):
            body["password"] = form["password"]
        try:
            user = self.model.users.create(org_id, body, source="jumpcloud:console", actor=actor)
        except JumpCloudError as exc:
            return Outcome.refused(exc)
        return Outcome("User created.", created=user)

    def user_action(
        self, org_id: str, user_id: str, action: str, form: Form, actor: dict
    ) -> Outcome:
        users, graph = self.model.users, self.model.graph

        def link(op: str, kind: str, key: str) -> Callable[[], object]:
            return lambda: graph.change(org_id, op, "user", user_id, kind, form.get(key, ""))

        def member(op: str) -> Callable[[], object]:
            def change() -> None:
                graph.require(org_id, "user", user_id)
                self.model.groups.change_member(org_id, form.get("group_id", ""), op, user_id)

            return change

        password = {"password": form.get("password", "")}
        return _run(
            action,
            {
                "suspend": lambda: users.set_state(org_id, user_id, "SUSPENDED", actor=actor),
                "activate": lambda: users.set_state(org_id, user_id, "ACTIVATED", actor=actor),
                "unlock": lambda: users.unlock(org_id, user_id, actor=actor),
                "reset_mfa": lambda: users.reset_mfa(org_id, user_id, {}, actor=actor),
                "expire_password": lambda: users.expire_password(org_id, user_id, actor=actor),
                "set_password": lambda: users.update(org_id, user_id, password, actor=actor),
                "bind_m365": link("add", "office_365", "office365_id"),
                "unbind_m365": link("remove", "office_365", "office365_id"),
                "assign_app": link("add", "application", "app_id"),
                "unassign_app": link("remove", "application", "app_id"),
                "add_group": member("add"),
                "remove_group": member("remove"),
            },
        )

    def directory_action(self, org_id: str, office365_id: str, action: str, form: Form) -> Outcome:
        o365 = self.model.office365
        settings = {
            "userLockoutAction": form.get("userLockoutAction"),
            "userPasswordExpirationAction": form.get("userPasswordExpirationAction"),
            "groupsEnabled": form.get("groupsEnabled") == "on",
        }
        domain = {"id": form.get("domain_id")}
        rule = {"builtIn": form.get("builtIn"), "direction": "export"}
        return _run(
            action,
            {
                "add_domain": lambda: o365.add_domain(org_id, office365_id, form.get("domain")),
                "remove_domain": lambda: o365.delete_domain(
                    org_id, office365_id, form.get("domain_id", "")
                ),
                "add_rule": lambda: o365.add_rule(org_id, office365_id, rule),
                "remove_rule": lambda: o365.delete_rule(
                    org_id, office365_id, form.get("rule_id", "")
                ),
                "default_domain": lambda: o365.patch(
                    org_id, office365_id, {"defaultDomain": domain}
                ),
                "settings": lambda: o365.patch(org_id, office365_id, settings),
            },
        )

    def create_app(self, org_id: str, form: Form) -> Outcome:
        keys = ("idpEntityId", "spEntityId", "acsUrl")
        config = {k: {"value": form.get(k, "").strip()} for k in keys if form.get(k, "").strip()}
        body = {
            "name": OFFICE365 if form.get("kind", CUSTOM) == OFFICE365 else CUSTOM,
            "label": form.get("label", "").strip(),
            "displayLabel": form.get("displayLabel", "").strip() or None,
            "config": config,
        }
        try:
            app = self.model.apps.create(org_id, body)
        except JumpCloudError as exc:
            return Outcome.refused(exc)
        return Outcome("Application created.", created=app)

    def save_app_config(self, org_id: str, app_id: str, form: Form) -> Outcome:
        values: dict[str, object] = {}
        for key in EDITABLE_CONFIG:
            if key in BOOLEAN_CONFIG:
                values[key] = form.get(key) == "on"
            elif key in form:
                values[key] = form.get(key, "").strip()
        try:
            self.model.apps.update_config(org_id, app_id, values)
        except JumpCloudError as exc:
            return Outcome.refused(exc)
        return Outcome("Configuration saved.")

    def rotate_certificate(self, org_id: str, app_id: str) -> Outcome:
        self.model.apps.rotate_certificate(org_id, app_id)
        return Outcome("A new IdP certificate was generated.")

    def delete_app(self, org_id: str, app_id: str) -> Outcome:
        self.model.graph.drop_target(org_id, "application", app_id)
        self.model.apps.delete(org_id, app_id)
        return Outcome("Application deleted.")


@dataclass
class Console:
    """What the admin console's handlers reach (one per console host app)."""

    model: JumpCloudModel
    ctx: LabContext

    def __post_init__(self) -> None:
        self.admins = AdminAuthenticator(self.model)
        self.actions = ConsoleActions(self.model)
