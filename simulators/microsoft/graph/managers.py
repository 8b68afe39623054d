"""``/v1.0/users/{id}/manager`` and ``/manager/$ref``: read, assign and remove a manager;
``/users/{id}/directReports``: the users whose manager it is."""

from __future__ import annotations

from flask import request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import (
    count_reply,
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    of_cast,
    reply,
)
from simulators.microsoft.graph.serialize import context, parse_select, user_json
from simulators.microsoft.permissions import USERS_READ, USERS_WRITE
from simulators.microsoft.services import services

bp = graph_blueprint("managers", __name__)

USER_TYPE = "#microsoft.graph.user"
REPORT_TYPES = ("user", "orgContact")
"""What Graph's directReports may hold; the lab's are users (contacts are not modelled)."""


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


def _reports(tenant_id: str, key: str, cast: str | None) -> list[dict]:
    managers = services().directory.managers
    return of_cast(lambda: managers.reports(tenant_id, key), cast, "user", *REPORT_TYPES)


@bp.get("/users/<key>/directReports")
@bp.get("/users/<key>/directReports/<cast>")
def direct_reports(key: str, cast: str | None = None):
    who = require(USERS_READ)
    rows = _reports(who.tenant_id, key, cast)
    select = parse_select(request.args.get("$select"), collection=True)
    return reply(
        {
            "@odata.context": context(graph_base(), "directoryObjects"),
            "value": [{"@odata.type": USER_TYPE, **user_json(row, select)} for row in rows],
        }
    )


@bp.get("/users/<key>/directReports/$count")
@bp.get("/users/<key>/directReports/<cast>/$count")
def count_direct_reports(key: str, cast: str | None = None):
    who = require(USERS_READ)
    return count_reply(lambda: len(_reports(who.tenant_id, key, cast)))
