"""``/v1.0/users``, ``/v1.0/me`` and ``/users/$count``."""

from __future__ import annotations

from flask import request

from simulators.microsoft.graph.auth import WRITE_ROLES, require
from simulators.microsoft.graph.common import (
    count_reply,
    eventual,
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    page_reply,
    reply,
)
from simulators.microsoft.graph.expand import expanded, parse_expand
from simulators.microsoft.graph.serialize import context, parse_select, user_json
from simulators.microsoft.model.errors import bad_request
from simulators.microsoft.model.user_query import UserLister, UserQuery
from simulators.microsoft.permissions import ME_READ, USERS_READ, USERS_WRITE
from simulators.microsoft.services import services

bp = graph_blueprint("users", __name__)

QUERY_OPTIONS = ("$filter", "$search", "$orderby", "$top", "$count", "$select", "$skiptoken")


def _lister() -> UserLister:
    directory = services().directory
    return UserLister(directory.store, directory.clock)


def _query() -> UserQuery:
    args = request.args
    if "$skip" in args:
        raise bad_request("'$skip' is not supported by the service.")
    return UserQuery(
        filter=args.get("$filter"),
        search=(args.get("$search") or "").strip() or None,
        orderby=args.get("$orderby"),
        top=args.get("$top"),
        count=args.get("$count", "").lower() == "true",
        skiptoken=args.get("$skiptoken"),
        eventual=eventual(),
    )


@bp.get("/users")
def list_users():
    who = require(USERS_READ)
    query = _query()
    select = parse_select(request.args.get("$select"), collection=True)
    expand = parse_expand(request.args.get("$expand"))
    page = _lister().page(who.tenant_id, query)
    extras = expanded(services().directory, who.tenant_id, page.rows, expand)
    return page_reply("users", page, lambda row: {**user_json(row, select), **extras[row["id"]]})


@bp.get("/users/$count")
def count_users():
    who = require(USERS_READ)
    query = _query()
    query.count = True
    return count_reply(lambda: _lister().count(who.tenant_id, query))


@bp.get("/users/<key>")
def get_user(key: str):
    who = require(USERS_READ)
    return _one_user(who.tenant_id, key)


@bp.get("/me")
def me():
    who = require(ME_READ)
    if who.user_id is None:
        raise bad_request("/me request is only valid with delegated authentication flow.")
    return _one_user(who.tenant_id, who.user_id)


def _one_user(tenant_id: str, key: str):
    """``GET /users/{id}`` and ``/me``: the user with ``$select`` and ``$expand`` applied."""
    directory = services().directory
    user = directory.users.require(tenant_id, key)
    select = parse_select(request.args.get("$select"), collection=False)
    expand = parse_expand(request.args.get("$expand"))
    extra = expanded(directory, tenant_id, [dict(user)], expand)[user["id"]]
    return reply(
        {
            "@odata.context": context(graph_base(), "users/$entity"),
            **user_json(user, select),
            **extra,
        }
    )


@bp.post("/users")
def create_user():
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    user = services().directory.users.create(who.tenant_id, json_body())
    all_props = (
        "id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
        "officeLocation", "preferredLanguage", "surname", "userPrincipalName",
    )  # fmt: skip
    body = {"@odata.context": context(graph_base(), "users/$entity"), **user_json(user, all_props)}
    response = reply(body, 201)
    response.headers["Location"] = f"{graph_base()}/users/{user['id']}"
    return response


@bp.patch("/users/<key>")
def update_user(key: str):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    body = json_body()
    services().directory.users.update(who.tenant_id, key, body)
    return no_content()


@bp.delete("/users/<key>")
def delete_user(key: str):
    who = require(USERS_WRITE, admin_roles=WRITE_ROLES)
    services().directory.users.soft_delete(who.tenant_id, key)
    return no_content()
