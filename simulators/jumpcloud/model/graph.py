"""The association graph: direct edges and traversals with ``paths``.

Edges are stored once, from a *subject* (user or user_group) to a *target* resource
(application, office_365, ...). Group membership lives in ``group_members``; traversals
combine both, so a user reaches a resource directly or through each of their groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .base import Backend, dumps, loads
from .errors import BadRequest, Conflict, NotFound
from .groups import Groups
from .hooks import AssociationChanged

SUBJECT_TYPES = ("user", "user_group")
USER_TARGETS = [
    "active_directory",
    "application",
    "g_suite",
    "idp_routing_policy",
    "ldap_server",
    "office_365",
    "password_manager_item",
    "radius_server",
    "system",
    "system_group",
]
RESOURCE_TYPES = ("application", "office_365")
"""Target types this fake models; others are valid enum values with no objects (404)."""
DIRECTORY_TYPES = ("active_directory", "g_suite", "ldap_server", "office_365")
TRAVERSALS: dict[str, tuple[str, ...]] = {
    "directories": DIRECTORY_TYPES,
    "applications": ("application",),
    "office365s": ("office_365",),
}
EMPTY_TRAVERSALS = ("activedirectories", "gsuites", "ldapservers", "radiusservers", "systems",
                    "systemgroups")  # fmt: skip
"""Traversal collections of resources this fake does not model: always an empty list."""
TRAVERSAL_COLLECTIONS = (*TRAVERSALS, *EMPTY_TRAVERSALS)

Exists = Callable[[str, str], bool]


def connection(obj_type: str, obj_id: str, attributes: dict | None = None) -> dict:
    """A GraphConnection pointing ``to`` an object (``attributes`` only when set)."""
    conn: dict = {"to": {"id": obj_id, "type": obj_type}}
    if attributes:
        conn["attributes"] = attributes
    return conn


def with_paths(obj_type: str, obj_id: str, paths: list[list[dict]]) -> dict:
    """A GraphObjectWithPaths; compiledAttributes merges the edges' attributes."""
    compiled: dict = {}
    for path in paths:
        for conn in path:
            compiled.update(conn.get("attributes") or {})
    return {"id": obj_id, "type": obj_type, "paths": paths, "compiledAttributes": compiled}


def traversal_types(collection: str) -> tuple[str, ...] | None:
    """The target types a traversal collection lists (none for the empty ones), None if unknown."""
    if collection in TRAVERSALS:
        return TRAVERSALS[collection]
    return () if collection in EMPTY_TRAVERSALS else None


