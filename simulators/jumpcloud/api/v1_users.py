"""v1 ``/api/systemusers`` and ``/api/search/systemusers``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..appstate import jumpcloud_model
from ..model.errors import BadRequest, PasswordRejected
from ..model.query import project
from ..model.users import Users
from . import params
from .auth import caller
from .errors import model_error
from .guard import guard_api
from .replies import empty, v1_list

bp = Blueprint("jumpcloud_v1_users", __name__, url_prefix="/api")
guard_api(bp)


def _users() -> Users:
    return jumpcloud_model().users


def _full_details() -> bool:
    return request.args.get("fullValidationDetails") == "password"


@bp.get("/systemusers")
def systemusers_list():
    total, results = _users().list(caller().org_id, params.v1_query())
    return v1_list(total, results)


@bp.post("/systemusers")
def systemusers_create():
    try:
        user = _users().create(caller().org_id, params.json_body(), actor=caller().actor)
    except PasswordRejected as exc:
        return model_error(exc, full_password_details=_full_details())
    return jsonify(user)


@bp.get("/systemusers/<user_id>")
def systemusers_get(user_id: str):
    user = _users().get(caller().org_id, user_id)
    return jsonify(project(user, params.v1_query().fields, "_id"))


@bp.put("/systemusers/<user_id>")
def systemusers_put(user_id: str):
    try:
        user = _users().update(caller().org_id, user_id, params.json_body(), actor=caller().actor)
    except PasswordRejected as exc:
        return model_error(exc, full_password_details=_full_details())
    return jsonify(user)


@bp.delete("/systemusers/<user_id>")
def systemusers_delete(user_id: str):
    cascade = request.args.get("cascade_manager") == "null"
    return jsonify(
        _users().delete(caller().org_id, user_id, cascade_manager=cascade, actor=caller().actor)
    )


@bp.post("/systemusers/<user_id>/expire")
def systemusers_expire(user_id: str):
    _users().expire_password(caller().org_id, user_id, actor=caller().actor)
    return empty(200)


@bp.post("/systemusers/<user_id>/unlock")
def systemusers_unlock(user_id: str):
    _users().unlock(caller().org_id, user_id, actor=caller().actor)
    return empty(200)


@bp.post("/systemusers/<user_id>/resetmfa")
def systemusers_resetmfa(user_id: str):
    body = params.json_body(required=False)
    _users().reset_mfa(caller().org_id, user_id, body, actor=caller().actor)
    return empty(200)


@bp.post("/systemusers/<user_id>/mfasync")
def systemusers_mfasync(user_id: str):
    _users().get(caller().org_id, user_id)
    return empty(200)


@bp.post("/systemusers/<user_id>/state/activate")
def systemusers_activate(user_id: str):
    body = params.json_body(required=False)
    if body is not None and not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    _users().activate(caller().org_id, user_id, actor=caller().actor)
    return empty(200)


@bp.get("/systemusers/<user_id>/totpinfo")
def systemusers_totpinfo(user_id: str):
    return jsonify(_users().totp_info(caller().org_id, user_id))


@bp.post("/search/systemusers")
def search_systemusers():
    query = params.search_query(params.json_body())
    total, results = _users().list(caller().org_id, query)
    return v1_list(total, results)
