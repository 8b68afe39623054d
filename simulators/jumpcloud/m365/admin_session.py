"""Who is signed in to the admin console: the console keeps ``{"id", "org_id"}`` under the
session key ``jca_admin`` (``simulators/jumpcloud/console/routes.py``) and signs in at
``/login?return_to=…``."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import session

from simulators.jumpcloud.model import JumpCloudModel

ADMIN_KEY = "jca_admin"


def current_admin(model: JumpCloudModel) -> dict | None:
    """``{"id", "org_id", "email"}`` of the signed-in console admin, else None."""
    state = session.get(ADMIN_KEY)
    admin_id = state.get("id") if isinstance(state, dict) else state
    if not admin_id:
        return None
    return model.orgs.admin(admin_id)


def signin_url(return_to: str) -> str:
    return "/login?" + urlencode({"return_to": return_to})


def console_home() -> str:
    return "/directories"
