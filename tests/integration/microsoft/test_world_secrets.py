"""Every world gets its own passwords unless its document names a seed."""

from __future__ import annotations

from harness.clients.useragent import UserAgent


def _admin_password(ms, **doc) -> tuple[dict, str]:
    world = ms.world({}, **doc)
    return world, world["global_admin"]["password"]


def test_worlds_without_a_seed_do_not_share_passwords(ms):
    _, p_password = _admin_password(ms)
    q, q_password = _admin_password(ms)
    assert p_password != q_password
    # world P's admin password does not sign in world Q's admin
    with UserAgent(ms.ca) as agent:
        page = agent.get(f"{ms.portal}/signin", params={"login_hint": q["global_admin"]["upn"]})
        if page.page_id == "ms.signin.username":
            page = page.form("credentials").fill(loginfmt=q["global_admin"]["upn"]).submit()
        page = page.form("credentials").fill(passwd=p_password).submit()
        assert page.text_of("error-code") == "AADSTS50126"


def test_a_seeded_world_repeats_its_passwords(ms):
    _, first = _admin_password(ms, seed=42)
    _, again = _admin_password(ms, seed=42)
    assert first == again
