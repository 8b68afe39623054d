"""User groups and their (static) membership."""

from __future__ import annotations

import builtins

from .base import Backend, dumps, loads
from .errors import BadRequest, Conflict, NotFound
from .hooks import AssociationChanged, UserGroupChanged
from .ids import is_object_id

MEMBERSHIP_METHODS = ("NOTSET", "STATIC", "DYNAMIC_REVIEW_REQUIRED", "DYNAMIC_AUTOMATED")
_WRITABLE = (
    "name",
    "description",
    "email",
    "attributes",
    "membershipMethod",
    "memberQuery",
    "memberQueryExemptions",
    "memberSuggestionsNotify",
)


def _defaults(org_id: str) -> dict:
    return {
        "name": "",
        "description": "",
        "email": "",
        "type": "user_group",
        "attributes": {},
        "membershipMethod": "STATIC",
        "memberQueryExemptions": [],
        "memberSuggestionsNotify": False,
        "suggestionCounts": {"add": 0, "remove": 0, "total": 0},
        "organizationObjectId": org_id,
    }


def _validated(org_id: str, body: dict) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name: is required")
    doc = _defaults(org_id)
    for key in _WRITABLE:
        if key in body and body[key] is not None:
            doc[key] = body[key]
    for key in ("description", "email"):
        if not isinstance(doc[key], str):
            raise BadRequest(f"{key}: must be a string")
    if doc["membershipMethod"] not in MEMBERSHIP_METHODS:
        raise BadRequest(f"membershipMethod: must be one of {', '.join(MEMBERSHIP_METHODS)}")
    if not isinstance(doc["attributes"], dict):
        raise BadRequest("attributes: must be an object")
    if not isinstance(doc["memberQueryExemptions"], list):
        raise BadRequest("memberQueryExemptions: must be an array")
    return doc


class Groups:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def _row(self, org_id: str, group_id: str) -> dict:
        row = None
        if is_object_id(group_id):
            row = self.backend.one(
                "SELECT * FROM groups WHERE id = ? AND org_id = ?", (group_id, org_id)
            )
        if row is None:
            raise NotFound(f"User group {group_id} not found")
        return row

    @staticmethod
    def render(row: dict) -> dict:
        return {"id": row["id"], **loads(row["doc"], {})}

    def get(self, org_id: str, group_id: str) -> dict:
        return self.render(self._row(org_id, group_id))

    def exists(self, org_id: str, group_id: str) -> bool:
        return bool(
            is_object_id(group_id)
            and self.backend.one(
                "SELECT 1 AS x FROM groups WHERE id = ? AND org_id = ?", (group_id, org_id)
            )
        )

    def list(self, org_id: str) -> list[dict]:
        rows = self.backend.all("SELECT * FROM groups WHERE org_id = ? ORDER BY rowid", (org_id,))
        return [self.render(r) for r in rows]

    def by_name(self, org_id: str, name: str) -> dict | None:
        row = self.backend.one(
            "SELECT * FROM groups WHERE org_id = ? AND name_lc = ?", (org_id, name.lower())
        )
        return self.render(row) if row else None

    def create(self, org_id: str, body: dict) -> dict:
        doc = _validated(org_id, body)
        self._unique(org_id, doc["name"], None)
        group_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "groups",
                {
                    "id": group_id,
                    "org_id": org_id,
                    "name_lc": doc["name"].lower(),
                    "doc": dumps(doc),
                },
            )
        return self.get(org_id, group_id)

    def replace(self, org_id: str, group_id: str, body: dict) -> dict:
        """PUT: a full replace; fields not sent go back to their defaults."""
        before = self.get(org_id, group_id)
        doc = _validated(org_id, body)
        self._unique(org_id, doc["name"], group_id)
        changed = tuple(k for k in doc if doc.get(k) != before.get(k))
        with self.backend.tx() as db:
            db.execute(
                "UPDATE groups SET doc = ?, name_lc = ? WHERE id = ?",
                (dumps(doc), doc["name"].lower(), group_id),
            )
            if changed:
                self.backend.emit(UserGroupChanged(org_id, group_id, changed))
        return self.get(org_id, group_id)

    def delete(self, org_id: str, group_id: str) -> dict:
        group = self.get(org_id, group_id)
        members = self.member_ids(org_id, group_id)
        edges = self.backend.all("SELECT * FROM edges WHERE subject_id = ?", (group_id,))
        with self.backend.tx() as db:
            db.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM edges WHERE subject_id = ?", (group_id,))
            db.execute("DELETE FROM groups WHERE id = ?", (group_id,))
            for user_id in members:
                self.backend.emit(
                    AssociationChanged(org_id, "remove", "user", user_id, "user_group", group_id)
                )
            for edge in edges:
                self.backend.emit(
                    AssociationChanged(
                        org_id, "remove", "user_group", group_id, edge["target_type"],
                        edge["target_id"],
                    )
                )  # fmt: skip
        return group

    def _unique(self, org_id: str, name: str, group_id: str | None) -> None:
        clash = self.backend.one(
            "SELECT id FROM groups WHERE org_id = ? AND name_lc = ? AND id != ?",
            (org_id, name.lower(), group_id or ""),
        )
        if clash:
            raise Conflict(f"A user group named {name!r} already exists")

    # -- membership ---------------------------------------------------------------------
    def member_ids(self, org_id: str, group_id: str) -> builtins.list[str]:
        rows = self.backend.all(
            "SELECT user_id FROM group_members WHERE group_id = ? AND +org_id = ? ORDER BY rowid",
            (group_id, org_id),
        )
        return [r["user_id"] for r in rows]

    def group_ids_of(self, org_id: str, user_id: str) -> builtins.list[str]:
        rows = self.backend.all(
            "SELECT group_id FROM group_members WHERE user_id = ? AND +org_id = ? ORDER BY rowid",
            (user_id, org_id),
        )
        return [r["group_id"] for r in rows]

    def change_member(self, org_id: str, group_id: str, op: str, user_id: str) -> None:
        """add (409 if already a member) or remove (no-op when absent)."""
        self._row(org_id, group_id)
        with self.backend.tx() as db:
            present = db.execute(
                "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?",
                (group_id, user_id),
            ).fetchone()
            if op == "add":
                if present:
                    raise Conflict("Already Exists")
                db.execute(
                    "INSERT INTO group_members (org_id, group_id, user_id) VALUES (?, ?, ?)",
                    (org_id, group_id, user_id),
                )
            elif op == "remove":
                if not present:
                    return
                db.execute(
                    "DELETE FROM group_members WHERE group_id = ? AND user_id = ?",
                    (group_id, user_id),
                )
            else:
                raise BadRequest("op: must be add or remove")
            self.backend.emit(
                AssociationChanged(org_id, op, "user", user_id, "user_group", group_id)
            )
