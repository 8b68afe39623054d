"""Security-group sync: JumpCloud user groups bound to an instance become Microsoft 365 groups.

With the instance's ``groupsEnabled`` on, each user group bound to it (directly) is mirrored as
a Microsoft 365 security group: created, or taken over when a security group of that display
name already exists; renamed when the JumpCloud group is renamed; its members are the group's
members whose accounts the integration exported. JumpCloud only removes members it added. A
group with no member is not exported (JumpCloud's KB: "Groups must have at least one user").
Unbinding or deleting the group, or turning ``groupsEnabled`` off, stops the management: the
Microsoft 365 group and its members stay as they are (the sync is one-way and JumpCloud never
deletes in Microsoft 365).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable

from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.errors import JumpCloudError

from .directory import odata_quote
from .engine import SyncEngine
from .graphclient import AuthorizationLost, GraphClient, GraphError
from .links import BOUND

log = logging.getLogger("m365lab.jumpcloud.m365")

OK, PENDING = 200, 202
EVENT_RESOURCE = "user_group"


class GroupLinks:
    """``m365_group_links``: per (instance, user group) the Microsoft group and what was pushed."""

    def __init__(self, model: JumpCloudModel) -> None:
        self.store = model.store

    def get(self, office365_id: str, group_id: str) -> dict | None:
        row = self.store.one(
            "SELECT * FROM m365_group_links WHERE office365_id = ? AND group_id = ?",
            (office365_id, group_id),
        )
        if row is not None:
            row["members"] = json.loads(row["members"] or "[]")
            row["sync_status"] = json.loads(row["sync_status"] or "null")
        return row

    def group_ids(self, office365_id: str) -> list[str]:
        rows = self.store.all(
            "SELECT group_id FROM m365_group_links WHERE office365_id = ?", (office365_id,)
        )
        return [r["group_id"] for r in rows]

    def save(self, org_id: str, office365_id: str, group_id: str, **values) -> None:
        current = self.get(office365_id, group_id) or {}
        row = {
            "office365_id": office365_id,
            "group_id": group_id,
            "org_id": org_id,
            "external_id": values.get("external_id", current.get("external_id")),
            "name": values.get("name", current.get("name")),
            "members": json.dumps(sorted(values.get("members", current.get("members") or []))),
            "sync_status": json.dumps(values.get("sync_status", current.get("sync_status"))),
        }
        with self.store.transaction() as db:
            db.table("m365_group_links").upsert(row, pk=("office365_id", "group_id"))

    def drop(self, office365_id: str, group_id: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM m365_group_links WHERE office365_id = ? AND group_id = ?",
                (office365_id, group_id),
            )


def mail_nickname(name: str, group_id: str) -> str:
    """A valid, tenant-unique ``mailNickname`` from the group's name and id."""
    base = re.sub(r"[^A-Za-z0-9]", "", name)[:40] or "group"
    return f"{base}{group_id[-6:]}"


