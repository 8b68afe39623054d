"""Import from Microsoft 365: list the tenant's users (Graph paging passed through) and turn
chosen ones into JumpCloud users bound to the instance."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.errors import BadRequest, JumpCloudError, NotFound
from simulators.jumpcloud.model.records import SystemUser

from .engine import SyncEngine
from .graphclient import AuthorizationLost, GraphError
from .links import BOUND

CANDIDATE_SELECT = "id,givenName,surname,userPrincipalName,mail,displayName"
CREATION_SOURCE = "jumpcloud:o365"
MAX_IMPORT = 1000


def _api_error(exc: GraphError) -> JumpCloudError:
    """A Graph failure as the JumpCloud API reports it."""
    if isinstance(exc, AuthorizationLost):
        return JumpCloudError(
            f"The Microsoft 365 authorization needs attention ({exc.code}); reauthorize the "
            "integration",
            status=409,
        )
    if exc.transient:
        return JumpCloudError(f"Microsoft 365 is busy: {exc.message}", status=503)
    if exc.status == 404:
        return NotFound(exc.message)
    return BadRequest(f"Microsoft Graph: {exc.code}: {exc.message}")


def skiptoken_of(next_link: str | None) -> str | None:
    if not next_link:
        return None
    values = parse_qs(urlsplit(next_link).query).get("$skiptoken")
    return values[0] if values else None


class Importer:
    def __init__(self, engine: SyncEngine, model: JumpCloudModel) -> None:
        self.engine = engine
        self.model = model

    def candidates(
        self,
        org_id: str,
        office365_id: str,
        top: int = 100,
        skip_token: str | None = None,
        filter_: str | None = None,
        search: str | None = None,
    ) -> dict:
        """One page of ``{top, skipToken, users}``; ``top`` → ``$top``, ``skipToken`` ↔
        ``$skiptoken``; ``filter``/``search`` go to Graph as an advanced query.

        Candidates are the tenant's enabled accounts that are not already bound to this
        instance, less the administrator who authorized the integration: Graph is asked for
        enabled accounts only, and the rest are left out of each page, so a page may hold fewer
        than ``top`` users while ``skipToken`` still leads to the next one."""
        params: dict = {"$top": top, "$select": CANDIDATE_SELECT}
        headers: dict = {}
        params["$filter"] = (
            f"accountEnabled eq true and ({filter_})" if filter_ else "accountEnabled eq true"
        )
        if search:
            params["$search"] = search if search.startswith('"') else f'"{search}"'
        if filter_ or search:
            headers["ConsistencyLevel"] = "eventual"
            params["$count"] = "true"
        if skip_token:
            params["$skiptoken"] = skip_token
        try:
            reply = (
                self.engine.client(office365_id).call(
                    "GET", "/users", params=params, headers=headers
                )
                or {}
            )
        except GraphError as exc:
            raise _api_error(exc) from None
        excluded = self._not_candidates(org_id, office365_id)
        users = []
        for item in reply.get("value", []):
            if item.get("id") in excluded or (item.get("userPrincipalName") or "").lower() in (
                excluded
            ):
                continue
            user = {k: item.get(k) for k in ("id", "givenName", "surname", "userPrincipalName")}
            if item.get("mail"):
                user["mail"] = item["mail"]
            users.append(user)
        return {
            "top": top,
            # the spec types it string: "" on the last page, never null
            "skipToken": skiptoken_of(reply.get("@odata.nextLink")) or "",
            "users": users,
        }

    def _not_candidates(self, org_id: str, office365_id: str) -> set[str]:
        """Graph ids of the accounts already bound here, and the authorizing admin's UPN."""
        bound = self.model.office365.bindings(org_id, office365_id)
        excluded = {b["externalId"] for b in bound.values() if b.get("externalId")}
        grant = self.engine.grants.row(office365_id) or {}
        if grant.get("admin_upn"):
            excluded.add(grant["admin_upn"].lower())
        return excluded

    def import_users(
        self, org_id: str, office365_id: str, graph_ids: object, actor: dict | None = None
    ) -> list[dict]:
        """Create a JumpCloud user per Graph id (creation source ``jumpcloud:o365``, state from
        ``newSystemUserStateDefaults.applicationImport``) and bind it to the instance."""
        if not isinstance(graph_ids, list) or not all(isinstance(g, str) for g in graph_ids):
            raise BadRequest("users: must be an array of Microsoft 365 user ids")
        if len(graph_ids) > MAX_IMPORT:
            raise BadRequest(f"users: at most {MAX_IMPORT} per request")
        self.model.office365.get(org_id, office365_id)
        client = self.engine.client(office365_id)
        results, imported = [], {}
        for graph_id in dict.fromkeys(graph_ids):
            try:
                found = (
                    client.call("GET", f"/users/{graph_id}", params={"$select": CANDIDATE_SELECT})
                    or {}
                )
                user = self._create(org_id, found, actor)
            except GraphError as exc:
                if isinstance(exc, AuthorizationLost):
                    raise _api_error(exc) from None
                results.append({"id": graph_id, "status": exc.status, "message": exc.message})
                continue
            except JumpCloudError as exc:
                results.append({"id": graph_id, "status": exc.status, "message": exc.message})
                continue
            imported[user["_id"]] = graph_id
            results.append(
                {"id": graph_id, "status": 201, "userId": user["_id"], "username": user["username"]}
            )
        if imported:
            self.engine.links.mark(
                org_id, office365_id, imported, state=BOUND, due_at=self.engine.now(),
                external_ids=imported,
            )  # fmt: skip
            for user_id in imported:
                self.model.graph.change(org_id, "add", "user", user_id, "office_365", office365_id)
            self.engine.touch(org_id, office365_id, list(imported), state=BOUND)
        return results

    def _create(self, org_id: str, found: dict, actor: dict | None) -> SystemUser:
        upn = found.get("userPrincipalName") or ""
        email = found.get("mail") or upn
        username = upn.partition("@")[0] or email.partition("@")[0]
        if self.model.users.by_username(org_id, username) is not None:
            username = upn
        body = {
            "username": username,
            "email": email,
            "firstname": found.get("givenName") or "",
            "lastname": found.get("surname") or "",
            "displayname": found.get("displayName") or "",
        }
        return self.model.users.create(
            org_id, body, source=CREATION_SOURCE, state_default="applicationImport", actor=actor
        )
