"""v1 ``/api/applications``, ``/api/organizations`` and per-app IdP metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from simulators.saml.metadata import build_idp_metadata

from ..model import JumpCloudModel
from ..model.errors import NotFound
from ..model.query import apply, project
from . import params
from .auth import caller
from .replies import v1_list


def idp_metadata(model: JumpCloudModel, org_id: str, app_id: str) -> bytes:
    """IdP metadata of one application (entity id, SSO URL, signing certificate)."""
    app = model.apps.get(org_id, app_id)
    pair = model.apps.signing_key(org_id, app_id)
    return build_idp_metadata(
        model.apps.config_value(app, "idpEntityId"), app["ssoUrl"], [pair.cert_b64]
    )


def register(bp: Blueprint, model: JumpCloudModel) -> None:
    apps = model.apps

    @bp.get("/applications")
    def applications_list():
        query = params.v1_query()
        items = apps.list(caller().org_id)
        total, page = apply(items, query, lambda n: any(n.split(".")[0] in i for i in items))
        # an application requires config, name and ssoUrl: a projection keeps them
        keep = ("_id", "config", "name", "ssoUrl")
        return v1_list(total, [project(a, query.fields, keep) for a in page])

    @bp.post("/applications")
    def applications_create():
        return jsonify(apps.create(caller().org_id, params.json_body()))

    @bp.get("/applications/<app_id>")
    def applications_get(app_id: str):
        return jsonify(apps.get(caller().org_id, app_id))

    @bp.put("/applications/<app_id>")
    def applications_put(app_id: str):
        return jsonify(apps.replace(caller().org_id, app_id, params.json_body()))

    @bp.delete("/applications/<app_id>")
    def applications_delete(app_id: str):
        model.graph.drop_target(caller().org_id, "application", app_id)
        return jsonify(apps.delete(caller().org_id, app_id))

    @bp.get("/organizations")
    def organizations_list():
        org = model.orgs.get(caller().org_id)
        query = params.v1_query()
        items = [{"_id": org["_id"], "displayName": org["displayName"], "logoUrl": ""}]
        total, page = apply(items, query, lambda n: n in items[0])
        return v1_list(total, [project(o, query.fields, "_id") for o in page])

    @bp.get("/organizations/<org_id>")
    def organizations_get(org_id: str):
        if org_id != caller().org_id:
            raise NotFound(f"Organization {org_id} not found")
        org = model.orgs.get(org_id)
        return jsonify({k: v for k, v in org.items() if k != "world_id"})

    @bp.get("/organizations/<org_id>/applications/<app_id>/metadata.xml")
    def application_metadata(org_id: str, app_id: str):
        if not model.orgs.exists(org_id):
            raise NotFound(f"Organization {org_id} not found")
        app = apps.get(org_id, app_id)
        return Response(
            idp_metadata(model, org_id, app_id),
            mimetype="application/xml",
            headers={
                "Content-Disposition": f'attachment; filename="JumpCloud-{app["displayLabel"]}'
                '-metadata.xml"'
            },
        )
