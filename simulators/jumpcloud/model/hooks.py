"""Events the model emits after commit, for the SSO and Microsoft 365 engines to subscribe to.

Subscribers are plain callables appended to the lists of :class:`Hooks`; they run synchronously
in the request thread after the change is committed. An exception in a subscriber is logged
and recorded as a failed ``hook_error`` event; it never undoes or fails the change itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .records import SystemUser

log = logging.getLogger("m365lab.jumpcloud")


@dataclass(frozen=True)
class UserChanged:
    """A system user was created, updated, suspended, locked, deleted, had a password set...

    ``kind``: created | updated | deleted | password_set | state_changed | locked | unlocked |
    password_expired | mfa_reset. ``changed`` names the fields that moved; ``user`` is the
    public document after the change (before it for ``deleted``).
    """

    org_id: str
    user_id: str
    kind: str
    changed: tuple[str, ...]
    user: SystemUser


@dataclass(frozen=True)
class PortalSignin:
    """A user completed a User Portal sign-in (after MFA), or changed their password in the
    portal (``reason="password_change"``). ``password`` is the plaintext the user typed (or set
    on a forced change) — handed over at this moment only, never stored."""

    org_id: str
    user_id: str
    user: SystemUser
    password: str
    mfa_done: bool
    time: str
    reason: str = "signin"


@dataclass(frozen=True)
class AssociationChanged:
    """A graph edge was added or removed: ``subject`` is user/user_group, ``target`` the
    resource (office_365, application...). Group membership changes come as
    ``subject_type="user"``, ``target_type="user_group"``."""

    org_id: str
    op: str
    subject_type: str
    subject_id: str
    target_type: str
    target_id: str
    attributes: dict | None = None


@dataclass(frozen=True)
class UserGroupChanged:
    """A user group was renamed or otherwise replaced (``PUT /usergroups/{id}``)."""

    org_id: str
    group_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Office365Changed:
    """The export settings of an office_365 instance changed (API or console alike).

    ``kind``: patched | rule_added | rule_removed | domain_added | domain_removed.
    ``changed`` names what moved: the patched fields, or the rule's ``builtIn`` / the domain.
    """

    org_id: str
    office365_id: str
    kind: str
    changed: tuple[str, ...]


@dataclass
class Hooks:
    """Subscriber lists; append a callable taking the matching event object."""

    on_user_changed: list[Callable[[UserChanged], Any]] = field(default_factory=list)
    on_portal_signin: list[Callable[[PortalSignin], Any]] = field(default_factory=list)
    on_association_changed: list[Callable[[AssociationChanged], Any]] = field(default_factory=list)
    on_office365_changed: list[Callable[[Office365Changed], Any]] = field(default_factory=list)
    on_user_group_changed: list[Callable[[UserGroupChanged], Any]] = field(default_factory=list)

    def subscribers(self, event: object) -> list[Callable]:
        if isinstance(event, UserChanged):
            return list(self.on_user_changed)
        if isinstance(event, PortalSignin):
            return list(self.on_portal_signin)
        if isinstance(event, AssociationChanged):
            return list(self.on_association_changed)
        if isinstance(event, Office365Changed):
            return list(self.on_office365_changed)
        if isinstance(event, UserGroupChanged):
            return list(self.on_user_group_changed)
        return []
