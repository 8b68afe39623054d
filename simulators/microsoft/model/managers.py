"""The ``manager`` relationship of users (Graph ``/users/{id}/manager`` and its ``$ref``, and
the other way round ``/users/{id}/directReports``).

One row per user with a manager; both ends belong to the same tenant. A soft-deleted manager
is not shown (the relationship comes back with a restore); purged users leave dangling rows
that no read returns.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from simulators.core.repository import Repository
from simulators.microsoft.model.errors import bad_request, not_found
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.model.users import Users

REFERENCE_SEGMENTS = ("users", "directoryobjects")
"""Collections an ``@odata.id`` may name the manager through."""


def referenced_key(reference: object) -> str:
    """The object id (or UPN) an ``@odata.id`` such as ``https://…/v1.0/users/{id}`` names."""
    if not isinstance(reference, str) or not reference.strip():
        raise bad_request("The request body must contain a non-empty '@odata.id' reference.")
    segments = [unquote(s) for s in urlsplit(reference.strip()).path.split("/") if s]
    if len(segments) < 2 or segments[-2].lower() not in REFERENCE_SEGMENTS:
        raise bad_request(f"Invalid object identifier '{reference}'.")
    return segments[-1]


class Managers(Repository):
    def __init__(self, store, clock, users: Users) -> None:
        super().__init__(store, clock)
        self.users = users

    def _manager_row(self, tenant_id: str, user_id: str) -> dict | None:
        return self.one(
            "SELECT m.* FROM user_managers r JOIN users m ON m.id = r.manager_id "
            "AND m.tenant_id = r.tenant_id AND m.live = 1 WHERE r.user_id = ? AND r.tenant_id = ?",
            (user_id, tenant_id),
        )

    def _related(self, tenant_id: str, ids: list[str], *, by: str, shows: str) -> list[dict]:
        """The live users at the ``shows`` end of the relationships whose ``by`` end is one of
        ``ids`` (columns ``user_id`` / ``manager_id``), in creation order, each with ``_key``:
        its ``by`` end."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return self.all(
            f"SELECT r.{by} AS _key, u.* FROM user_managers r JOIN users u ON u.id = r.{shows} "
            "AND u.tenant_id = r.tenant_id AND u.live = 1 "
            f"WHERE r.tenant_id = ? AND r.{by} IN ({marks}) ORDER BY u.pk",
            (tenant_id, *ids),
        )

    def managers_of(self, tenant_id: str, user_ids: list[str]) -> dict[str, dict]:
        """The live manager of each of these users that has one, by user id."""
        rows = self._related(tenant_id, user_ids, by="user_id", shows="manager_id")
        return {row.pop("_key"): row for row in rows}

    def reports_of(self, tenant_id: str, manager_ids: list[str]) -> dict[str, list[dict]]:
        """The live users each of these users manages, in creation order, by manager id."""
        out: dict[str, list[dict]] = {m: [] for m in manager_ids}
        for row in self._related(tenant_id, manager_ids, by="manager_id", shows="user_id"):
            out[row.pop("_key")].append(row)
        return out

    def reports(self, tenant_id: str, key: str) -> list[dict]:
        """``GET /users/{id}/directReports``: the live users this user manages."""
        user = self.users.require(tenant_id, key)
        return self.reports_of(tenant_id, [user["id"]])[user["id"]]

    def get(self, tenant_id: str, key: str) -> dict:
        """The live manager of a user; ``Request_ResourceNotFound`` when there is none."""
        user = self.users.require(tenant_id, key)
        manager = self._manager_row(tenant_id, user["id"])
        if manager is None:
            raise not_found("manager")
        return manager

    def assign(self, tenant_id: str, key: str, reference: object) -> EntraUserRow:
        """``PUT …/manager/$ref``: the manager must be a live user of the same tenant."""
        user = self.users.require(tenant_id, key)
        manager = self.users.require(tenant_id, referenced_key(reference))
        if manager["id"] == user["id"]:
            raise bad_request("A user cannot be their own manager.", target="manager")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO user_managers (user_id, tenant_id, manager_id) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET manager_id = excluded.manager_id",
                (user["id"], tenant_id, manager["id"]),
            )
        return manager

    def remove(self, tenant_id: str, key: str) -> None:
        """``DELETE …/manager/$ref``; ``Request_ResourceNotFound`` when there is none."""
        user = self.users.require(tenant_id, key)
        if self._manager_row(tenant_id, user["id"]) is None:
            raise not_found("manager")
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM user_managers WHERE user_id = ? AND tenant_id = ?",
                (user["id"], tenant_id),
            )
