"""``/v1.0/users/{id}/manager`` and ``/manager/$ref``: read, assign and remove a manager."""

from __future__ import annotations

from flask import request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import (
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    reply,
)
from simulators.microsoft.graph.serialize import context, parse_select, user_json
from simulators.microsoft.permissions import USERS_READ, USERS_WRITE
from simulators.microsoft.services import services

bp = graph_blueprint("managers", __name__)

USER_TYPE = "#microsoft.graph.user"


@bp.get("/users/<key>/manager")
def get_manager(key: str):
    who = require(USERS_READ)
    manager = services().directory.managers.get(who.tenant_id, key)
    select = parse_select(request.args.get("$select"), collection=False)
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects/$entity"),
            "@odata.type": USER_TYPE,
            **user_json(manager, select),
        }
    )


@bp.get("/users/<key>/manager/$ref")
def get_manager_ref(key: str):
    who = require(USERS_READ)
    manager = services().directory.managers.get(who.tenant_id, key)
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects/$entity"),
            "@odata.id": f"{graph_base()}/directoryObjects/{manager['id']}",
        }
    )


@bp.put("/users/<key>/manager/$ref")
def set_manager(key: str):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    services().directory.managers.assign(who.tenant_id, key, json_body().get("@odata.id"))
    return no_content()


@bp.delete("/users/<key>/manager/$ref")
def remove_manager(key: str):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    services().directory.managers.remove(who.tenant_id, key)
    return no_content()
