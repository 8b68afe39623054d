"""v2 user groups, associations, memberships and traversals."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.exceptions import NotFound as RouteNotFound

from ..model import JumpCloudModel
from ..model.errors import BadRequest
from ..model.graph import DIRECTORY_TYPES, USER_TARGETS
from . import bodies, params
from .auth import caller
from .replies import no_content, v2_list

RESOURCE_TARGETS = ("user", "user_group")
_TRAVERSALS = {"applications": "application", "office365s": "office_365"}
_EMPTY_TRAVERSALS = ("activedirectories", "gsuites", "ldapservers", "radiusservers", "systems",
                     "systemgroups")  # fmt: skip
_COLLECTION = f"<any({', '.join(['directories', *_TRAVERSALS, *_EMPTY_TRAVERSALS])}):collection>"
"""The traversal routes' last segment: the URL map itself lists every collection served."""


def graph_operation(body, allowed: tuple[str, ...] | list[str]) -> tuple[str, str, str, dict]:
    """``{"op", "type", "id", "attributes"}`` validated against the allowed ``type`` enum."""
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    op, kind, obj_id = body.get("op"), body.get("type"), body.get("id")
    if op not in ("add", "remove", "update"):
        raise BadRequest("op: must be one of add, remove, update")
    if kind not in allowed:
        raise BadRequest(f"type: must be one of {', '.join(allowed)}")
    if not isinstance(obj_id, str) or not obj_id:
        raise BadRequest("id: is required")
    attributes = body.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise BadRequest("attributes: must be an object")
    return op, kind, obj_id, attributes


def change_from_resource(model, org_id, target_type, target_id, body) -> None:
    """A resource-side association write (application/office_365 → user/user_group)."""
    op, kind, obj_id, attributes = graph_operation(body, RESOURCE_TARGETS)
    model.graph.change(org_id, op, kind, obj_id, target_type, target_id, attributes)


def register(bp: Blueprint, model: JumpCloudModel) -> None:
    graph, groups = model.graph, model.groups

    def org() -> str:
        return caller().org_id

    # -- user groups -------------------------------------------------------------------
    @bp.get("/v2/usergroups")
    def usergroups_list():
        return v2_list(groups.list(org()), params.v2_query())

    @bp.post("/v2/usergroups")
    def usergroups_create():
        body = bodies.check("POST v2 /usergroups", params.json_body())
        return jsonify(groups.create(org(), body)), 201

    @bp.get("/v2/usergroups/<group_id>")
    def usergroups_get(group_id: str):
        return jsonify(groups.get(org(), group_id))

    @bp.put("/v2/usergroups/<group_id>")
    def usergroups_put(group_id: str):
        body = bodies.check("PUT v2 /usergroups/{id}", params.json_body())
        return jsonify(groups.replace(org(), group_id, body))

    @bp.delete("/v2/usergroups/<group_id>")
    def usergroups_delete(group_id: str):
        return jsonify(groups.delete(org(), group_id))

    @bp.get("/v2/usergroups/<group_id>/members")
    def usergroups_members(group_id: str):
        return v2_list(graph.members(org(), group_id), params.v2_query())

    @bp.post("/v2/usergroups/<group_id>/members")
    def usergroups_members_post(group_id: str):
        op, _, user_id, _ = graph_operation(params.json_body(), ("user",))
        if op == "update":
            raise BadRequest("op: must be add or remove")
        graph.require(org(), "user", user_id)
        groups.change_member(org(), group_id, op, user_id)
        return no_content()

    @bp.get("/v2/usergroups/<group_id>/membership")
    def usergroups_membership(group_id: str):
        return v2_list(graph.membership(org(), group_id), params.v2_query())

    @bp.get("/v2/usergroups/<group_id>/associations")
    def usergroups_associations(group_id: str):
        found = graph.associations(org(), "user_group", group_id, params.targets(USER_TARGETS))
        return v2_list(found, params.v2_query())

    @bp.post("/v2/usergroups/<group_id>/associations")
    def usergroups_associations_post(group_id: str):
        op, kind, target_id, attributes = graph_operation(params.json_body(), USER_TARGETS)
        graph.change(org(), op, "user_group", group_id, kind, target_id, attributes)
        return no_content()

    @bp.get(f"/v2/usergroups/<group_id>/{_COLLECTION}")
    def usergroups_traverse(group_id: str, collection: str):
        kinds = _traversal_types(collection)
        found = [o for k in kinds for o in graph.resources_of_group(org(), group_id, k)]
        return v2_list(found, params.v2_query())

    # -- users -------------------------------------------------------------------------
    @bp.get("/v2/users/<user_id>/associations")
    def users_associations(user_id: str):
        found = graph.associations(org(), "user", user_id, params.targets(USER_TARGETS))
        return v2_list(found, params.v2_query())

    @bp.post("/v2/users/<user_id>/associations")
    def users_associations_post(user_id: str):
        op, kind, target_id, attributes = graph_operation(params.json_body(), USER_TARGETS)
        graph.change(org(), op, "user", user_id, kind, target_id, attributes)
        return no_content()

    @bp.get("/v2/users/<user_id>/memberof")
    def users_memberof(user_id: str):
        return v2_list(graph.memberof(org(), user_id), params.v2_query())

    @bp.get(f"/v2/users/<user_id>/{_COLLECTION}")
    def users_traverse(user_id: str, collection: str):
        kinds = _traversal_types(collection)
        found = [o for k in kinds for o in graph.resources_of_user(org(), user_id, k)]
        return v2_list(found, params.v2_query())

    # -- applications ------------------------------------------------------------------
    @bp.get("/v2/applications/<app_id>/associations")
    def applications_associations(app_id: str):
        found = graph.associations(org(), "application", app_id, params.targets(RESOURCE_TARGETS))
        return v2_list(found, params.v2_query())

    @bp.post("/v2/applications/<app_id>/associations")
    def applications_associations_post(app_id: str):
        change_from_resource(model, org(), "application", app_id, params.json_body())
        return no_content()

    @bp.get("/v2/applications/<app_id>/users")
    def applications_users(app_id: str):
        return v2_list(graph.users_of(org(), "application", app_id), params.v2_query())

    @bp.get("/v2/applications/<app_id>/usergroups")
    def applications_usergroups(app_id: str):
        return v2_list(graph.groups_of(org(), "application", app_id), params.v2_query())


def _traversal_types(collection: str) -> tuple[str, ...]:
    if collection == "directories":
        return DIRECTORY_TYPES
    if collection in _TRAVERSALS:
        return (_TRAVERSALS[collection],)
    if collection in _EMPTY_TRAVERSALS:
        return ()
    raise RouteNotFound()
