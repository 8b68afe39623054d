"""Groups of a tenant and their members (Graph ``/groups``, ``/users/{id}/memberOf``).

What the lab models: security groups (``securityEnabled: true``, ``mailEnabled: false``, no
``groupTypes``) and Microsoft 365 groups (``groupTypes: ["Unified"]``, mail-enabled). Writes
of mail-enabled security groups and distribution lists are refused, as Graph refuses them.
Members are users of the same tenant; a soft-deleted user drops out of every member list and
comes back with a restore. A deleted group is gone at once (security groups are never kept in
deleted items; the lab does the same for Microsoft 365 groups).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from simulators.core.repository import Repository
from simulators.microsoft.ids import is_guid, iso, new_guid
from simulators.microsoft.model.declared import GROUP_PROFILE, merged_profile, refusal
from simulators.microsoft.model.errors import DirectoryError, bad_request, not_found
from simulators.microsoft.model.managers import referenced_key
from simulators.microsoft.model.odata import STRING_ADVANCED, STRING_DEFAULT, FilterParser, Prop
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.model.user_query import make_token, page_size, query_digest, read_token
from simulators.microsoft.model.users import Users

WRITABLE = {
    "displayName",
    "description",
    "mailNickname",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "visibility",
}
READ_ONLY = {"id", "createdDateTime", "mail", "securityIdentifier", "renewedDateTime"}
BIND_PROPERTIES = {"members@odata.bind", "owners@odata.bind"}
IGNORED = {"@odata.type"}
"""Annotations clients send (msgraph-sdk names the type in every body); accepted, not stored."""
UNIFIED = "Unified"
_NICKNAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,64}$")

GROUP_PROPS: dict[str, Prop] = {
    "id": Prop("string", frozenset({"eq", "in"}), frozenset({"ne", "not"})),
    "displayName": Prop("string", STRING_DEFAULT, STRING_ADVANCED | {"endsWith"}),
    "description": Prop("string", frozenset({"eq", "startsWith"}), STRING_ADVANCED),
    "mailNickname": Prop("string", STRING_DEFAULT, STRING_ADVANCED | {"endsWith"}),
    "mail": Prop("string", STRING_DEFAULT, STRING_ADVANCED | {"endsWith"}),
    "securityEnabled": Prop("bool", frozenset({"eq", "in"}), frozenset({"ne", "not"})),
    "mailEnabled": Prop("bool", frozenset({"eq", "in"}), frozenset({"ne", "not"})),
    "groupTypes": Prop("collection", frozenset({"eq"}), frozenset({"not"})),
    "createdDateTime": Prop(
        "datetime", frozenset({"eq", "ge", "le", "in"}), frozenset({"ne", "not"})
    ),
}
"""Which operators each group property supports in ``$filter`` (default / advanced only)."""


@dataclass
class GroupPage:
    rows: list[dict]
    next_token: str | None = None
    count: int | None = None


def _required_string(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(
            f"Invalid value specified for property '{name}' of resource 'Group'.", target=name
        )
    return value.strip()


def _bool(body: dict, name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise bad_request(
            f"Invalid value specified for property '{name}' of resource 'Group'.", target=name
        )
    return value


def _group_types(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(
            "Invalid value specified for property 'groupTypes' of resource 'Group'.",
            target="groupTypes",
        )
    for kind in value:
        if kind not in (UNIFIED, "DynamicMembership"):
            raise bad_request(f"Invalid group type '{kind}'.", target="groupTypes")
    if "DynamicMembership" in value:
        raise bad_request(
            "Dynamic membership groups are not supported by this lab.", target="groupTypes"
        )
    return list(dict.fromkeys(value))


def _check_kind(mail_enabled: bool, security_enabled: bool, group_types: list[str]) -> None:
    if mail_enabled and UNIFIED not in group_types:
        raise bad_request("Cannot Create a mail-enabled security groups and or distribution list.")
    if UNIFIED in group_types and not mail_enabled:
        raise bad_request(
            "Microsoft 365 groups (groupTypes 'Unified') must be mail-enabled.",
            target="mailEnabled",
        )
    if not mail_enabled and not security_enabled:
        raise bad_request(
            "Invalid value specified for property 'securityEnabled' of resource 'Group'.",
            target="securityEnabled",
        )


def _security_identifier(group_id: str) -> str:
    """``S-1-12-1-…``: the object id's four 32-bit words, as Entra derives a cloud group SID."""
    raw = bytes.fromhex(group_id.replace("-", ""))
    words = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(w) for w in words)


