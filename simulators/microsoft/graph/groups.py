"""``/v1.0/groups``, their ``members`` and ``/users/{id}/memberOf`` (with OData casts, $count)."""

from __future__ import annotations

from flask import Response, request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import (
    count_reply,
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    of_cast,
    page_reply,
    reply,
)
from simulators.microsoft.graph.serialize import (
    context,
    group_json,
    parse_select,
    user_json,
)
from simulators.microsoft.model.errors import bad_request
from simulators.microsoft.permissions import (
    GROUP_MEMBERS_WRITE,
    GROUPS_READ,
    GROUPS_WRITE,
    USERS_READ,
)
from simulators.microsoft.services import services

bp = graph_blueprint("groups", __name__)

GROUP_TYPE = "#microsoft.graph.group"
USER_TYPE = "#microsoft.graph.user"
GROUP_ADMIN_ROLES = WRITE_ROLES
# Types a cast may name under /members and /memberOf (directory roles are not modelled as such).
MEMBER_TYPES = ("user", "group", "device", "orgContact", "servicePrincipal")
MEMBER_OF_TYPES = ("group", "administrativeUnit")


def _groups():
    return services().directory.groups


def _select(*, collection: bool) -> tuple[str, ...] | None:
    return parse_select(request.args.get("$select"), collection=collection, type_name="group")


def _entity(row: dict) -> dict:
    return {
        "@odata.context": context(graph_base(), "groups/$entity"),
        **group_json(row, _select(collection=False)),
    }


@bp.get("/groups")
def list_groups():
    who = require(GROUPS_READ)
    args = request.args
    for unsupported in ("$skip", "$expand", "$search", "$orderby"):
        if unsupported in args:
            raise bad_request(f"'{unsupported}' is not supported on this lab's groups collection.")
    count = args.get("$count", "").lower() == "true"
    page = _groups().page(
        who.tenant_id,
        filter=args.get("$filter"),
        top=args.get("$top"),
        skiptoken=args.get("$skiptoken"),
        count=count,
        eventual=request.headers.get("ConsistencyLevel", "").lower() == "eventual",
    )
    select = _select(collection=True)
    return page_reply("groups", page, lambda row: group_json(row, select))


@bp.post("/groups")
def create_group():
    who = require(GROUPS_WRITE, admin_roles=GROUP_ADMIN_ROLES)
    group = _groups().create(who.tenant_id, json_body())
    response = reply(_entity(group), 201)
    response.headers["Location"] = f"{graph_base()}/groups/{group['id']}"
    return response


@bp.get("/groups/<group_id>")
def get_group(group_id: str):
    who = require(GROUPS_READ)
    return reply(_entity(_groups().require(who.tenant_id, group_id)))


@bp.patch("/groups/<group_id>")
def update_group(group_id: str):
    who = require(GROUPS_WRITE, admin_roles=GROUP_ADMIN_ROLES)
    _groups().update(who.tenant_id, group_id, json_body())
    return no_content()


@bp.delete("/groups/<group_id>")
def delete_group(group_id: str):
    who = require(GROUPS_WRITE, admin_roles=GROUP_ADMIN_ROLES)
    _groups().delete(who.tenant_id, group_id)
    return no_content()


def _member_page(rows: list[dict], fragment: str, *, refs: bool) -> Response:
    base = graph_base()
    if refs:
        value = [{"@odata.id": f"{base}/directoryObjects/{row['id']}"} for row in rows]
    else:
        select = parse_select(request.args.get("$select"), collection=True)
        value = [{"@odata.type": USER_TYPE, **user_json(row, select)} for row in rows]
    return reply({"@odata.context": context(base, fragment), "value": value})


def _members(tenant_id: str, group_id: str, cast: str | None) -> list[dict]:
    """A group's members, or those of a cast's type: members are users (nesting isn't modelled)."""
    return of_cast(lambda: _groups().members(tenant_id, group_id), cast, "user", *MEMBER_TYPES)


@bp.get("/groups/<group_id>/members")
@bp.get("/groups/<group_id>/members/<cast>")
def list_members(group_id: str, cast: str | None = None):
    who = require(GROUPS_READ | USERS_READ)
    return _member_page(_members(who.tenant_id, group_id, cast), "directoryObjects", refs=False)


@bp.get("/groups/<group_id>/members/$count")
@bp.get("/groups/<group_id>/members/<cast>/$count")
def count_members(group_id: str, cast: str | None = None):
    who = require(GROUPS_READ | USERS_READ)
    return count_reply(lambda: len(_members(who.tenant_id, group_id, cast)))


@bp.get("/groups/<group_id>/members/$ref")
def list_member_refs(group_id: str):
    who = require(GROUPS_READ | USERS_READ)
    rows = _groups().members(who.tenant_id, group_id)
    return _member_page(rows, "Collection($ref)", refs=True)


@bp.post("/groups/<group_id>/members/$ref")
def add_member(group_id: str):
    who = require(GROUP_MEMBERS_WRITE, admin_roles=GROUP_ADMIN_ROLES)
    _groups().add_member(who.tenant_id, group_id, json_body().get("@odata.id"))
    return no_content()


@bp.delete("/groups/<group_id>/members/<member_id>/$ref")
def remove_member(group_id: str, member_id: str):
    who = require(GROUP_MEMBERS_WRITE, admin_roles=GROUP_ADMIN_ROLES)
    _groups().remove_member(who.tenant_id, group_id, member_id)
    return no_content()


def _member_of(tenant_id: str, key: str, cast: str | None) -> list[dict]:
    """The user's groups, or none for an administrative unit cast (units aren't modelled)."""
    return of_cast(lambda: _groups().member_of(tenant_id, key), cast, "group", *MEMBER_OF_TYPES)


@bp.get("/users/<key>/memberOf")
@bp.get("/users/<key>/memberOf/<cast>")
def member_of(key: str, cast: str | None = None):
    who = require(GROUPS_READ | USERS_READ)
    rows = _member_of(who.tenant_id, key, cast)
    select = _select(collection=True)
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects"),
            "value": [{"@odata.type": GROUP_TYPE, **group_json(row, select)} for row in rows],
        }
    )


@bp.get("/users/<key>/memberOf/$count")
@bp.get("/users/<key>/memberOf/<cast>/$count")
def count_member_of(key: str, cast: str | None = None):
    who = require(GROUPS_READ | USERS_READ)
    return count_reply(lambda: len(_member_of(who.tenant_id, key, cast)))