@dataclass(frozen=True)
class GraphOperation:
    """A checked ``{"op", "type", "id", "attributes"}`` association write."""

    op: str
    type: str
    id: str
    attributes: dict | None = None

    @classmethod
    def parse(cls, body: Any, allowed: tuple[str, ...] | list[str]) -> GraphOperation:
        """``body`` validated against the allowed ``type`` enum."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        op, kind, obj_id = body.get("op"), body.get("type"), body.get("id")
        if op not in ("add", "remove", "update"):
            raise BadRequest("op: must be one of add, remove, update")
        if kind not in allowed:
            raise BadRequest(f"type: must be one of {', '.join(allowed)}")
        if not isinstance(obj_id, str) or not obj_id:
            raise BadRequest("id: is required")
        attributes = body.get("attributes")
        if attributes is not None and not isinstance(attributes, dict):
            raise BadRequest("attributes: must be an object")
        return cls(str(op), str(kind), obj_id, attributes)


class Graph:
    def __init__(self, backend: Backend, groups: Groups, exists: dict[str, Exists]) -> None:
        self.backend = backend
        self.groups = groups
        self.exists = exists

    def require(self, org_id: str, obj_type: str, obj_id: str) -> None:
        check = self.exists.get(obj_type)
        if check is None or not check(org_id, obj_id):
            raise NotFound(f"{obj_type} {obj_id} not found")

    # -- writes --------------------------------------------------------------------------
    def write_from_subject(
        self, org_id: str, subject_type: str, subject_id: str, body: Any
    ) -> None:
        """A user- or group-side association write (``body`` as the v2 API takes it)."""
        operation = GraphOperation.parse(body, USER_TARGETS)
        self.change(org_id, operation.op, subject_type, subject_id, operation.type, operation.id,
                    operation.attributes)  # fmt: skip

    def write_from_resource(self, org_id: str, target_type: str, target_id: str, body: Any) -> None:
        """A resource-side association write (application/office_365 → user/user_group)."""
        operation = GraphOperation.parse(body, SUBJECT_TYPES)
        self.change(org_id, operation.op, operation.type, operation.id, target_type, target_id,
                    operation.attributes)  # fmt: skip

    def write_membership(self, org_id: str, group_id: str, body: Any) -> None:
        """Add a user to a group or remove one (``update`` has no meaning for a member)."""
        operation = GraphOperation.parse(body, ("user",))
        if operation.op == "update":
            raise BadRequest("op: must be add or remove")
        self.require(org_id, "user", operation.id)
        self.groups.change_member(org_id, group_id, operation.op, operation.id)

    def change(
        self,
        org_id: str,
        op: str,
        subject_type: str,
        subject_id: str,
        target_type: str,
        target_id: str,
        attributes: dict | None = None,
    ) -> None:
        """add / remove / update one edge; 404 for unknown ends, 409 on a duplicate add."""
        if op not in ("add", "remove", "update"):
            raise BadRequest("op: must be one of add, remove, update")
        if subject_type not in SUBJECT_TYPES:
            raise BadRequest(f"type: {subject_type} cannot be associated here")
        if attributes is not None and not isinstance(attributes, dict):
            raise BadRequest("attributes: must be an object")
        self.require(org_id, subject_type, subject_id)
        self.require(org_id, target_type, target_id)
        key = (subject_id, target_type, target_id)
        with self.backend.tx() as db:
            present = db.execute(
                "SELECT 1 FROM edges WHERE subject_id = ? AND target_type = ? AND target_id = ?",
                key,
            ).fetchone()
            if op == "add":
                if present:
                    raise Conflict("Already Exists")
                db.execute(
                    "INSERT INTO edges (org_id, subject_type, subject_id, target_type, target_id, "
                    "attributes) VALUES (?, ?, ?, ?, ?, ?)",
                    (org_id, subject_type, *key, dumps(attributes) if attributes else None),
                )
            elif op == "update":
                if not present:
                    raise NotFound("association not found")
                db.execute(
                    "UPDATE edges SET attributes = ? WHERE subject_id = ? AND target_type = ? "
                    "AND target_id = ?",
                    (dumps(attributes) if attributes else None, *key),
                )
            else:
                if not present:
                    return
                db.execute(
                    "DELETE FROM edges WHERE subject_id = ? AND target_type = ? AND target_id = ?",
                    key,
                )
            self.backend.emit(
                AssociationChanged(
                    org_id, op, subject_type, subject_id, target_type, target_id, attributes
                )
            )

    def drop_target(self, org_id: str, target_type: str, target_id: str) -> None:
        """Remove every edge to a resource of ``org_id`` being deleted (emits ``remove`` for
        each); NotFound, before anything changes, when the resource is not the org's."""
        self.require(org_id, target_type, target_id)
        edges = self.backend.all(
            "SELECT * FROM edges WHERE target_id = ? AND org_id = ?", (target_id, org_id)
        )
        with self.backend.tx() as db:
            db.execute("DELETE FROM edges WHERE target_id = ? AND org_id = ?", (target_id, org_id))
            for e in edges:
                self.backend.emit(
                    AssociationChanged(
                        org_id, "remove", e["subject_type"], e["subject_id"], target_type, target_id
                    )
                )

    # -- direct edges --------------------------------------------------------------------
    def associations(self, org_id: str, obj_type: str, obj_id: str, targets: list[str]) -> list:
        """GraphConnection[] of direct edges from ``obj`` to objects of ``targets`` types."""
        self.require(org_id, obj_type, obj_id)
        if obj_type in SUBJECT_TYPES:
            rows = self.backend.all(
                "SELECT target_type AS t, target_id AS i, attributes FROM edges "
                "WHERE subject_id = ? AND +org_id = ? ORDER BY rowid",
                (obj_id, org_id),
            )
        else:
            rows = self.backend.all(
                "SELECT subject_type AS t, subject_id AS i, attributes FROM edges "
                "WHERE target_id = ? AND +org_id = ? ORDER BY rowid",
                (obj_id, org_id),
            )
        return [
            connection(r["t"], r["i"], loads(r["attributes"])) for r in rows if r["t"] in targets
        ]

    # -- traversals ----------------------------------------------------------------------
    def resources_of_user(self, org_id: str, user_id: str, target_type: str) -> list[dict]:
        """Resources a user reaches directly or through a group, with every path."""
        self.require(org_id, "user", user_id)
        found: dict[str, list[list[dict]]] = {}
        for r in self._edges_from(org_id, user_id, target_type):
            found.setdefault(r["target_id"], []).append(
                [connection(target_type, r["target_id"], loads(r["attributes"]))]
            )
        for group_id in self.groups.group_ids_of(org_id, user_id):
            for r in self._edges_from(org_id, group_id, target_type):
                found.setdefault(r["target_id"], []).append(
                    [
                        connection("user_group", group_id),
                        connection(target_type, r["target_id"], loads(r["attributes"])),
                    ]
                )
        return [with_paths(target_type, i, p) for i, p in found.items()]

    def reaches(
        self, org_id: str, user_id: str, target_type: str, target_id: str | None = None
    ) -> bool:
        """Does the user reach a resource of ``target_type`` (that one, when ``target_id`` is
        given) directly or through a group? ``resources_of_user`` without the paths, in one
        query (the IdP asks on every sign-in); False for an unknown user."""
        sql = (
            "SELECT 1 FROM edges WHERE target_type = ? AND +org_id = ? AND subject_id IN "
            "(SELECT ? UNION ALL "
            "SELECT group_id FROM group_members WHERE user_id = ? AND +org_id = ?)"
        )
        params = [target_type, org_id, user_id, user_id, org_id]
        if target_id is not None:
            sql += " AND target_id = ?"
            params.append(target_id)
        return self.backend.one(sql + " LIMIT 1", params) is not None

    def traverse(
        self, org_id: str, subject_type: str, subject_id: str, collection: str
    ) -> list[dict] | None:
        """The resources of a traversal collection a user or group reaches; None if unknown."""
        kinds = traversal_types(collection)
        if kinds is None:
            return None
        reach = self.resources_of_user if subject_type == "user" else self.resources_of_group
        return [found for kind in kinds for found in reach(org_id, subject_id, kind)]

    def resources_of_group(self, org_id: str, group_id: str, target_type: str) -> list[dict]:
        self.require(org_id, "user_group", group_id)
        return [
            with_paths(
                target_type,
                r["target_id"],
                [[connection(target_type, r["target_id"], loads(r["attributes"]))]],
            )
            for r in self._edges_from(org_id, group_id, target_type)
        ]

    def users_of(self, org_id: str, obj_type: str, obj_id: str) -> list[dict]:
        """Users bound to a resource directly or through a group (GraphObjectWithPaths[])."""
        self.require(org_id, obj_type, obj_id)
        found: dict[str, list[list[dict]]] = {}
        for r in self._edges_to(org_id, obj_id):
            attrs = loads(r["attributes"])
            if r["subject_type"] == "user":
                found.setdefault(r["subject_id"], []).append(
                    [connection("user", r["subject_id"], attrs)]
                )
                continue
            for user_id in self.groups.member_ids(org_id, r["subject_id"]):
                found.setdefault(user_id, []).append(
                    [connection("user_group", r["subject_id"], attrs), connection("user", user_id)]
                )
        return [with_paths("user", i, p) for i, p in found.items()]

    def user_ids_of(self, org_id: str, obj_type: str, obj_id: str) -> list[str]:
        return [o["id"] for o in self.users_of(org_id, obj_type, obj_id)]

    def groups_of(self, org_id: str, obj_type: str, obj_id: str) -> list[dict]:
        """User groups bound directly to a resource."""
        self.require(org_id, obj_type, obj_id)
        return [
            with_paths(
                "user_group",
                r["subject_id"],
                [[connection("user_group", r["subject_id"], loads(r["attributes"]))]],
            )
            for r in self._edges_to(org_id, obj_id)
            if r["subject_type"] == "user_group"
        ]

    def memberof(self, org_id: str, user_id: str) -> list[dict]:
        self.require(org_id, "user", user_id)
        return [
            with_paths("user_group", g, [[connection("user_group", g)]])
            for g in self.groups.group_ids_of(org_id, user_id)
        ]

    def membership(self, org_id: str, group_id: str) -> list[dict]:
        self.require(org_id, "user_group", group_id)
        return [
            with_paths("user", u, [[connection("user", u)]])
            for u in self.groups.member_ids(org_id, group_id)
        ]

    def members(self, org_id: str, group_id: str) -> list[dict]:
        self.require(org_id, "user_group", group_id)
        return [connection("user", u) for u in self.groups.member_ids(org_id, group_id)]

    def _edges_from(self, org_id: str, subject_id: str, target_type: str) -> list[dict]:
        return self.backend.all(
            "SELECT * FROM edges WHERE subject_id = ? AND target_type = ? AND +org_id = ? "
            "ORDER BY rowid",
            (subject_id, target_type, org_id),
        )

    def _edges_to(self, org_id: str, target_id: str) -> list[dict]:
        return self.backend.all(
            "SELECT * FROM edges WHERE target_id = ? AND +org_id = ? ORDER BY rowid",
            (target_id, org_id),
        )
