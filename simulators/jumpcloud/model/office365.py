"""Microsoft 365 directory instances and their per-user sync rows.

The directory-integration engine (``simulators/jumpcloud/m365``) owns the behaviour; this
module keeps its state: OAuth status, domains, translation rules, and one binding row per
(instance, user) with the Entra object id, immutable id and last sync status.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from typing import Any

from .base import Backend, dumps, loads
from .errors import BadRequest, Conflict, NotFound
from .hooks import Office365Changed
from .ids import is_object_id

ACTIONS = ("suspend", "maintain")
BUILT_INS = [
    "user_alternate_email",
    "user_business_phones",
    "user_city",
    "user_country",
    "user_department",
    "user_job_title",
    "user_manager",
    "user_mobile_phone",
    "user_office_location",
    "user_postal_code",
    "user_principal_name_from_alternate_email",
    "user_state",
    "user_street_address",
]
DIRECTIONS = ("export",)
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
NOT_AUTHORIZED = {"status": "not_authorized"}

ImportProvider = Callable[[str, str, int, "str | None", "str | None", "str | None"], dict]
"""(org_id, office365_id, top, skip_token, filter, search) -> {top, skipToken, users}."""

IMPORT_TOP_MAX = 999
"""The largest page of import candidates one request may ask for."""


class Office365:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.import_provider: ImportProvider | None = None
        self.group_status_provider: Callable[[str, str], dict] | None = None
        """(instance, group) → ``externalId``/``syncStatus`` of a group the integration syncs."""

    # -- instances -----------------------------------------------------------------------
    def _row(self, org_id: str, office365_id: str) -> dict:
        row = None
        if is_object_id(office365_id):
            row = self.backend.one(
                "SELECT * FROM office365s WHERE id = ? AND org_id = ?", (office365_id, org_id)
            )
        if row is None:
            raise NotFound(f"Office 365 instance {office365_id} not found")
        return row

    def exists(self, org_id: str, office365_id: str) -> bool:
        return bool(
            is_object_id(office365_id)
            and self.backend.one(
                "SELECT 1 AS x FROM office365s WHERE id = ? AND org_id = ?", (office365_id, org_id)
            )
        )

    def create(
        self,
        org_id: str,
        name: str,
        *,
        groups_enabled: bool = False,
        user_lockout_action: str = "maintain",
        user_password_expiration_action: str = "maintain",
    ) -> dict:
        doc = {
            "name": name,
            "groupsEnabled": groups_enabled,
            "userLockoutAction": user_lockout_action,
            "userPasswordExpirationAction": user_password_expiration_action,
            "defaultDomainId": None,
        }
        self._check(doc)
        office365_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "office365s",
                {
                    "id": office365_id,
                    "org_id": org_id,
                    "doc": dumps(doc),
                    "oauth_status": dumps(NOT_AUTHORIZED),
                },
            )
        return self.get(org_id, office365_id)

    def get(self, org_id: str, office365_id: str) -> dict:
        return self._render(self._row(org_id, office365_id))

    def list(self, org_id: str) -> list[dict]:
        rows = self.backend.all(
            "SELECT * FROM office365s WHERE org_id = ? ORDER BY rowid", (org_id,)
        )
        return [self._render(r) for r in rows]

    def patch(self, org_id: str, office365_id: str, body: dict) -> dict:
        """PATCH: name, groupsEnabled, the two actions, defaultDomain ``{id}`` (``{}`` unsets)."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        row = self._row(org_id, office365_id)
        doc = loads(row["doc"])
        before = dict(doc)
        for key in ("name", "groupsEnabled", "userLockoutAction", "userPasswordExpirationAction"):
            if key in body and body[key] is not None:
                doc[key] = body[key]
        if "defaultDomain" in body:
            wanted = body["defaultDomain"] or {}
            if not isinstance(wanted, dict):
                raise BadRequest("defaultDomain: must be an object")
            domain_id = wanted.get("id")
            if domain_id:
                self.domain(org_id, office365_id, domain_id)
            doc["defaultDomainId"] = domain_id or None
        self._check(doc)
        changed = tuple(
            "defaultDomain" if k == "defaultDomainId" else k for k in doc if doc[k] != before.get(k)
        )
        with self.backend.tx() as db:
            db.execute("UPDATE office365s SET doc = ? WHERE id = ?", (dumps(doc), office365_id))
            if changed:
                self._changed(org_id, office365_id, "patched", *changed)
        return self.get(org_id, office365_id)

    def _changed(self, org_id: str, office365_id: str, kind: str, *changed: str) -> None:
        """Tell subscribers (the sync engine) after commit that the instance's settings moved."""
        self.backend.emit(Office365Changed(org_id, office365_id, kind, changed))

    def directory(self, org_id: str, office365_id: str) -> dict:
        """The ``/api/v2/directories`` Directory object of an instance."""
        row = self._row(org_id, office365_id)
        rendered = self._render(row)
        directory: dict[str, Any] = {
            "id": rendered["id"],
            "name": rendered["name"],
            "type": "office_365",
            "oAuthStatus": loads(row["oauth_status"], {}),
        }
        if "defaultDomain" in rendered:
            directory["defaultDomain"] = rendered["defaultDomain"]
        return directory

    def oauth_status(self, org_id: str, office365_id: str) -> dict:
        return loads(self._row(org_id, office365_id)["oauth_status"], {})

    def set_oauth_status(self, org_id: str, office365_id: str, status: dict) -> None:
        """Free-form status the integration engine writes (e.g. ``{"status": "authorized",
        "expiresAt": ..., "error": ..., "errorMessage": ...}``)."""
        self._row(org_id, office365_id)
        with self.backend.tx() as db:
            db.execute(
                "UPDATE office365s SET oauth_status = ? WHERE id = ?",
                (dumps(status), office365_id),
            )

    def _render(self, row: dict) -> dict:
        doc = loads(row["doc"])
        out: dict[str, Any] = {
            "id": row["id"],
            "name": doc["name"],
            "groupsEnabled": doc["groupsEnabled"],
            "userLockoutAction": doc["userLockoutAction"],
            "userPasswordExpirationAction": doc["userPasswordExpirationAction"],
        }
        if doc.get("defaultDomainId"):
            domain = self.backend.one(
                "SELECT domain FROM o365_domains WHERE id = ?", (doc["defaultDomainId"],)
            )
            if domain:
                out["defaultDomain"] = {"id": doc["defaultDomainId"], "domain": domain["domain"]}
        return out

    @staticmethod
    def _check(doc: dict) -> None:
        if not isinstance(doc["name"], str) or not doc["name"].strip():
            raise BadRequest("name: must be a non-empty string")
        if not isinstance(doc["groupsEnabled"], bool):
            raise BadRequest("groupsEnabled: must be a boolean")
        for key in ("userLockoutAction", "userPasswordExpirationAction"):
            if doc[key] not in ACTIONS:
                raise BadRequest(f"{key}: must be one of {', '.join(ACTIONS)}")

    # -- domains -------------------------------------------------------------------------
    def domains(self, org_id: str, office365_id: str) -> builtins.list[dict]:
        row = self._row(org_id, office365_id)
        default_id = loads(row["doc"]).get("defaultDomainId")
        rows = self.backend.all(
            "SELECT * FROM o365_domains WHERE office365_id = ? ORDER BY rowid", (office365_id,)
        )
        return [self._domain(r, default_id) for r in rows]

    def domains_page(self, org_id: str, office365_id: str, limit: int, skip: int) -> dict:
        """``{"domains", "totalCount"}``: ``limit`` domains from the ``skip``-th."""
        domains = self.domains(org_id, office365_id)
        return {"domains": domains[skip : skip + limit], "totalCount": len(domains)}

    def domain(self, org_id: str, office365_id: str, domain_id: str) -> dict:
        for domain in self.domains(org_id, office365_id):
            if domain["objectId"] == domain_id:
                return domain
        raise NotFound(f"Domain {domain_id} not found")

    def add_domain(self, org_id: str, office365_id: str, name: Any) -> dict:
        self._row(org_id, office365_id)
        if not isinstance(name, str) or not DOMAIN.match(name.strip().lower()):
            raise BadRequest("domain: must be a domain name such as contoso.com")
        name = name.strip()
        if self.backend.one(
            "SELECT 1 AS x FROM o365_domains WHERE office365_id = ? AND domain_lc = ?",
            (office365_id, name.lower()),
        ):
            raise Conflict(f"domain {name} already exists")
        domain_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "o365_domains",
                {
                    "id": domain_id,
                    "office365_id": office365_id,
                    "org_id": org_id,
                    "domain": name,
                    "domain_lc": name.lower(),
                    "resource_object_id": office365_id,
                },
            )
            self._changed(org_id, office365_id, "domain_added", name)
        return self.domain(org_id, office365_id, domain_id)

    def delete_domain(self, org_id: str, office365_id: str, domain_id: str) -> dict:
        domain = self.domain(org_id, office365_id, domain_id)
        with self.backend.tx() as db:
            db.execute("DELETE FROM o365_domains WHERE id = ?", (domain_id,))
            if domain["default"]:
                row = self._row(org_id, office365_id)
                doc = loads(row["doc"])
                doc["defaultDomainId"] = None
                db.execute("UPDATE office365s SET doc = ? WHERE id = ?", (dumps(doc), office365_id))
            self._changed(org_id, office365_id, "domain_removed", domain["domain"])
        domain["default"] = False
        return domain

    @staticmethod
    def _domain(row: dict, default_id: str | None) -> dict:
        return {
            "objectId": row["id"],
            "domain": row["domain"],
            "default": row["id"] == default_id,
            "resourceObjectId": row["resource_object_id"],
        }

    # -- translation rules ---------------------------------------------------------------
    def rules(self, org_id: str, office365_id: str) -> builtins.list[dict]:
        self._row(org_id, office365_id)
        rows = self.backend.all(
            "SELECT * FROM o365_rules WHERE office365_id = ? ORDER BY rowid", (office365_id,)
        )
        return [
            {"id": r["id"], "builtIn": r["built_in"], "direction": r["direction"]} for r in rows
        ]

    def rule(self, org_id: str, office365_id: str, rule_id: str) -> dict:
        for rule in self.rules(org_id, office365_id):
            if rule["id"] == rule_id:
                return rule
        raise NotFound(f"Translation rule {rule_id} not found")

    def add_rule(self, org_id: str, office365_id: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        built_in = body.get("builtIn")
        direction = body.get("direction") or "export"
        if built_in not in BUILT_INS:
            raise BadRequest(f"builtIn: must be one of {', '.join(BUILT_INS)}")
        if direction not in DIRECTIONS:
            raise BadRequest("direction: must be export")
        if any(r["builtIn"] == built_in for r in self.rules(org_id, office365_id)):
            raise Conflict(f"translation rule {built_in} already exists")
        rule_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "o365_rules",
                {
                    "id": rule_id,
                    "office365_id": office365_id,
                    "org_id": org_id,
                    "built_in": built_in,
                    "direction": direction,
                },
            )
            self._changed(org_id, office365_id, "rule_added", built_in)
        return self.rule(org_id, office365_id, rule_id)

    def delete_rule(self, org_id: str, office365_id: str, rule_id: str) -> None:
        rule = self.rule(org_id, office365_id, rule_id)
        with self.backend.tx() as db:
            db.execute("DELETE FROM o365_rules WHERE id = ?", (rule_id,))
            self._changed(org_id, office365_id, "rule_removed", rule["builtIn"])

    # -- bindings / sync rows ------------------------------------------------------------
    def binding_for(
        self, org_id: str, user_id: str, office365_id: str | None = None
    ) -> dict | None:
        """The sync row of a user (for one instance, or the first one), or None."""
        sql = "SELECT * FROM o365_bindings WHERE user_id = ? AND +org_id = ?"
        params: list = [user_id, org_id]
        if office365_id:
            sql += " AND office365_id = ?"
            params.append(office365_id)
        row = self.backend.one(sql + " ORDER BY rowid LIMIT 1", params)
        return self._binding(row) if row else None

    def bindings(self, org_id: str, office365_id: str) -> dict[str, dict]:
        rows = self.backend.all(
            "SELECT * FROM o365_bindings WHERE office365_id = ? AND +org_id = ?",
            (office365_id, org_id),
        )
        return {r["user_id"]: self._binding(r) for r in rows}

    def with_sync_status(
        self, org_id: str, office365_id: str, users: builtins.list[dict]
    ) -> builtins.list[dict]:
        """``users`` (the instance's GraphObjects) with the ``externalId``/``syncStatus`` of
        their binding, where they have one."""
        rows = self.bindings(org_id, office365_id)
        for item in users:
            binding = rows.get(item["id"]) or {}
            if binding.get("externalId"):
                item["externalId"] = binding["externalId"]
            if binding.get("syncStatus"):
                item["syncStatus"] = binding["syncStatus"]
        return users

    def groups_with_sync_status(
        self, office365_id: str, groups: builtins.list[dict]
    ) -> builtins.list[dict]:
        """``groups`` with what the integration knows of their sync (unchanged without one)."""
        if self.group_status_provider is not None:
            for item in groups:
                item.update(self.group_status_provider(office365_id, item["id"]))
        return groups

    def upsert_binding(
        self,
        org_id: str,
        office365_id: str,
        user_id: str,
        *,
        external_id: str | None = None,
        immutable_id: str | None = None,
        upn: str | None = None,
    ) -> dict:
        """Create or update a sync row; None leaves a value unchanged. ``upn`` is the
        userPrincipalName the integration gave the user in Microsoft 365."""
        self._row(org_id, office365_id)
        current = self.binding_for(org_id, user_id, office365_id) or {}
        with self.backend.tx() as db:
            db.execute(
                "INSERT INTO o365_bindings (office365_id, user_id, org_id, external_id, "
                "immutable_id, sync_status, upn) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(office365_id, user_id) DO UPDATE SET "
                "external_id = excluded.external_id, immutable_id = excluded.immutable_id, "
                "upn = excluded.upn",
                (
                    office365_id,
                    user_id,
                    org_id,
                    external_id if external_id is not None else current.get("externalId"),
                    immutable_id if immutable_id is not None else current.get("immutableId"),
                    dumps(current.get("syncStatus")) if current.get("syncStatus") else None,
                    upn if upn is not None else current.get("userPrincipalName"),
                ),
            )
        return self.binding_for(org_id, user_id, office365_id) or {}

    def set_sync_status(
        self,
        org_id: str,
        office365_id: str,
        user_id: str,
        *,
        code: int,
        message: str,
        details: builtins.list | None = None,
        synced_at: str | None = None,
    ) -> dict:
        """Record the last sync outcome of a user (shown with ``?syncStatus=true``)."""
        status = {
            "code": code,
            "message": message,
            "details": details or [],
            "syncedAt": synced_at or self.backend.now_iso(),
        }
        # One statement (the engine writes a status on every sync): create the sync row of a
        # live instance if missing, else replace only its status.
        rows = self.backend.all(
            "INSERT INTO o365_bindings (office365_id, user_id, org_id, sync_status) "
            "SELECT ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM office365s WHERE id = ? AND org_id = ?) "
            "ON CONFLICT (office365_id, user_id) DO UPDATE SET sync_status = excluded.sync_status "
            "RETURNING *",
            (office365_id, user_id, org_id, dumps(status), office365_id, org_id),
        )
        if not rows:
            raise NotFound(f"Office 365 instance {office365_id} not found")
        return self._binding(rows[0])

    def clear_bindings(self, org_id: str, office365_id: str) -> int:
        """Drop every sync row of an instance (deactivation); returns how many there were."""
        self._row(org_id, office365_id)
        with self.backend.tx() as db:
            return db.execute(
                "DELETE FROM o365_bindings WHERE office365_id = ? AND org_id = ?",
                (office365_id, org_id),
            ).rowcount

    def delete_binding(self, org_id: str, office365_id: str, user_id: str) -> None:
        with self.backend.tx() as db:
            db.execute(
                "DELETE FROM o365_bindings WHERE office365_id = ? AND user_id = ? AND org_id = ?",
                (office365_id, user_id, org_id),
            )

    @staticmethod
    def _binding(row: dict) -> dict:
        return {
            "office365Id": row["office365_id"],
            "userId": row["user_id"],
            "externalId": row["external_id"],
            "immutableId": row["immutable_id"],
            "userPrincipalName": row.get("upn"),
            "syncStatus": loads(row["sync_status"]),
        }

    # -- import candidates ---------------------------------------------------------------
    def import_candidates(
        self,
        org_id: str,
        office365_id: str,
        top: int = 10,
        skip_token: str | None = None,
        filter: str | None = None,
        search: str | None = None,
    ) -> dict:
        """``{top, skipToken, users}``; an empty last page until an engine attaches a provider."""
        if not 1 <= top <= IMPORT_TOP_MAX:
            raise BadRequest(f"top: must be between 1 and {IMPORT_TOP_MAX}")
        self._row(org_id, office365_id)
        if self.import_provider is None:
            return {"top": top, "skipToken": "", "users": []}
        return self.import_provider(org_id, office365_id, top, skip_token, filter, search)
