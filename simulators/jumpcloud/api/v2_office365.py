"""v2 ``/api/v2/office365s`` and ``/api/v2/directories``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..model import JumpCloudModel
from ..model.errors import BadRequest
from . import params
from .auth import caller
from .replies import no_content, v2_list
from .v2_graph import RESOURCE_TARGETS, change_from_resource

IMPORT_TOP_DEFAULT = 100
IMPORT_TOP_MAX = 999


def register(bp: Blueprint, model: JumpCloudModel) -> None:
    o365, graph = model.office365, model.graph

    def org() -> str:
        return caller().org_id

    @bp.get("/v2/directories")
    def directories_list():
        items = [o365.directory(org(), o["id"]) for o in o365.list(org())]
        # a Directory requires these three: a projection keeps them, as the schema demands
        return v2_list(items, params.v2_query(), ("id", "name", "type"))

    @bp.get("/v2/office365s")
    def office365s_list():
        return v2_list(o365.list(org()), params.v2_query())

    @bp.get("/v2/office365s/<office365_id>")
    def office365s_get(office365_id: str):
        return jsonify(o365.get(org(), office365_id))

    @bp.patch("/v2/office365s/<office365_id>")
    def office365s_patch(office365_id: str):
        return jsonify(o365.patch(org(), office365_id, params.json_body()))

    @bp.get("/v2/office365s/<office365_id>/associations")
    def office365s_associations(office365_id: str):
        found = graph.associations(
            org(), "office_365", office365_id, params.targets(RESOURCE_TARGETS)
        )
        return v2_list(found, params.v2_query())

    @bp.post("/v2/office365s/<office365_id>/associations")
    def office365s_associations_post(office365_id: str):
        change_from_resource(model, org(), "office_365", office365_id, params.json_body())
        return no_content()

    @bp.get("/v2/office365s/<office365_id>/users")
    def office365s_users(office365_id: str):
        found = graph.users_of(org(), "office_365", office365_id)
        if params.boolean_arg("syncStatus"):
            rows = o365.bindings(org(), office365_id)
            for item in found:
                binding = rows.get(item["id"]) or {}
                if binding.get("externalId"):
                    item["externalId"] = binding["externalId"]
                if binding.get("syncStatus"):
                    item["syncStatus"] = binding["syncStatus"]
        return v2_list(found, params.v2_query())

    @bp.get("/v2/office365s/<office365_id>/usergroups")
    def office365s_usergroups(office365_id: str):
        found = graph.groups_of(org(), "office_365", office365_id)
        provider = o365.group_status_provider
        if params.boolean_arg("syncStatus") and provider is not None:
            for item in found:
                item.update(provider(office365_id, item["id"]))
        return v2_list(found, params.v2_query())

    # -- translation rules -------------------------------------------------------------
    @bp.get("/v2/office365s/<office365_id>/translationrules")
    def translationrules_list(office365_id: str):
        return v2_list(o365.rules(org(), office365_id), params.v2_query())

    @bp.post("/v2/office365s/<office365_id>/translationrules")
    def translationrules_create(office365_id: str):
        return jsonify(o365.add_rule(org(), office365_id, params.json_body())), 201

    @bp.get("/v2/office365s/<office365_id>/translationrules/<rule_id>")
    def translationrules_get(office365_id: str, rule_id: str):
        return jsonify(o365.rule(org(), office365_id, rule_id))

    @bp.delete("/v2/office365s/<office365_id>/translationrules/<rule_id>")
    def translationrules_delete(office365_id: str, rule_id: str):
        o365.delete_rule(org(), office365_id, rule_id)
        return no_content()

    # -- domains -----------------------------------------------------------------------
    @bp.get("/v2/office365s/<office365_id>/domains")
    def domains_list(office365_id: str):
        limit = params.integer(request.args, "limit", 100)
        skip = params.integer(request.args, "skip", 0)
        domains = o365.domains(org(), office365_id)
        return jsonify({"domains": domains[skip : skip + limit], "totalCount": len(domains)})

    @bp.post("/v2/office365s/<office365_id>/domains")
    def domains_create(office365_id: str):
        body = params.json_body()
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        return jsonify({"domain": o365.add_domain(org(), office365_id, body.get("domain"))}), 201

    @bp.delete("/v2/office365s/<office365_id>/domains/<domain_id>")
    def domains_delete(office365_id: str, domain_id: str):
        return jsonify({"domain": o365.delete_domain(org(), office365_id, domain_id)})

    # -- import candidates -------------------------------------------------------------
    @bp.get("/v2/office365s/<office365_id>/import/users")
    def office365s_import_users(office365_id: str):
        top = params.integer(request.args, "top", IMPORT_TOP_DEFAULT)
        if not 1 <= top <= IMPORT_TOP_MAX:
            raise BadRequest(f"top: must be between 1 and {IMPORT_TOP_MAX}")
        page = model.import_candidates(
            org(),
            office365_id,
            top,
            request.args.get("skipToken") or None,
            request.args.get("filter") or None,
            request.args.get("search") or None,
        )
        return jsonify(page)
