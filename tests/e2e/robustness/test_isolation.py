"""One world cannot see, change or break another, on every admin API route the lab serves.

Two federated worlds, A and B, in one lab. For every route of JumpCloud's admin API (console
host, ``/api``) and of Graph (``/v1.0``), taken from the apps' URL maps so a new route is covered
without editing this test, world A's credentials are sent with world B's ids in the path and a
body that would change B if ownership were not checked. Every answer must be a refusal (4xx, no
5xx), no listing may show B's objects, and a snapshot of B (users, groups, apps, assignments,
bindings, translation rules, Microsoft users, groups, domains, federation, deleted items) must be
unchanged afterwards. ``$batch`` inner requests get the same treatment.

The admin console's pages and actions get the same: world A's admin, signed in, sends every
action with B's ids in the path or in the form. On the SSO host, a user signed in to A's User
Portal tries every route of B's app: no assertion is ever issued. The User Portal's own pages
name no object in their paths (they act on the signed-in user); every one of them, sent by A's
signed-in user with B's ids in the form, changes nothing of B's and shows nothing of B's.
"""

from __future__ import annotations

import json
import re

import pytest

from harness.clients.useragent import UserAgent
from harness.testkit import Person, add_microsoft_user, build_world, jumpcloud_signin, start_lab
from simulators.core.httpclient import lab_session

PUBLIC = {
    # README fidelity, "JumpCloud: metadata": IdP metadata is public (it holds no secret)
    ("GET", "/api/organizations/<org_id>/applications/<app_id>/metadata.xml"),
}
NOT_HERE = {
    # the control (own ids) is a 4xx for a reason that has nothing to do with ownership
    "/api/v2/office365s/<office365_id>/import/users",  # 409: the integration is not authorized
    "/v1.0/users/<key>/manager",  # 404: the user has no manager
    "/v1.0/users/<key>/manager/$ref",
}
PARAM = re.compile(r"<(?:([^:>]+):)?([^>]+)>")
ANY = re.compile(r"any\(([^)]*)\)")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("isolation"))
    yield lab
    lab.stop()


class World:
    """A world's handles: its API sessions and the ids of its objects by path variable."""

    def __init__(self, lab, world) -> None:
        self.world = world
        self.jc = world.jc_api()
        self.graph = world.graph()
        self.console, self.graph_url = world.url("console"), world.url("graph") + "/v1.0"
        jumpcloud = world.jumpcloud
        o365 = jumpcloud["office365_id"]
        self.app = next(iter(jumpcloud["apps"].values()))
        rules = self.jc.get(f"{self.console}/api/v2/office365s/{o365}/translationrules").json()
        if not rules:
            post = {"builtIn": "user_city"}
            rules = [self.jc.post(f"{self.console}/api/v2/office365s/{o365}/translationrules",
                                  json=post).json()]  # fmt: skip
        domains_url = f"{self.console}/api/v2/office365s/{o365}/domains"
        if not self.jc.get(domains_url).json()["domains"]:
            assert self.jc.post(domains_url, json={"domain": world.domain}).status_code == 201
        domains = self.jc.get(domains_url).json()
        gone = add_microsoft_user(
            world, Person("gone", f"gone@{world.domain}"), onPremisesImmutableId="gone-anchor"
        )
        assert self.graph.delete(f"{self.graph_url}/users/{gone['id']}").status_code == 204
        group = self.graph.post(
            f"{self.graph_url}/groups",
            json={"displayName": "g", "mailEnabled": False, "mailNickname": "g",
                  "securityEnabled": True},
        ).json()  # fmt: skip
        alice = world.people["alice"]
        bob = world.people["bob"]  # has TOTP: totpinfo answers for him
        fed = world.federation()
        self.jc_ids = {
            "user_id": bob.jc_id,
            "app_id": self.app,
            "group_id": next(iter(jumpcloud["groups"].values())),
            "office365_id": o365,
            "org_id": jumpcloud["org_id"],
            "rule_id": rules[0]["id"],
            "domain_id": domains["domains"][0]["objectId"],
        }
        self.ms_ids = {
            "key": alice.ms_id or self._ms_id(alice.email),
            "group_id": group["id"],
            "member_id": alice.ms_id or self._ms_id(alice.email),
            "object_id": gone["id"],
            "org_id": world.microsoft["tenant_id"],
            "name": world.domain,
            "fed_id": fed["id"],
            "first": gone["id"],  # /directory/deletedItems/{id}/{cast}
            "second": "microsoft.graph.user",
            "cast": "microsoft.graph.user",
        }

    def _ms_id(self, upn: str) -> str:
        return self.graph.get(f"{self.graph_url}/users/{upn}").json()["id"]

    def snapshot(self) -> dict:
        """What B holds, read with B's own credentials."""
        jc, ms = self.jc, self.graph
        c, g = self.console + "/api", self.graph_url
        o365 = self.jc_ids["office365_id"]
        out = {
            "jc.users": jc.get(f"{c}/systemusers?limit=100").json(),
            "jc.apps": jc.get(f"{c}/applications").json(),
            "jc.groups": jc.get(f"{c}/v2/usergroups?limit=100").json(),
            "jc.rules": jc.get(f"{c}/v2/office365s/{o365}/translationrules").json(),
            "jc.domains": jc.get(f"{c}/v2/office365s/{o365}/domains").json(),
            "jc.o365": jc.get(f"{c}/v2/office365s/{o365}").json(),
            "jc.bound": jc.get(f"{c}/v2/office365s/{o365}/associations?targets=user").json(),
            "jc.app.users": jc.get(f"{c}/v2/applications/{self.app}/users").json(),
            "ms.users": ms.get(f"{g}/users?$top=999").json()["value"],
            "ms.groups": ms.get(f"{g}/groups").json()["value"],
            "ms.domains": ms.get(f"{g}/domains").json()["value"],
            "ms.deleted": ms.get(f"{g}/directory/deletedItems/microsoft.graph.user").json(),
            "ms.federation": self.world.federation(),
            "ms.policy": ms.get(f"{g}/policies/identitySecurityDefaultsEnforcementPolicy").json(),
        }
        for group in out["jc.groups"]:
            out[f"jc.members.{group['id']}"] = jc.get(
                f"{c}/v2/usergroups/{group['id']}/members"
            ).json()
        for group in out["ms.groups"]:
            out[f"ms.members.{group['id']}"] = ms.get(f"{g}/groups/{group['id']}/members").json()
        return json.loads(json.dumps(out).replace(self.world.lab.ctx.url("graph"), ""))

    def every_id(self) -> set[str]:
        return {*self.jc_ids.values(), *self.ms_ids.values()} - {self.world.domain}


