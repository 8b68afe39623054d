"""v1 ``/api/applications``, ``/api/organizations`` and per-app IdP metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from simulators.saml.metadata import build_idp_metadata

from ..appstate import jumpcloud_model
from ..model import JumpCloudModel
from ..model.query import apply, project
from . import params
from .auth import caller
from .guard import guard_api
from .replies import v1_list

bp = Blueprint("jumpcloud_v1_apps", __name__, url_prefix="/api")
guard_api(bp)

APPLICATION_REQUIRED = ("_id", "config", "name", "ssoUrl")
"""An application requires config, name and ssoUrl: a projection keeps them."""


def idp_metadata(model: JumpCloudModel, org_id: str, app_id: str) -> bytes:
    """IdP metadata of one application (entity id, SSO URL, signing certificate)."""
    app = model.apps.get(org_id, app_id)
    pair = model.apps.signing_key(org_id, app_id)
    return build_idp_metadata(
        model.apps.config_value(app, "idpEntityId"), app["ssoUrl"], [pair.cert_b64]
    )


@bp.get("/applications")
def applications_list():
    query = params.v1_query()
    items = jumpcloud_model().apps.list(caller().org_id)
    total, page = apply(items, query, lambda n: any(n.split(".")[0] in i for i in items))
    return v1_list(total, [project(a, query.fields, APPLICATION_REQUIRED) for a in page])


@bp.post("/applications")
def applications_create():
    return jsonify(jumpcloud_model().apps.create(caller().org_id, params.json_body()))


@bp.get("/applications/<app_id>")
def applications_get(app_id: str):
    return jsonify(jumpcloud_model().apps.get(caller().org_id, app_id))


@bp.put("/applications/<app_id>")
def applications_put(app_id: str):
    body = params.json_body()
    return jsonify(jumpcloud_model().apps.replace(caller().org_id, app_id, body))


@bp.delete("/applications/<app_id>")
def applications_delete(app_id: str):
    return jsonify(jumpcloud_model().delete_application(caller().org_id, app_id))


@bp.get("/organizations")
def organizations_list():
    query = params.v1_query()
    items = jumpcloud_model().orgs.listing(caller().org_id)
    total, page = apply(items, query, lambda n: n in items[0])
    return v1_list(total, [project(o, query.fields, "_id") for o in page])


@bp.get("/organizations/<org_id>")
def organizations_get(org_id: str):
    return jsonify(jumpcloud_model().orgs.visible(caller().org_id, org_id))


@bp.get("/organizations/<org_id>/applications/<app_id>/metadata.xml")
def application_metadata(org_id: str, app_id: str):
    model = jumpcloud_model()
    app = model.published_application(org_id, app_id)
    return Response(
        idp_metadata(model, org_id, app_id),
        mimetype="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="JumpCloud-{app["displayLabel"]}'
            '-metadata.xml"'
        },
    )
