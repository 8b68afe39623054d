"""Who is calling: ``x-api-key`` or a service-account bearer token, then ``x-org-id`` rules.

x-org-id: empty/absent → the key's own org; malformed → 400; an org that does
not exist (or was deleted) → 404; another live org the key has no access to → 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from ..model import JumpCloudModel
from ..model.errors import BadRequest, Forbidden, NotFound, Unauthorized
from ..model.ids import is_object_id


@dataclass(frozen=True)
class Caller:
    org_id: str
    actor: dict


def authenticate(model: JumpCloudModel) -> Caller:
    key = (request.headers.get("x-api-key") or "").strip()
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if key:
        found = model.orgs.resolve_api_key(key)
        caller = Caller(
            found["org_id"], {"type": "admin", "id": found["admin_id"], "email": found["email"]}
        )
    elif scheme.lower() == "bearer" and token.strip():
        found = model.orgs.resolve_token(token.strip())
        caller = Caller(found["org_id"], {"type": "service_account", "id": found["client_id"]})
    else:
        raise Unauthorized("Unauthorized: the x-api-key header is missing")
    org_header = (request.headers.get("x-org-id") or "").strip()
    if org_header and org_header != caller.org_id:
        if not is_object_id(org_header):
            raise BadRequest(f"x-org-id: {org_header!r} is not a valid organization id")
        if not model.orgs.exists(org_header):
            raise NotFound(f"Organization {org_header} not found")
        raise Forbidden(f"Forbidden: this API key has no access to organization {org_header}")
    g.jc_caller = caller
    return caller


def caller() -> Caller:
    return g.jc_caller