class Groups(Repository):
    """Groups of every tenant; every read and write is scoped by tenant id."""

    def __init__(self, store, clock, users: Users) -> None:
        super().__init__(store, clock)
        self.users = users

    # -- reads -----------------------------------------------------------------------------
    def get(self, tenant_id: str, group_id: str) -> dict | None:
        if not is_guid(group_id):
            return None
        return self.one(
            "SELECT * FROM groups WHERE tenant_id = ? AND id = ?", (tenant_id, group_id.lower())
        )

    def require(self, tenant_id: str, group_id: str) -> dict:
        group = self.get(tenant_id, group_id)
        if group is None:
            raise not_found(group_id)
        return group

    def page(
        self,
        tenant_id: str,
        *,
        filter: str | None = None,
        top: str | None = None,
        skiptoken: str | None = None,
        count: bool = False,
        eventual: bool = False,
    ) -> GroupPage:
        """One page of a tenant's groups in creation order, keyset-paged by ``$skiptoken``."""
        limit = page_size(top)
        where: list[str] = ["tenant_id = ?"]
        params: list[Any] = [tenant_id]
        if filter:
            compiled = FilterParser(filter, GROUP_PROPS, "group").parse()
            if compiled.advanced and not (eventual and count):
                raise DirectoryError(400, "Request_UnsupportedQuery", "Unsupported Query.")
            where.append(compiled.sql)
            params += compiled.params
        digest = query_digest(filter)
        total = None
        if count and eventual and skiptoken is None:
            total = self.db.execute(
                f"SELECT COUNT(*) FROM groups WHERE {' AND '.join(where)}", params
            ).fetchone()[0]
        if skiptoken is not None:
            _, last_pk = read_token(skiptoken, digest)
            where.append("pk > ?")
            params.append(last_pk)
        rows = self.all(
            f"SELECT * FROM groups WHERE {' AND '.join(where)} ORDER BY pk LIMIT ?",
            [*params, limit + 1],
        )
        token = None
        if len(rows) > limit:
            rows = rows[:limit]
            token = make_token(None, rows[-1]["pk"], digest)
        return GroupPage(rows, token, total)

    def members(self, tenant_id: str, group_id: str) -> list[dict]:
        """The live users that are members of a group, in the order they were added."""
        group = self.require(tenant_id, group_id)
        return self.all(
            "SELECT u.* FROM group_members m JOIN users u ON u.id = m.member_id "
            "AND u.tenant_id = m.tenant_id AND u.live = 1 "
            "WHERE m.tenant_id = ? AND m.group_id = ? ORDER BY m.rowid",
            (tenant_id, group["id"]),
        )

    def memberships_of(self, tenant_id: str, user_ids: list[str]) -> dict[str, list[dict]]:
        """The groups each of these users is a direct member of, in creation order, by user."""
        out: dict[str, list[dict]] = {u: [] for u in user_ids}
        if not user_ids:
            return out
        marks = ", ".join("?" for _ in user_ids)
        rows = self.all(
            "SELECT m.member_id AS _member, g.* FROM group_members m JOIN groups g "
            "ON g.id = m.group_id AND g.tenant_id = m.tenant_id "
            f"WHERE m.tenant_id = ? AND m.member_id IN ({marks}) ORDER BY g.pk",
            (tenant_id, *user_ids),
        )
        for row in rows:
            out[row.pop("_member")].append(row)
        return out

    def member_of(self, tenant_id: str, user_key: str) -> list[dict]:
        """The groups a user is a direct member of."""
        user = self.users.require(tenant_id, user_key)
        return self.memberships_of(tenant_id, [user["id"]])[user["id"]]

    # -- writes ----------------------------------------------------------------------------
    def create(self, tenant_id: str, body: Any) -> dict:
        """``POST /groups`` rules, including ``members@odata.bind``."""
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        for key in body:
            if key not in WRITABLE | GROUP_PROFILE | BIND_PROPERTIES | IGNORED:
                raise refusal("group", key)
        display_name = _required_string(body, "displayName")
        nickname = self._nickname(_required_string(body, "mailNickname"))
        mail_enabled, security_enabled = _bool(body, "mailEnabled"), _bool(body, "securityEnabled")
        group_types = _group_types(body.get("groupTypes"))
        _check_kind(mail_enabled, security_enabled, group_types)
        member_ids = self._bound_members(tenant_id, body.get("members@odata.bind"))
        self._bound_members(tenant_id, body.get("owners@odata.bind"))  # checked; not modelled
        group_id = new_guid()
        now = iso(self.clock.now())
        row = {
            "id": group_id,
            "tenant_id": tenant_id,
            "displayName": display_name,
            "description": self._description(body.get("description")),
            "mailNickname": nickname,
            "mail": self._mail(tenant_id, nickname) if mail_enabled else None,
            "mailEnabled": int(mail_enabled),
            "securityEnabled": int(security_enabled),
            "groupTypes": json.dumps(group_types),
            "visibility": self._visibility(body.get("visibility"), group_types),
            "createdDateTime": now,
            "renewedDateTime": now,
            "securityIdentifier": _security_identifier(group_id),
            "profile": merged_profile("group", None, body),
        }
        with self.store.transaction() as db:
            self.store.insert("groups", row)
            for member_id in member_ids:
                db.execute(
                    "INSERT OR IGNORE INTO group_members (tenant_id, group_id, member_id) "
                    "VALUES (?, ?, ?)",
                    (tenant_id, group_id, member_id),
                )
        return self.require(tenant_id, group_id)

    def update(self, tenant_id: str, group_id: str, body: Any) -> dict:
        """``PATCH /groups/{id}``: display name, description, nickname, visibility."""
        group = self.require(tenant_id, group_id)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        for key in body:
            if key not in WRITABLE | GROUP_PROFILE | IGNORED:
                raise refusal("group", key)
        columns: dict[str, Any] = {}
        if GROUP_PROFILE & set(body):
            columns["profile"] = merged_profile("group", group.get("profile"), body)
        if "displayName" in body:
            columns["displayName"] = _required_string(body, "displayName")
        if "description" in body:
            columns["description"] = self._description(body["description"])
        if "mailNickname" in body:
            columns["mailNickname"] = self._nickname(_required_string(body, "mailNickname"))
        if "visibility" in body:
            columns["visibility"] = self._visibility(
                body["visibility"], json.loads(group["groupTypes"])
            )
        for name in ("mailEnabled", "securityEnabled", "groupTypes"):
            if name in body and body[name] != self._current(group, name):
                raise bad_request(
                    f"Property '{name}' of a group cannot be changed after it is created.",
                    target=name,
                )
        if columns:
            sets = ", ".join(f'"{name}" = ?' for name in columns)
            self.write(
                f"UPDATE groups SET {sets} WHERE tenant_id = ? AND id = ?",
                [*columns.values(), tenant_id, group["id"]],
            )
        return self.require(tenant_id, group["id"])

    def delete(self, tenant_id: str, group_id: str) -> None:
        group = self.require(tenant_id, group_id)
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM group_members WHERE tenant_id = ? AND group_id = ?",
                (tenant_id, group["id"]),
            )
            db.execute(
                "DELETE FROM groups WHERE tenant_id = ? AND id = ?", (tenant_id, group["id"])
            )

    def add_member(self, tenant_id: str, group_id: str, reference: object) -> EntraUserRow:
        """``POST /groups/{id}/members/$ref``: a live user of the same tenant, once."""
        group = self.require(tenant_id, group_id)
        user = self.users.require(tenant_id, referenced_key(reference))
        added = self.write(
            "INSERT OR IGNORE INTO group_members (tenant_id, group_id, member_id) VALUES (?, ?, ?)",
            (tenant_id, group["id"], user["id"]),
        )
        if not added:
            raise bad_request(
                "One or more added object references already exist for the following modified "
                "properties: 'members'."
            )
        return user

    def remove_member(self, tenant_id: str, group_id: str, member_id: str) -> None:
        """``DELETE /groups/{id}/members/{member-id}/$ref``; 404 when it is not a member."""
        group = self.require(tenant_id, group_id)
        removed = self.write(
            "DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? AND member_id = ?",
            (tenant_id, group["id"], member_id.lower()),
        )
        if not removed:
            raise not_found(member_id)

    # -- rules -----------------------------------------------------------------------------
    def _bound_members(self, tenant_id: str, references: Any) -> list[str]:
        if references is None:
            return []
        if not isinstance(references, list):
            raise bad_request(
                "Invalid value specified for property 'members@odata.bind' of resource 'Group'."
            )
        return [self.users.require(tenant_id, referenced_key(r))["id"] for r in references]

    @staticmethod
    def _nickname(value: str) -> str:
        if not _NICKNAME.match(value) or value.startswith(".") or value.endswith("."):
            raise bad_request(
                "Invalid value specified for property 'mailNickname' of resource 'Group'.",
                target="mailNickname",
            )
        return value

    @staticmethod
    def _description(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 1024:
            raise bad_request(
                "Invalid value specified for property 'description' of resource 'Group'.",
                target="description",
            )
        return value or None

    @staticmethod
    def _visibility(value: Any, group_types: list[str]) -> str | None:
        if value is None:
            return "Public" if UNIFIED in group_types else None
        if value not in ("Public", "Private", "HiddenMembership"):
            raise bad_request(
                "Invalid value specified for property 'visibility' of resource 'Group'.",
                target="visibility",
            )
        return value

    def _mail(self, tenant_id: str, nickname: str) -> str:
        tenant = self.users.tenants.get(tenant_id)
        domain = tenant["initial_domain"] if tenant else "onmicrosoft.com"
        return f"{nickname}@{domain}"

    @staticmethod
    def _current(group: dict, name: str) -> Any:
        if name == "groupTypes":
            return json.loads(group["groupTypes"])
        return bool(group[name])
