"""A Microsoft directory with one built world and a token signer, for tests without a server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulators.core.clock import LabClock
from simulators.microsoft.entra import keys
from simulators.microsoft.entra.grants import GrantDeps
from simulators.microsoft.entra.tokens import TokenService
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.worlds import WellKnownApps, WorldBuilder

LOGIN = "https://login.lab.test"
GRAPH = "https://graph.lab.test"
APP_REDIRECT = "https://app.example/cb"
DOMAIN = "contosolab.onmicrosoft.com"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DOC = {
    "tenant": "Contoso",
    "users": [
        {"userPrincipalName": "ada@{domain}", "password": "Ada-Passw0rd!"},
        {"userPrincipalName": "off@{domain}", "password": "Off-Passw0rd!", "accountEnabled": False},
        {
            "userPrincipalName": "mfa@{domain}",
            "password": "Mfa-Passw0rd!",
            "mfa": {"totp_secret": TOTP_SECRET},
        },
        {"userPrincipalName": "reg@{domain}", "password": "Reg-Passw0rd!", "mfa": "required"},
        {
            "userPrincipalName": "new@{domain}",
            "password": "New-Passw0rd!",
            "forceChangePasswordNextSignIn": True,
        },
    ],
    "apps": [
        {
            "displayName": "Web app",
            "client_secret": "app-secret",
            "redirect_uris": [APP_REDIRECT],
            "delegated_scopes": ["User.Read"],
            "admin_consent": True,
        },
        {
            "displayName": "Consent app",
            "client_secret": "consent-secret",
            "redirect_uris": [APP_REDIRECT],
            "delegated_scopes": ["User.Read"],
        },
    ],
}


@dataclass
class World:
    directory: Directory
    tokens: TokenService
    info: dict

    @property
    def deps(self) -> GrantDeps:
        return GrantDeps(self.directory, self.tokens, GRAPH)

    @property
    def tenant_id(self) -> str:
        return self.info["tenant_id"]

    @property
    def app(self) -> dict:
        return self.info["apps"][0]

    def user(self, name: str) -> dict:
        upn = f"{name}@{self.info['initial_domain']}"
        found = self.directory.users.get(self.tenant_id, upn)
        assert found is not None
        return found


def build_world(tmp_path: Path, doc: dict | None = None) -> World:
    """A fresh directory holding the world ``doc`` (``{domain}`` in a UPN is the initial domain)."""
    clock = LabClock()
    directory = Directory(tmp_path / "microsoft.db", clock)
    apps = WellKnownApps(
        portal_url="https://portal.lab.test",
        office_home_secret="office-secret",
        jumpcloud_app_id="00000000-0000-0000-0000-00000000abcd",
        jumpcloud_app_name="JumpCloud",
        jumpcloud_secret="jc-secret",
        jumpcloud_redirect="https://console.lab.test/cb",
    )
    builder = WorldBuilder(directory, apps, seed=7)
    doc = dict(doc or DOC)
    doc["tenant"] = {"display_name": "Contoso", "initial_domain": DOMAIN}
    doc["users"] = [
        {**u, "userPrincipalName": u["userPrincipalName"].format(domain=DOMAIN)}
        for u in doc.get("users") or []
    ]
    info = builder.build("w1", doc)
    key = keys.KeySource(tmp_path / "key.pem")
    return World(directory, TokenService(key, clock, LOGIN), info)
