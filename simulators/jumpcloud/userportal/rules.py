"""The User Portal's rules, free of HTTP: who signs in (account lookup, ambiguity, password,
lockout counting), what comes next (MFA, enrolment, forced change), and how long a session
lives (idle timeout, session generations, sign-out). The routes parse, call these and render."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from simulators.core.clock import LabClock
from simulators.core.context import LabContext

from ..model import JumpCloudModel, PortalSignin
from ..model.errors import READABLE as PASSWORD_RULES
from ..model.errors import JumpCloudError, PasswordRejected
from ..model.records import SystemUser, UserRow

PENDING_TTL = 300


class Failure(StrEnum):
    """Why a sign-in step failed: the page's ``jumpcloud:<reason>`` error code."""

    INVALID_CREDENTIALS = "invalid_credentials"
    AMBIGUOUS = "ambiguous"
    LOCKED = "locked"
    SUSPENDED = "suspended"
    STAGED = "staged"
    INVALID_OTP = "invalid_otp"
    CSRF = "csrf"
    SESSION_EXPIRED = "session_expired"
    PASSWORD_MISMATCH = "password_mismatch"
    PASSWORD_POLICY = "password_policy"


MESSAGES = {
    Failure.INVALID_CREDENTIALS: "The username, email or password is incorrect.",
    Failure.AMBIGUOUS: "More than one account matches; sign in with your email address.",
    Failure.LOCKED: "Your account is locked after too many failed attempts. Try again later or "
    "contact your administrator.",
    Failure.SUSPENDED: "Your account has been suspended. Contact your administrator.",
    Failure.STAGED: "Your account is not activated yet. Check your email for the activation link "
    "or contact your administrator.",
    Failure.INVALID_OTP: "The verification code is not valid. Try again.",
    Failure.CSRF: "The form expired. Reload the page and try again.",
    Failure.SESSION_EXPIRED: "Your sign-in session expired. Sign in again.",
    Failure.PASSWORD_MISMATCH: "The new passwords do not match.",
}


class Stage(StrEnum):
    """Where a pending sign-in goes next."""

    MFA = "mfa"
    ENROL = "mfa_enroll"
    PASSWORD_EXPIRED = "password_expired"
    DONE = "done"


@dataclass(frozen=True)
class SignIn:
    """A password sign-in's outcome: ``user`` on success, else ``failure``."""

    failure: Failure | None = None
    user: SystemUser | None = None
    row: UserRow | None = None
    """The account the outcome is about (None: unknown or ambiguous)."""

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class Refusal:
    """A refused password change: the page's reason and message."""

    reason: Failure
    message: str


class PortalAuthenticator:
    """Who signs in to the User Portal and what each step decides."""

    def __init__(self, model: JumpCloudModel) -> None:
        self.model = model
        self.users = model.users

    def sign_in(self, login: str, password: str, org_id: str | None = None) -> SignIn:
        """Find the account, check the password, count a failure against it."""
        candidates = self.users.signin_candidates(login, org_id) if login else []
        if not candidates:
            return SignIn(Failure.INVALID_CREDENTIALS)
        # A username (unlike an email) may exist in several organizations of the lab: the
        # password picks the account, and a failure counts only against an unambiguous one.
        matches = [
            row
            for row in candidates
            if not self.users.lock_status(row)[0] and self.users.check_password(row, password)
        ]
        if len(matches) == 1:
            return self._accept(matches[0])
        if matches or len(candidates) > 1:
            return SignIn(Failure.AMBIGUOUS if matches else Failure.INVALID_CREDENTIALS)
        row = candidates[0]
        if self.users.lock_status(row)[0]:
            return self._refuse(row, Failure.LOCKED)
        after = self.users.record_bad_login(row)
        locked = after["account_locked"]
        return self._refuse(row, Failure.LOCKED if locked else Failure.INVALID_CREDENTIALS)

    def _accept(self, row: UserRow) -> SignIn:
        user = self.users.of_row(row)
        if user["state"] == "SUSPENDED":
            return self._refuse(row, Failure.SUSPENDED)
        if user["state"] == "STAGED":
            return self._refuse(row, Failure.STAGED)
        if self.users.record_good_login(row):
            user = self.users.get(row["org_id"], row["id"])  # as it is after the reset
        return SignIn(user=user, row=row)

    def _refuse(self, row: UserRow, failure: Failure) -> SignIn:
        """The failed attempt in the account's event log."""
        who = {"type": "user", "id": row["id"], "username": row["username_lc"]}
        self.model.events.record(
            row["org_id"],
            "user_login_attempt",
            service="user_portal",
            success=False,
            initiated_by=who,
            resource=who,
            details={"error": f"jumpcloud:{failure}"},
        )
        return SignIn(failure, row=row)

    def next_stage(self, org_id: str, user: SystemUser, mfa_done: bool) -> Stage:
        if self.users.mfa_required(org_id, user) and not mfa_done:
            return Stage.MFA if user["totp_enabled"] else Stage.ENROL
        if user["password_expired"]:
            return Stage.PASSWORD_EXPIRED
        return Stage.DONE

    def verify_totp(self, org_id: str, user_id: str, code: str) -> bool:
        secret = self.users.totp_secret(org_id, user_id)
        return secret is not None and secret != "" and self.users.totp_ok(secret, code)

    def change_password(
        self, org_id: str, user_id: str, new: str, confirm: str, current: str
    ) -> Refusal | None:
        """A self-service change (the current password proves it); None when applied."""
        if new != confirm:
            return Refusal(Failure.PASSWORD_MISMATCH, MESSAGES[Failure.PASSWORD_MISMATCH])
        try:
            self.users.set_password(
                org_id, user_id, new, current_password=current, self_service=True
            )
        except PasswordRejected as exc:
            wrong_current = exc.violations == ["currentPassword"]
            reason = Failure.INVALID_CREDENTIALS if wrong_current else Failure.PASSWORD_POLICY
            readable = "; ".join(PASSWORD_RULES.get(v, v) for v in exc.violations)
            return Refusal(reason, f"The password was not changed: {readable}.")
        return None

    def signed_in(
        self, org_id: str, user: SystemUser, password: str, mfa: bool, reason: str = "signin"
    ) -> None:
        """A finished sign-in (or ``reason="password_change"``): the event log (sign-ins
        only) and the ``on_portal_signin`` hook, which receives the plaintext password once."""
        if reason == "signin":
            who = {"type": "user", "id": user["_id"], "username": user["username"]}
            self.model.events.record(
                org_id,
                "user_login_attempt",
                service="user_portal",
                initiated_by=who,
                resource=who,
                details={"mfa": mfa, "auth_method": "password"},
            )
        now = self.model.backend.now_iso()
        signin = PortalSignin(org_id, user["_id"], user, password, mfa, now, reason=reason)
        self.model.backend.emit(signin)


