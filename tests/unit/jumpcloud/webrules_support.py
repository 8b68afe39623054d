"""A JumpCloud model on a temporary SQLite file, with orgs and users, for the web rules' tests."""

from __future__ import annotations

from simulators.core.clock import LabClock
from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.orgs import merged_settings

PASSWORD = "Corr3ct-Horse!"


def new_model(path) -> JumpCloudModel:
    return JumpCloudModel(path / "jc.db", LabClock(), lambda host: f"https://{host}.lab")


def new_org(model: JumpCloudModel, name: str, policy: dict | None = None, **settings) -> str:
    doc = merged_settings(name, settings or None, policy)
    return model.orgs.create(name, f"w-{name}", doc)["_id"]


def new_user(model: JumpCloudModel, org_id: str, username: str, **body) -> dict:
    doc = {"username": username, "email": f"{username}@{org_id}.example", "password": PASSWORD}
    return model.users.create(org_id, {**doc, **body})
