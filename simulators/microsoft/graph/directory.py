"""``/v1.0/directory/deletedItems`` (users, plain and OData-cast paths), ``/v1.0/organization``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import (
    cast_type,
    count_reply,
    eventual,
    graph_base,
    graph_blueprint,
    no_content,
    reply,
)
from simulators.microsoft.graph.serialize import USER_DEFAULT, context, parse_select, user_json
from simulators.microsoft.model.declared import declared, unset_value
from simulators.microsoft.model.errors import not_found, segment_not_found, unsupported_query
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.permissions import ORGANIZATION_READ, USERS_READ, USERS_WRITE
from simulators.microsoft.services import services

bp = graph_blueprint("directory", __name__)

USER_TYPE = "#microsoft.graph.user"
# The types deleted items hold in Graph; the lab soft-deletes users only (groups go at once).
DELETABLE_TYPES = ("user", "group", "application", "servicePrincipal", "administrativeUnit",
                   "device")  # fmt: skip
UNTYPED_LIST = (
    "Searches against this resource are not supported. Only specific instances can be queried."
)


def _deleted_json(row: Mapping[str, Any], select) -> dict:
    names = select or (*USER_DEFAULT, "deletedDateTime")
    return {"@odata.type": USER_TYPE, **user_json(row, tuple(names))}


def _deleted_of(tenant_id: str, type_name: str) -> list[dict]:
    return services().directory.users.deleted(tenant_id) if type_name == "user" else []


def _deleted_cast(segment: str) -> str | None:
    """The type a cast under deletedItems names; a type deleted items never hold is unknown."""
    cast = cast_type(segment)
    if cast is not None and cast not in DELETABLE_TYPES:
        raise segment_not_found(segment)
    return cast


def _key(first: str, second: str | None) -> tuple[str, str | None]:
    """(object id, cast type) of ``{id}``, ``{cast}/{id}`` or ``{id}/{cast}``."""
    if second is None:
        return first, None
    first_cast, second_cast = _deleted_cast(first), _deleted_cast(second)
    if first_cast and not second_cast:
        return second, first_cast
    if second_cast and not first_cast:
        return first, second_cast
    raise segment_not_found(second)


def _require_deleted(
    tenant_id: str, first: str, second: str | None
) -> tuple[EntraUserRow, str | None]:
    """The deleted object a key path names; a cast to another type finds nothing, as in Graph."""
    object_id, cast = _key(first, second)
    row = services().directory.users.require_deleted(tenant_id, object_id)
    if cast not in (None, "user"):
        raise not_found(object_id)
    return row, cast


@bp.get("/directory/deletedItems")
@bp.get("/directory/deletedItems/$count")
def list_deleted_untyped():
    require(USERS_READ)
    raise unsupported_query(UNTYPED_LIST)


@bp.get("/directory/deletedItems/<first>")
@bp.get("/directory/deletedItems/<first>/<second>")
def get_deleted(first: str, second: str | None = None):
    """One deleted object (plain, cast-then-key or key-then-cast), a cast's list or its $count."""
    who = require(USERS_READ)
    base = graph_base()
    cast = _deleted_cast(first)
    if cast is not None and second == "$count":
        return count_reply(lambda: len(_deleted_of(who.tenant_id, cast)))
    if cast is not None and second is None:
        select = parse_select(request.args.get("$select"), collection=True)
        rows = _deleted_of(who.tenant_id, cast)
        payload: dict = {
            "@odata.context": context(base, f"directory/deletedItems/microsoft.graph.{cast}")
        }
        if request.args.get("$count", "").lower() == "true" and eventual():
            payload["@odata.count"] = len(rows)
        payload["value"] = [_deleted_json(r, select) for r in rows]
        return reply(payload)
    row, cast = _require_deleted(who.tenant_id, first, second)
    fragment = "directory/deletedItems" + (f"/microsoft.graph.{cast}" if cast else "")
    select = parse_select(request.args.get("$select"), collection=False)
    return reply(
        {"@odata.context": context(base, f"{fragment}/$entity"), **_deleted_json(row, select)}
    )


@bp.post("/directory/deletedItems/<first>/restore")
@bp.post("/directory/deletedItems/<first>/<second>/restore")
def restore_deleted(first: str, second: str | None = None):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    deleted, _ = _require_deleted(who.tenant_id, first, second)
    row = services().directory.users.restore(who.tenant_id, deleted["id"])
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects/$entity"),
            "@odata.type": USER_TYPE,
            **user_json(row),
        }
    )


@bp.delete("/directory/deletedItems/<first>")
@bp.delete("/directory/deletedItems/<first>/<second>")
def purge_deleted(first: str, second: str | None = None):
    """Permanent delete at ``{id}`` or ``{cast}/{id}`` (Office365-REST-Python-Client's path)."""
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    deleted, _ = _require_deleted(who.tenant_id, first, second)
    services().directory.users.purge(who.tenant_id, deleted["id"])
    return no_content()


def organization_json(tenant: dict, select: tuple[str, ...] | None = None) -> dict:
    """The tenant as Graph's organization: every declared property (those the lab does not
    model as Graph shows them unset), or the ``$select``-ed ones and ``id``."""
    known = _organization_values(tenant)
    names = declared("organization") if select is None else ["id", *select]
    return {name: known.get(name, unset_value("organization", name)) for name in names}


def _organization_values(tenant: dict) -> dict:
    domains = services().directory.tenants.domains(tenant["id"])
    return {
        "id": tenant["id"],
        "displayName": tenant["display_name"],
        "createdDateTime": tenant["created"],
        "tenantType": "AAD",
        "countryLetterCode": "US",
        "preferredLanguage": "en",
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": bool(d["is_default"]),
                "isInitial": bool(d["is_initial"]),
                "name": d["name"],
                "type": d["authentication_type"],
            }
            for d in domains
            if d["is_verified"]
        ],
    }


@bp.get("/organization")
def list_organization():
    who = require(ORGANIZATION_READ)
    select = parse_select(request.args.get("$select"), collection=True, type_name="organization")
    return reply(
        {
            "@odata.context": context(graph_base(), "organization"),
            "value": [organization_json(who.tenant, select)],
        }
    )


@bp.get("/organization/<org_id>")
def get_organization(org_id: str):
    who = require(ORGANIZATION_READ)
    if org_id.lower() != who.tenant_id:
        raise not_found(org_id)
    select = parse_select(request.args.get("$select"), collection=False, type_name="organization")
    return reply(
        {
            "@odata.context": context(graph_base(), "organization/$entity"),
            **organization_json(who.tenant, select),
        }
    )