@dataclass(frozen=True)
class SessionCheck:
    """A portal session looked at now: its user, and the state to keep (None: end it)."""

    user: SystemUser | None
    state: dict | None


class SessionPolicy:
    """How long User Portal sessions and sign-ins in progress live."""

    def __init__(self, model: JumpCloudModel, clock: LabClock) -> None:
        self.model = model
        self.clock = clock

    def open(self, org_id: str, user_id: str, mfa: bool) -> dict:
        """A new session's state, in the user's current session generation."""
        now = self.clock.timestamp()
        return {
            "org": org_id,
            "id": user_id,
            "mfa": mfa,
            "auth_time": now,
            "seen": now,
            "gen": self.model.session_generation(org_id, user_id),
        }

    def check(self, state: dict) -> SessionCheck:
        """The user, reloaded; the session ends on suspension, deletion, idle timeout or a
        sign-out elsewhere (a newer generation)."""
        try:
            user = self.model.users.get(state["org"], state["id"])
            portal = self.model.orgs.settings(state["org"])["userPortal"]
        except JumpCloudError:
            return SessionCheck(None, None)
        now = self.clock.timestamp()
        idle = now - state.get("seen", now) > portal["idleSessionDurationMinutes"] * 60
        ended = state.get("gen", 0) < self.model.session_generation(state["org"], state["id"])
        if user["state"] != "ACTIVATED" or idle or ended:
            return SessionCheck(None, None)
        return SessionCheck(user, {**state, "seen": now})

    def start_pending(self, row: UserRow, password_key: str, return_to: str | None) -> dict:
        """The state of a sign-in past its password, before MFA / forced change."""
        now = self.clock.timestamp()
        return {
            "org": row["org_id"],
            "id": row["id"],
            "mfa": False,
            "pw": password_key,
            "auth_time": now,
            "expires": now + PENDING_TTL,
            "return_to": return_to,
        }

    def pending_live(self, state: dict | None) -> bool:
        return state is not None and self.clock.timestamp() <= state["expires"]

    def sign_out(self, state: object) -> None:
        """The user's sessions on the SSO host end too (a new session generation)."""
        if isinstance(state, dict) and state.get("org") and state.get("id"):
            self.model.sign_out(state["org"], state["id"])


class PendingPasswords:
    """Plaintext passwords of sign-ins still in MFA / forced change, in memory only (5 min),
    so the ``on_portal_signin`` hook can receive them once; never written to disk."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, password: str) -> str:
        key = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v[1] > now}
            self._items[key] = (password, now + PENDING_TTL)
        return key

    def replace(self, key: str, password: str) -> None:
        with self._lock:
            self._items[key] = (password, time.monotonic() + PENDING_TTL)

    def pop(self, key: str) -> str:
        with self._lock:
            item = self._items.pop(key, None)
        return item[0] if item and item[1] > time.monotonic() else ""


@dataclass
class Portal:
    """What the User Portal's handlers reach (one per console host app)."""

    model: JumpCloudModel
    ctx: LabContext
    authenticator: PortalAuthenticator = field(init=False)
    sessions: SessionPolicy = field(init=False)
    passwords: PendingPasswords = field(default_factory=PendingPasswords)

    def __post_init__(self) -> None:
        self.authenticator = PortalAuthenticator(self.model)
        self.sessions = SessionPolicy(self.model, self.ctx.clock)