@pytest.fixture(scope="module")
def worlds(lab):
    a, b = build_world(lab), build_world(lab)
    return World(lab, a), World(lab, b)


def _body(path: str, victim: World) -> dict:
    """A body that would change the victim's objects if ownership were not checked."""
    if path.endswith(("/associations", "/members")):
        return {"op": "remove", "type": "user", "id": victim.jc_ids["user_id"]}
    if path.endswith("/$ref"):
        return {"@odata.id": f"{victim.graph_url}/directoryObjects/{victim.ms_ids['key']}"}
    return {
        "displayName": "hijacked", "description": "hijacked", "jobTitle": "hijacked",
        "name": "hijacked", "isEnabled": True, "userLockoutAction": "suspend",
    }  # fmt: skip


def _names_an_object(rule: str) -> bool:
    """A path variable other than a fixed choice (``any(…)``: a collection, an OData cast)."""
    return bool(re.search(r"<(?!any\()", rule))


def _fill(rule: str, ids: dict) -> str | None:
    if rule.startswith("/v1.0/users/<key>/memberOf/"):  # a user is a member of groups
        ids = {**ids, "cast": "microsoft.graph.group"}

    def one(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if converter and converter.startswith("any"):
            return ANY.match(converter).group(1).split(",")[0].strip(" '\"")
        return ids[name]

    try:
        return PARAM.sub(one, rule)
    except KeyError:
        return None


def _routes(lab, host: str, prefix: str) -> list[tuple[str, str]]:
    server = next(s for s in lab.servers if s.spec.name == host)
    routes = []
    for rule in server.server.wsgi_app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((method, rule.rule))
    return routes


def test_no_route_reaches_another_world(lab, worlds):
    attacker, victim = worlds
    before = victim.snapshot()
    foreign = victim.every_id()
    failures: list[str] = []
    plan = [
        ("console", "/api/", attacker.jc, attacker.console, victim.jc_ids, attacker.jc_ids),
        ("graph", "/v1.0/", attacker.graph, attacker.world.url("graph"), victim.ms_ids,
         attacker.ms_ids),
    ]  # fmt: skip
    covered = 0
    for host, prefix, session, base, ids, own in plan:
        for method, rule in _routes(lab, host, prefix):
            query = ""
            extra = {"ConsistencyLevel": "eventual"} if rule.endswith("/$count") else {}
            if rule.endswith("/associations"):  # JumpCloud needs the target type
                graph_side = rule.startswith(("/api/v2/usergroups", "/api/v2/users"))
                query = "?targets=" + ("application" if graph_side else "user")
            names_one = _names_an_object(rule)
            if method == "GET" and names_one and rule not in NOT_HERE:  # the control
                mine = session.get(base + _fill(rule, own) + query, headers=extra, timeout=30)
                if mine.status_code >= 400:
                    failures.append(f"control GET {host}{rule}: {mine.status_code}")
            path = _fill(rule, ids)
            assert path is not None, f"{host} {rule}: a path variable with no victim id mapped"
            if (not names_one and method != "GET") or (method, rule) in PUBLIC:
                continue  # creating in one's own world is not an attack on the other
            covered += 1
            kw = {"json": _body(path, victim)} if method in ("POST", "PUT", "PATCH") else {}
            reply = session.request(method, base + path + query, headers=extra, timeout=30, **kw)
            text = reply.text
            if names_one and not 400 <= reply.status_code < 500:
                failures.append(f"{method} {host}{rule}: {reply.status_code} {text[:150]}")
            elif not names_one and any(i in text for i in foreign):
                failures.append(f"{method} {host}{rule}: lists the other world's objects")
    assert covered > 80
    assert not failures, "\n".join(failures)
    assert victim.snapshot() == before


def test_batch_inner_requests_are_scoped_to_the_caller(worlds):
    attacker, victim = worlds
    before = victim.snapshot()
    user, group = victim.ms_ids["key"], victim.ms_ids["group_id"]
    deleted = victim.ms_ids["object_id"]
    requests_ = [
        {"id": "1", "method": "GET", "url": f"/users/{user}"},
        {"id": "2", "method": "PATCH", "url": f"/users/{user}", "body": {"jobTitle": "x"},
         "headers": {"Content-Type": "application/json"}},
        {"id": "3", "method": "DELETE", "url": f"/groups/{group}"},
        {"id": "4", "method": "DELETE", "url": f"/directory/deletedItems/{deleted}"},
        {"id": "5", "method": "GET", "url": f"/domains/{victim.ms_ids['name']}"},
    ]  # fmt: skip
    reply = attacker.graph.post(f"{attacker.graph_url}/$batch", json={"requests": requests_})
    assert reply.status_code == 200, reply.text
    statuses = {r["id"]: r["status"] for r in reply.json()["responses"]}
    assert all(s == 404 for s in statuses.values()), statuses
    assert victim.snapshot() == before


def test_tokens_and_keys_of_one_world_do_not_open_the_other(lab, worlds):
    attacker, victim = worlds
    c = attacker.console
    stranger = lab_session(attacker.world.ca)
    stranger.headers["x-api-key"] = attacker.jc.headers["x-api-key"]
    stranger.headers["x-org-id"] = victim.jc_ids["org_id"]
    assert stranger.get(f"{c}/api/systemusers").status_code in (401, 403)
    listed = attacker.graph.get(f"{attacker.graph_url}/users?$top=999").json()["value"]
    assert not {u["id"] for u in listed} & victim.every_id()


CONSOLE_ACTIONS = (
    "suspend", "activate", "unlock", "reset_mfa", "expire_password", "set_password",
    "bind_m365", "unbind_m365", "assign_app", "unassign_app", "add_group", "remove_group",
    "add_domain", "remove_domain", "add_rule", "remove_rule", "default_domain", "settings",
)  # fmt: skip
CONSOLE_SKIP = ("/api/", "/_lab/", "/static/", "/userconsole", "/insights/", "/oauth2/")


def _console_routes(lab) -> list[tuple[str, str]]:
    return [
        (method, rule)
        for method, rule in _routes(lab, "console", "/")
        if _names_an_object(rule) and not rule.startswith(CONSOLE_SKIP)
    ]


def test_no_console_page_or_action_reaches_another_world(lab, worlds):
    attacker, victim = worlds
    before = victim.snapshot()
    world = attacker.world
    admin = world.jumpcloud["admin"]
    console = attacker.console
    form_ids = {  # the victim's ids where a form names an object
        "password": "Hijack-Passw0rd!1", "office365_id": victim.jc_ids["office365_id"],
        "app_id": victim.jc_ids["app_id"], "group_id": victim.jc_ids["group_id"],
        "domain": "hijack.example", "domain_id": victim.jc_ids["domain_id"],
        "rule_id": victim.jc_ids["rule_id"], "builtIn": "user_city",
        "userLockoutAction": "suspend", "userPasswordExpirationAction": "suspend",
        "displayLabel": "hijacked", "description": "hijacked",
    }  # fmt: skip
    failures = []
    with UserAgent(world.ca) as agent:
        page = agent.get(f"{console}/applications")
        form = page.form("admin-login-form")
        form.fill(email=admin["email"], password=admin["password"]).submit()
        own = agent.get(f"{console}/applications/{attacker.jc_ids['app_id']}")
        assert own.status == 200 and own.page_id != page.page_id, own  # signed in
        token = own.forms()[0].get("csrf_token")
        routes = _console_routes(lab)
        assert len(routes) >= 6
        for method, rule in routes:
            targets = [(_fill(rule, victim.jc_ids), "victim's id in the path")]
            if method == "POST":  # own id in the path, the victim's ids in the form
                targets.append((_fill(rule, attacker.jc_ids), "victim's ids in the form"))
            for path, how in targets:
                if method == "GET":
                    reply = agent.get(console + path)
                    if reply.status < 400:
                        failures.append(f"GET {rule} ({how}): {reply.status}")
                    continue
                for action in CONSOLE_ACTIONS if rule.endswith("/actions") else ("",):
                    data = {"csrf_token": token, "action": action, **form_ids}
                    reply = agent.post(console + path, data=data)
                    if "path" in how and reply.status < 400:
                        failures.append(f"POST {rule} {action} ({how}): {reply.status}")
    assert not failures, "\n".join(failures)
    assert victim.snapshot() == before


def test_no_sso_route_gives_one_world_an_assertion_for_another(lab, worlds):
    """Signed in to world A's User Portal, every SSO route of world B's app: no assertion."""
    attacker, victim = worlds
    before = victim.snapshot()
    world = attacker.world
    label = victim.world.m365_label
    sso = victim.world.url("sso")
    with UserAgent(world.ca, auto_submit=False) as agent:
        home = jumpcloud_signin(
            world, world.people["alice"], agent.get(attacker.console + "/userconsole/login")
        )
        assert home.page_id == "jc.userportal.home", home
        routes = [
            (method, rule)
            for method, rule in _routes(lab, "sso", "/saml2/")
            if not rule.endswith("/metadata")  # public: README fidelity, JumpCloud metadata
        ]
        assert len(routes) >= 4
        for method, rule in routes:
            url = sso + PARAM.sub(lambda _: label, rule)
            page = agent.get(url) if method == "GET" else agent.post(url, data={})
            assert page.page_id != "saml.post", (method, rule, page)
            assert "SAMLResponse" not in page.text, (method, rule)
    assert victim.snapshot() == before


def test_no_user_portal_page_shows_or_changes_another_world(lab, worlds):
    """Signed in to A's User Portal, every portal route with B's ids in the form: B unchanged."""
    attacker, victim = worlds
    before = victim.snapshot()
    world = attacker.world
    victim_alice = victim.world.people["alice"]
    foreign_form = {
        "user_id": victim.jc_ids["user_id"], "id": victim.jc_ids["user_id"],
        "org_id": victim.jc_ids["org_id"], "organization": victim.jc_ids["org_id"],
        "email": victim_alice.email, "username": victim_alice.email,
        "current_password": "not-the-password", "password": "Hijack-Passw0rd!1",
        "new_password": "Hijack-Passw0rd!1", "confirm": "Hijack-Passw0rd!1", "code": "000000",
    }  # fmt: skip
    routes = [(m, r) for m, r in _routes(lab, "console", "/userconsole") if "<" not in r]
    assert len(routes) >= 6, routes
    failures = []
    with UserAgent(world.ca, auto_submit=False) as agent:
        home = jumpcloud_signin(
            world, world.people["alice"], agent.get(attacker.console + "/userconsole/login")
        )
        assert home.page_id == "jc.userportal.home", home
        for method, rule in routes:
            if rule.endswith("/logout"):
                continue  # would end the attacker's own session, nothing else
            url = attacker.console + rule
            if method == "GET":
                page = agent.get(url)
            else:
                token = next((f.get("csrf_token") for f in agent.get(url).forms()), None)
                page = agent.post(url, data={**foreign_form, "csrf_token": token or ""})
            if page.status >= 500:
                failures.append(f"{method} {rule}: {page.status}")
            sent = set(foreign_form.values())  # a form may echo what was typed into it
            shown = [v for v in victim.every_id() - sent if v in page.text]
            if shown:
                failures.append(f"{method} {rule} shows the other world's {shown}")
    assert not failures, "\n".join(failures)
    assert victim.snapshot() == before
