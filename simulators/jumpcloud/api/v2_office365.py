"""v2 ``/api/v2/office365s`` and ``/api/v2/directories``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..appstate import jumpcloud_model
from ..model.errors import BadRequest
from ..model.graph import SUBJECT_TYPES, Graph
from ..model.office365 import Office365
from . import params
from .auth import caller
from .guard import guard_api
from .replies import no_content, v2_list

bp = Blueprint("jumpcloud_v2_office365", __name__, url_prefix="/api/v2")
guard_api(bp)

IMPORT_TOP_DEFAULT = 100
DIRECTORY_REQUIRED = ("id", "name", "type")
"""A Directory requires these three: a projection keeps them, as the schema demands."""


def _o365() -> Office365:
    return jumpcloud_model().office365


def _graph() -> Graph:
    return jumpcloud_model().graph


def _org() -> str:
    return caller().org_id


@bp.get("/directories")
def directories_list():
    o365 = _o365()
    items = [o365.directory(_org(), o["id"]) for o in o365.list(_org())]
    return v2_list(items, params.v2_query(), DIRECTORY_REQUIRED)


@bp.get("/office365s")
def office365s_list():
    return v2_list(_o365().list(_org()), params.v2_query())


@bp.get("/office365s/<office365_id>")
def office365s_get(office365_id: str):
    return jsonify(_o365().get(_org(), office365_id))


@bp.patch("/office365s/<office365_id>")
def office365s_patch(office365_id: str):
    return jsonify(_o365().patch(_org(), office365_id, params.json_body()))


@bp.get("/office365s/<office365_id>/associations")
def office365s_associations(office365_id: str):
    targets = params.targets(SUBJECT_TYPES)
    found = _graph().associations(_org(), "office_365", office365_id, targets)
    return v2_list(found, params.v2_query())


@bp.post("/office365s/<office365_id>/associations")
def office365s_associations_post(office365_id: str):
    _graph().write_from_resource(_org(), "office_365", office365_id, params.json_body())
    return no_content()


@bp.get("/office365s/<office365_id>/users")
def office365s_users(office365_id: str):
    found = _graph().users_of(_org(), "office_365", office365_id)
    if params.boolean_arg("syncStatus"):
        found = _o365().with_sync_status(_org(), office365_id, found)
    return v2_list(found, params.v2_query())


@bp.get("/office365s/<office365_id>/usergroups")
def office365s_usergroups(office365_id: str):
    found = _graph().groups_of(_org(), "office_365", office365_id)
    if params.boolean_arg("syncStatus"):
        found = _o365().groups_with_sync_status(office365_id, found)
    return v2_list(found, params.v2_query())


# -- translation rules -----------------------------------------------------------------
@bp.get("/office365s/<office365_id>/translationrules")
def translationrules_list(office365_id: str):
    return v2_list(_o365().rules(_org(), office365_id), params.v2_query())


@bp.post("/office365s/<office365_id>/translationrules")
def translationrules_create(office365_id: str):
    return jsonify(_o365().add_rule(_org(), office365_id, params.json_body())), 201


@bp.get("/office365s/<office365_id>/translationrules/<rule_id>")
def translationrules_get(office365_id: str, rule_id: str):
    return jsonify(_o365().rule(_org(), office365_id, rule_id))


@bp.delete("/office365s/<office365_id>/translationrules/<rule_id>")
def translationrules_delete(office365_id: str, rule_id: str):
    _o365().delete_rule(_org(), office365_id, rule_id)
    return no_content()


# -- domains ---------------------------------------------------------------------------
@bp.get("/office365s/<office365_id>/domains")
def domains_list(office365_id: str):
    limit = params.integer(request.args, "limit", 100)
    skip = params.integer(request.args, "skip", 0)
    return jsonify(_o365().domains_page(_org(), office365_id, limit, skip))


@bp.post("/office365s/<office365_id>/domains")
def domains_create(office365_id: str):
    body = params.json_body()
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return jsonify({"domain": _o365().add_domain(_org(), office365_id, body.get("domain"))}), 201


@bp.delete("/office365s/<office365_id>/domains/<domain_id>")
def domains_delete(office365_id: str, domain_id: str):
    return jsonify({"domain": _o365().delete_domain(_org(), office365_id, domain_id)})


# -- import candidates -----------------------------------------------------------------
@bp.get("/office365s/<office365_id>/import/users")
def office365s_import_users(office365_id: str):
    args = request.args
    page = jumpcloud_model().office365.import_candidates(
        _org(),
        office365_id,
        params.integer(args, "top", IMPORT_TOP_DEFAULT),
        args.get("skipToken") or None,
        args.get("filter") or None,
        args.get("search") or None,
    )
    return jsonify(page)
