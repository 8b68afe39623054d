"""``/v1.0/directory/deletedItems`` (users) and ``/v1.0/organization``."""

from __future__ import annotations

from flask import request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import bp, graph_base, no_content, reply
from simulators.microsoft.graph.serialize import USER_DEFAULT, context, parse_select, user_json
from simulators.microsoft.model.errors import not_found
from simulators.microsoft.permissions import ORGANIZATION_READ, USERS_READ, USERS_WRITE
from simulators.microsoft.services import services

USER_TYPE = "#microsoft.graph.user"


def _deleted_json(row: dict, select) -> dict:
    names = select or (*USER_DEFAULT, "deletedDateTime")
    return {"@odata.type": USER_TYPE, **user_json(row, tuple(names))}


@bp.get("/directory/deletedItems/microsoft.graph.user")
@bp.get("/directory/deletedItems/graph.user")
def list_deleted_users():
    who = require(USERS_READ)
    select = parse_select(request.args.get("$select"), collection=True)
    rows = services().directory.users.deleted(who.tenant_id)
    return reply(
        {
            "@odata.context": context(graph_base(), "directory/deletedItems/microsoft.graph.user"),
            "value": [_deleted_json(r, select) for r in rows],
        }
    )


# OData casts clients put before the key (Office365-REST-Python-Client deletes permanently with
# ``/directory/deletedItems/microsoft.graph.user/{id}``): served as the plain path. Deleted
# items here are users only; a group cast finds nothing, as Graph's does for a user's id.
USER_CAST = "<any('microsoft.graph.user', 'graph.user'):cast>/"
GROUP_CAST = "<any('microsoft.graph.group', 'graph.group'):cast>"


@bp.get(f"/directory/deletedItems/{GROUP_CAST}")
def list_deleted_groups(cast: str):
    require(USERS_READ)
    path = "directory/deletedItems/microsoft.graph.group"
    return reply({"@odata.context": context(graph_base(), path), "value": []})


@bp.get(f"/directory/deletedItems/{GROUP_CAST}/<object_id>")
@bp.delete(f"/directory/deletedItems/{GROUP_CAST}/<object_id>")
@bp.post(f"/directory/deletedItems/{GROUP_CAST}/<object_id>/restore")
def deleted_group(cast: str, object_id: str):
    require(USERS_READ)
    raise not_found(object_id)


@bp.get("/directory/deletedItems/<object_id>")
@bp.get(f"/directory/deletedItems/{USER_CAST}<object_id>")
def get_deleted(object_id: str, cast: str = ""):
    who = require(USERS_READ)
    row = services().directory.users.require_deleted(who.tenant_id, object_id)
    return reply(
        {
            "@odata.context": context(graph_base(), "directory/deletedItems/$entity"),
            **_deleted_json(row, None),
        }
    )


@bp.post("/directory/deletedItems/<object_id>/restore")
@bp.post(f"/directory/deletedItems/{USER_CAST}<object_id>/restore")
def restore_deleted(object_id: str, cast: str = ""):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    row = services().directory.users.restore(who.tenant_id, object_id)
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects/$entity"),
            "@odata.type": USER_TYPE,
            **user_json(row),
        }
    )


@bp.delete("/directory/deletedItems/<object_id>")
@bp.delete(f"/directory/deletedItems/{USER_CAST}<object_id>")
def purge_deleted(object_id: str, cast: str = ""):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    services().directory.users.purge(who.tenant_id, object_id)
    return no_content()


def organization_json(tenant: dict) -> dict:
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
    return reply(
        {
            "@odata.context": context(graph_base(), "organization"),
            "value": [organization_json(who.tenant)],
        }
    )


@bp.get("/organization/<org_id>")
def get_organization(org_id: str):
    who = require(ORGANIZATION_READ)
    if org_id.lower() != who.tenant_id:
        raise not_found(org_id)
    return reply(
        {
            "@odata.context": context(graph_base(), "organization/$entity"),
            **organization_json(who.tenant),
        }
    )
