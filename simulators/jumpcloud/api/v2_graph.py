"""v2 user groups, associations, memberships and traversals."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, jsonify
from werkzeug.exceptions import NotFound as RouteNotFound

from ..appstate import jumpcloud_model
from ..model.graph import SUBJECT_TYPES, TRAVERSAL_COLLECTIONS, USER_TARGETS, Graph
from ..model.groups import Groups
from . import bodies, params
from .auth import caller
from .guard import guard_api
from .replies import no_content, v2_list

bp = Blueprint("jumpcloud_v2_graph", __name__, url_prefix="/api/v2")
guard_api(bp)

_COLLECTION = f"<any({', '.join(TRAVERSAL_COLLECTIONS)}):collection>"
"""The traversal routes' last segment: the URL map itself lists every collection served."""


def _graph() -> Graph:
    return jumpcloud_model().graph


def _groups() -> Groups:
    return jumpcloud_model().groups


def _org() -> str:
    return caller().org_id


def _traverse(subject_type: str, subject_id: str, collection: str):
    found = _graph().traverse(_org(), subject_type, subject_id, collection)
    if found is None:
        raise RouteNotFound()
    return v2_list(found, params.v2_query())


# -- user groups -----------------------------------------------------------------------
@bp.get("/usergroups")
def usergroups_list():
    return v2_list(_groups().list(_org()), params.v2_query())


@bp.post("/usergroups")
def usergroups_create():
    body = bodies.check("POST v2 /usergroups", params.json_body())
    return jsonify(_groups().create(_org(), body)), 201


@bp.get("/usergroups/<group_id>")
def usergroups_get(group_id: str):
    return jsonify(_groups().get(_org(), group_id))


@bp.put("/usergroups/<group_id>")
def usergroups_put(group_id: str):
    body = bodies.check("PUT v2 /usergroups/{id}", params.json_body())
    return jsonify(_groups().replace(_org(), group_id, cast(dict, body)))  # schema: an object


@bp.delete("/usergroups/<group_id>")
def usergroups_delete(group_id: str):
    return jsonify(_groups().delete(_org(), group_id))


@bp.get("/usergroups/<group_id>/members")
def usergroups_members(group_id: str):
    return v2_list(_graph().members(_org(), group_id), params.v2_query())


@bp.post("/usergroups/<group_id>/members")
def usergroups_members_post(group_id: str):
    _graph().write_membership(_org(), group_id, params.json_body())
    return no_content()


@bp.get("/usergroups/<group_id>/membership")
def usergroups_membership(group_id: str):
    return v2_list(_graph().membership(_org(), group_id), params.v2_query())


@bp.get("/usergroups/<group_id>/associations")
def usergroups_associations(group_id: str):
    targets = params.targets(USER_TARGETS)
    return v2_list(_graph().associations(_org(), "user_group", group_id, targets),
                   params.v2_query())  # fmt: skip


@bp.post("/usergroups/<group_id>/associations")
def usergroups_associations_post(group_id: str):
    _graph().write_from_subject(_org(), "user_group", group_id, params.json_body())
    return no_content()


@bp.get(f"/usergroups/<group_id>/{_COLLECTION}")
def usergroups_traverse(group_id: str, collection: str):
    return _traverse("user_group", group_id, collection)


# -- users -----------------------------------------------------------------------------
@bp.get("/users/<user_id>/associations")
def users_associations(user_id: str):
    targets = params.targets(USER_TARGETS)
    return v2_list(_graph().associations(_org(), "user", user_id, targets), params.v2_query())


@bp.post("/users/<user_id>/associations")
def users_associations_post(user_id: str):
    _graph().write_from_subject(_org(), "user", user_id, params.json_body())
    return no_content()


@bp.get("/users/<user_id>/memberof")
def users_memberof(user_id: str):
    return v2_list(_graph().memberof(_org(), user_id), params.v2_query())


@bp.get(f"/users/<user_id>/{_COLLECTION}")
def users_traverse(user_id: str, collection: str):
    return _traverse("user", user_id, collection)


# -- applications ----------------------------------------------------------------------
@bp.get("/applications/<app_id>/associations")
def applications_associations(app_id: str):
    targets = params.targets(SUBJECT_TYPES)
    return v2_list(_graph().associations(_org(), "application", app_id, targets),
                   params.v2_query())  # fmt: skip


@bp.post("/applications/<app_id>/associations")
def applications_associations_post(app_id: str):
    _graph().write_from_resource(_org(), "application", app_id, params.json_body())
    return no_content()


@bp.get("/applications/<app_id>/users")
def applications_users(app_id: str):
    return v2_list(_graph().users_of(_org(), "application", app_id), params.v2_query())


@bp.get("/applications/<app_id>/usergroups")
def applications_usergroups(app_id: str):
    return v2_list(_graph().groups_of(_org(), "application", app_id), params.v2_query())