class GroupSync:
    """Mirrors the user groups bound to an instance as Microsoft 365 security groups."""

    def __init__(self, engine: SyncEngine, model: JumpCloudModel) -> None:
        self.engine = engine
        self.model = model
        self.links = GroupLinks(model)

    # -- what to look at -------------------------------------------------------------------
    def groups_of_users(self, org_id: str, office365_id: str, user_ids: Iterable[str]) -> None:
        """Users were exported or changed: their bound groups' members may need a push."""
        group_ids: set[str] = set()
        for user_id in user_ids:
            group_ids |= set(self.model.groups.group_ids_of(org_id, user_id))
        if group_ids:
            self.reconcile(org_id, office365_id, group_ids)

    def reconcile_instance(self, org_id: str, office365_id: str) -> None:
        bound = self._bound_groups(org_id, office365_id)
        self.reconcile(org_id, office365_id, bound | set(self.links.group_ids(office365_id)))

    def reconcile(self, org_id: str, office365_id: str, group_ids: Iterable[str]) -> None:
        """Bring each group's Microsoft 365 counterpart in line; failures become its status."""
        try:
            instance = self.model.office365.get(org_id, office365_id)
        except JumpCloudError:
            return  # the instance (or its world) is gone
        bound = self._bound_groups(org_id, office365_id)
        for group_id in group_ids:
            if not instance.get("groupsEnabled") or group_id not in bound:
                if self.links.get(office365_id, group_id) is not None:
                    self._stop(org_id, office365_id, group_id)
                continue
            if not self.engine.grants.usable(office365_id):
                self._status(org_id, office365_id, group_id, PENDING, "Paused: authorize sync")
                continue
            try:
                self._push(org_id, office365_id, group_id)
            except AuthorizationLost:
                self._status(org_id, office365_id, group_id, PENDING, "Paused: authorize sync")
            except GraphError as exc:
                self._status(
                    org_id, office365_id, group_id, exc.status or 502,
                    f"{exc.code}: {exc.message}",
                )  # fmt: skip
            except JumpCloudError:
                continue  # the group went away meanwhile

    def instances_of(self, org_id: str, group_id: str) -> list[str]:
        """The instances the group is bound to."""
        try:
            reached = self.model.graph.resources_of_group(org_id, group_id, "office_365")
        except JumpCloudError:
            return []
        return [r["id"] for r in reached]

    def _bound_groups(self, org_id: str, office365_id: str) -> set[str]:
        try:
            return {g["id"] for g in self.model.graph.groups_of(org_id, "office_365", office365_id)}
        except JumpCloudError:
            return set()

    # -- one group ---------------------------------------------------------------------------
    def _push(self, org_id: str, office365_id: str, group_id: str) -> None:
        group = self.model.groups.get(org_id, group_id)
        members = self.model.groups.member_ids(org_id, group_id)
        link = self.links.get(office365_id, group_id) or {}
        if not members and not link.get("external_id"):
            self._status(
                org_id, office365_id, group_id, PENDING,
                "Waiting: a group is exported once it has at least one member",
            )  # fmt: skip
            return
        client = self.engine.client(office365_id)
        name = group["name"]
        external_id = link.get("external_id")
        previous = link.get("sync_status") or {}
        message = previous.get("message") if previous.get("code") == OK else "Synced"
        if not external_id:
            external_id, message = self._create_or_take_over(client, org_id, office365_id, group)
        elif link.get("name") != name:
            self._write(client, org_id, office365_id, group_id, "m365_group_update", "PATCH",
                        f"/groups/{external_id}", {"displayName": name})  # fmt: skip
        wanted = self._exported(office365_id, members)
        pushed = set(link.get("members") or [])
        for ms_id in sorted(wanted - pushed):
            self._add_member(client, org_id, office365_id, group_id, external_id, ms_id)
        for ms_id in sorted(pushed - wanted):
            self._remove_member(client, org_id, office365_id, group_id, external_id, ms_id)
        self.links.save(
            org_id, office365_id, group_id, external_id=external_id, name=name,
            members=wanted, sync_status={"code": OK, "message": message},
        )  # fmt: skip

    def _exported(self, office365_id: str, member_ids: list[str]) -> set[str]:
        """Microsoft object ids of the members whose accounts the integration exported."""
        links = self.engine.links.many(office365_id, member_ids)
        return {
            link.external_id
            for link in links.values()
            if link.state == BOUND and link.external_id and not link.dirty
        }

    def _create_or_take_over(
        self, client: GraphClient, org_id: str, office365_id: str, group: dict
    ) -> tuple[str, str]:
        name = group["name"]
        found = (
            client.call(
                "GET",
                "/groups",
                params={
                    "$filter": f"displayName eq {odata_quote(name)} and securityEnabled eq true",
                    "$select": "id,displayName,mailEnabled,securityEnabled,groupTypes",
                },
            )
            or {}
        )
        existing = [
            g
            for g in found.get("value", [])
            if not g.get("mailEnabled") and not g.get("groupTypes")
        ]
        if existing:
            return existing[0]["id"], "Took over the existing Microsoft 365 security group"
        body = {
            "displayName": name,
            "description": group.get("description") or f"Managed by JumpCloud ({group['id']})",
            "mailNickname": mail_nickname(name, group["id"]),
            "mailEnabled": False,
            "securityEnabled": True,
        }
        created = self._write(client, org_id, office365_id, group["id"], "m365_group_create",
                              "POST", "/groups", body) or {}  # fmt: skip
        return created["id"], "Exported: created in Microsoft 365"

    def _add_member(self, client, org_id, office365_id, group_id, external_id, ms_id) -> None:
        body = {"@odata.id": f"{self.engine.graph_base}/directoryObjects/{ms_id}"}
        try:
            self._write(client, org_id, office365_id, group_id, "m365_group_member_add", "POST",
                        f"/groups/{external_id}/members/$ref", body)  # fmt: skip
        except GraphError as exc:
            if exc.status != 400 or "already exist" not in exc.message:
                raise  # a member added by someone else already is fine

    def _remove_member(self, client, org_id, office365_id, group_id, external_id, ms_id) -> None:
        try:
            self._write(client, org_id, office365_id, group_id, "m365_group_member_remove",
                        "DELETE", f"/groups/{external_id}/members/{ms_id}/$ref", None)  # fmt: skip
        except GraphError as exc:
            if exc.status != 404:
                raise  # already gone is fine

    def _stop(self, org_id: str, office365_id: str, group_id: str) -> None:
        """No longer managed: the Microsoft 365 group and its members are left as they are."""
        link = self.links.get(office365_id, group_id) or {}
        self.links.drop(office365_id, group_id)
        self.model.events.record(
            org_id,
            "m365_group_unmanaged",
            service="office_365",
            initiated_by={"type": "system", "name": "Microsoft 365 directory integration"},
            resource={"type": EVENT_RESOURCE, "id": group_id, "office365": office365_id},
            details={"result": {"externalId": link.get("external_id")}},
        )

    # -- writes, events, status ---------------------------------------------------------------
    def _write(self, client, org_id, office365_id, group_id, event_type, method, path, body):
        try:
            reply = client.call(method, path, json=body)
        except GraphError as exc:
            self._event(org_id, office365_id, group_id, event_type, method, path, body, False,
                        {"status": exc.status, "code": exc.code})  # fmt: skip
            raise
        result: dict = {"status": 201 if method == "POST" else 204}
        if reply and reply.get("id"):
            result["id"] = reply["id"]
        self._event(org_id, office365_id, group_id, event_type, method, path, body, True, result)
        return reply

    def _event(self, org_id, office365_id, group_id, event_type, method, path, body, ok, result):
        self.model.events.record(
            org_id,
            event_type,
            service="office_365",
            success=ok,
            initiated_by={"type": "system", "name": "Microsoft 365 directory integration"},
            resource={"type": EVENT_RESOURCE, "id": group_id, "office365": office365_id},
            details={"request": {"method": method, "path": path, "body": body}, "result": result},
        )

    def _status(self, org_id: str, office365_id: str, group_id: str, code: int, msg: str) -> None:
        self.links.save(org_id, office365_id, group_id, sync_status={"code": code, "message": msg})

    def status_of(self, office365_id: str, group_id: str) -> dict:
        """``externalId`` and ``syncStatus`` of a group, for the usergroups traversal."""
        link = self.links.get(office365_id, group_id) or {}
        out: dict = {}
        if link.get("external_id"):
            out["externalId"] = link["external_id"]
        if link.get("sync_status"):
            out["syncStatus"] = link["sync_status"]
        return out
