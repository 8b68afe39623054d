"""Model events → engine work (the hooks of ``simulators.jumpcloud.model.hooks``)."""

from __future__ import annotations

from simulators.jumpcloud.model import (
    AssociationChanged,
    JumpCloudModel,
    Office365Changed,
    PortalSignin,
    UserChanged,
    UserGroupChanged,
)
from simulators.jumpcloud.model.errors import JumpCloudError

from .engine import SyncEngine
from .groupsync import GroupSync
from .links import DELETED


class Subscribers:
    def __init__(self, engine: SyncEngine, model: JumpCloudModel, groups: GroupSync) -> None:
        self.engine = engine
        self.model = model
        self.groups = groups

    def subscribe(self) -> None:
        hooks = self.model.hooks
        hooks.on_user_changed.append(self.user_changed)
        hooks.on_association_changed.append(self.association_changed)
        hooks.on_portal_signin.append(self.portal_signin)
        hooks.on_office365_changed.append(self.office365_changed)
        hooks.on_user_group_changed.append(self.user_group_changed)
        self.engine.after_sync.append(self.groups.groups_of_users)

    def user_changed(self, event: UserChanged) -> None:
        """Any change of a bound user is pushed; a deleted user is disabled at Microsoft."""
        state = DELETED if event.kind == "deleted" else None
        for link in self.engine.links.of_user(event.user_id):
            self.engine.touch(
                event.org_id, link.office365_id, [event.user_id], state=state, only_existing=True
            )

    def association_changed(self, event: AssociationChanged) -> None:
        org_id, engine = event.org_id, self.engine
        if event.target_type == "office_365":
            if event.subject_type == "user":
                users = [event.subject_id]
            elif self.model.groups.exists(org_id, event.subject_id):
                users = self.model.groups.member_ids(org_id, event.subject_id)
            else:  # the group is gone: check everyone linked to the instance
                users = engine.links.user_ids(event.target_id)
            engine.reconcile_bindings(org_id, event.target_id, users)
            if event.subject_type == "user_group":
                self.groups.reconcile(org_id, event.target_id, [event.subject_id])
        elif event.target_type == "user_group" and event.subject_type == "user":
            instances = {link.office365_id for link in engine.links.of_user(event.subject_id)}
            if event.op == "add":
                try:
                    reached = self.model.graph.resources_of_group(
                        org_id, event.target_id, "office_365"
                    )
                    instances |= {r["id"] for r in reached}
                except JumpCloudError:
                    pass
            for office365_id in instances:
                engine.reconcile_bindings(org_id, office365_id, [event.subject_id])
                self.groups.reconcile(org_id, office365_id, [event.target_id])

    def portal_signin(self, event: PortalSignin) -> None:
        self.engine.push_password(event.org_id, event.user_id, event.password)

    def office365_changed(self, event: Office365Changed) -> None:
        """A rule added or removed, an action changed...: push what the new settings change."""
        if self.engine.settings.known(event.office365_id):
            self.engine.check_settings(event.office365_id)
        if "groupsEnabled" in event.changed:
            self.groups.reconcile_instance(event.org_id, event.office365_id)

    def user_group_changed(self, event: UserGroupChanged) -> None:
        """A renamed group is renamed in every instance that manages it."""
        for office365_id in self.groups.instances_of(event.org_id, event.group_id):
            self.groups.reconcile(event.org_id, office365_id, [event.group_id])
