"""JumpCloud user → Microsoft Graph user: always-exported attributes, the 13 translation rules,
account state, immutable ID, UPN and the throwaway password of a new account (README: The
Microsoft 365 directory integration)."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterable

from simulators.jumpcloud.model.records import SystemUser

MANAGER = "manager"
"""Graph ``manager`` is a relationship, not a property: the engine writes it with ``$ref``."""


def _first(items: list | None, kind: str) -> dict:
    for item in items or []:
        if isinstance(item, dict) and item.get("type") == kind:
            return item
    return {}


def _text(value: object) -> str | None:
    """A Graph string value: blank becomes null (which clears the property)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _work_address(field: str) -> Callable[[SystemUser], str | None]:
    return lambda user: _text(_first(user.get("addresses"), "work").get(field))


def _phone(kind: str) -> Callable[[SystemUser], str | None]:
    return lambda user: _text(_first(user.get("phoneNumbers"), kind).get("number"))


def _list(value: str | None) -> list[str]:
    return [value] if value else []


TRANSLATION_RULES: dict[str, tuple[str, Callable[[SystemUser], object]]] = {
    "user_alternate_email": ("otherMails", lambda u: _list(_text(u.get("alternateEmail")))),
    "user_business_phones": ("businessPhones", lambda u: _list(_phone("work")(u))),
    "user_city": ("city", _work_address("locality")),
    "user_country": ("country", _work_address("country")),
    "user_department": ("department", lambda u: _text(u.get("department"))),
    "user_job_title": ("jobTitle", lambda u: _text(u.get("jobTitle"))),
    "user_manager": (MANAGER, lambda u: _text(u.get("manager"))),
    "user_mobile_phone": ("mobilePhone", _phone("mobile")),
    "user_office_location": ("officeLocation", lambda u: _text(u.get("location"))),
    "user_postal_code": ("postalCode", _work_address("postalCode")),
    "user_principal_name_from_alternate_email": (
        "userPrincipalName",
        lambda u: _text(u.get("alternateEmail")),
    ),
    "user_state": ("state", _work_address("region")),
    "user_street_address": ("streetAddress", _work_address("streetAddress")),
}
"""builtIn name → (Graph property, value from the JumpCloud user document)."""

ACTIONS = ("suspend", "maintain")


def display_name(user: SystemUser) -> str:
    """``displayname``, else "first last", else the username (Graph cannot clear it)."""
    explicit = _text(user.get("displayname"))
    if explicit:
        return explicit
    joined = " ".join(p for p in (_text(user.get("firstname")), _text(user.get("lastname"))) if p)
    return joined or user.get("username") or user.get("email", "").split("@")[0]


def account_enabled(
    user: SystemUser, *, lockout_action: str = "maintain", expiration_action: str = "maintain"
) -> bool:
    """Whether the Microsoft account may sign in, given the JumpCloud state and the instance's
    ``userLockoutAction`` / ``userPasswordExpirationAction`` (``suspend`` blocks sign-in)."""
    if user.get("suspended") or user.get("state") == "SUSPENDED":
        return False
    if lockout_action == "suspend" and user.get("account_locked"):
        return False
    return not (expiration_action == "suspend" and user.get("password_expired"))


def user_principal_name(user: SystemUser, rules: Iterable[str] = ()) -> str:
    """The UPN: the company email, or the alternate email under its translation rule."""
    if "user_principal_name_from_alternate_email" in rules:
        alternate = _text(user.get("alternateEmail"))
        if alternate:
            return alternate
    return (user.get("email") or "").strip()


def desired_attributes(
    user: SystemUser,
    rules: Iterable[str],
    *,
    lockout_action: str = "maintain",
    expiration_action: str = "maintain",
) -> dict:
    """Everything JumpCloud owns on the Microsoft user, as Graph properties (plus ``manager``
    as the JumpCloud id of the manager, resolved by the engine)."""
    rules = [r for r in rules if r in TRANSLATION_RULES]
    upn = user_principal_name(user, rules)
    attrs: dict = {
        "givenName": _text(user.get("firstname")),
        "surname": _text(user.get("lastname")),
        "displayName": display_name(user),
        "userPrincipalName": upn,
        "mail": (user.get("email") or "").strip() or None,
        "accountEnabled": account_enabled(
            user, lockout_action=lockout_action, expiration_action=expiration_action
        ),
    }
    for rule in rules:
        prop, extract = TRANSLATION_RULES[rule]
        if prop == "userPrincipalName":
            continue  # already chosen above
        attrs[prop] = extract(user)
    return attrs


def changed(desired: dict, pushed: dict) -> dict:
    """The properties of ``desired`` whose value differs from what was last pushed."""
    return {k: v for k, v in desired.items() if k not in pushed or pushed[k] != v}


_IMMUTABLE = re.compile(r"^[A-Za-z0-9]{1,64}$")


def immutable_id(user_id: str) -> str:
    """The M365 immutable ID of a JumpCloud user: its 24-hex object id.

    Alphanumeric (valid as a SAML NameID without encoding), at most 64 characters, unique in
    the organization and stable for the user's life, so SSO keeps working across renames.
    """
    if not _IMMUTABLE.match(user_id or ""):
        raise ValueError(f"not a usable immutable id: {user_id!r}")
    return user_id


def upn_domain(upn: str) -> str:
    return upn.rpartition("@")[2].lower()


_NICK_ALLOWED = re.compile(r"[^A-Za-z0-9.!#$%&'*+\-/=?^_`{|}~]")


def mail_nickname(upn: str) -> str:
    """The alias Graph requires on create: the UPN's local part, cleaned, at most 64."""
    local = _NICK_ALLOWED.sub("", upn.partition("@")[0]).strip(".")
    return (local or "user")[:64]


def usage_location(user: SystemUser) -> str | None:
    """The work address country when it is an ISO 3166 alpha-2 code (needed for licences)."""
    country = _text(_first(user.get("addresses"), "work").get("country")) or ""
    return country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else None


_SYMBOLS = "!#%*-_+=?"


def random_password(length: int = 20) -> str:
    """A password Entra's strong policy accepts (all four classes); never told to anyone —
    the real one arrives with password takeover at the user's next User Portal sign-in."""
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits, _SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def new_user_body(user: SystemUser, desired: dict, immutable: str) -> dict:
    """The POST /users body of an exported user (manager is set afterwards)."""
    body = {k: v for k, v in desired.items() if k != MANAGER and v not in (None, [])}
    body.update(
        {
            "mailNickname": mail_nickname(desired["userPrincipalName"]),
            "onPremisesImmutableId": immutable,
            "passwordProfile": {
                "password": random_password(),
                "forceChangePasswordNextSignIn": False,
            },
        }
    )
    location = usage_location(user)
    if location:
        body["usageLocation"] = location
    return body


def redact(body: dict | None) -> dict | None:
    """A request body fit for the event log (the password never leaves the engine)."""
    if not body:
        return body
    out = dict(body)
    if "passwordProfile" in out:
        out["passwordProfile"] = {**out["passwordProfile"], "password": "[redacted]"}
    return out
