"""A dropped world's pending work ends quietly: no traceback from the worker, the clock watch or
a retry after its organization is gone."""

from __future__ import annotations

import logging
import threading
import time

from harness.clients.useragent import UserAgent
from simulators.core.httpclient import lab_session
from simulators.jumpcloud.m365.tables import TABLES

from .helpers import new_world

DOMAIN = "fabrikam-dropped.com"
PASSWORD = "Jc-Passw0rd!2024"


def test_dropping_a_world_with_pending_sync_and_lockout_work_logs_no_error(lab, caplog):
    caplog.set_level(logging.DEBUG)
    thread_errors: list = []
    previous_hook = threading.excepthook
    threading.excepthook = thread_errors.append
    admin = lab_session(lab.ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    try:
        w = new_world(
            lab,
            {"domains": [{"name": DOMAIN, "verified": True}]},
            {
                "office365": {"domains": [DOMAIN], "userLockoutAction": "suspend"},
                "users": [
                    {"username": u, "email": f"{u}@{DOMAIN}", "firstname": u.title(),
                     "lastname": "D", "password": PASSWORD}
                    for u in ("pat", "quinn")
                ],
                "bindings": ["pat"],
            },
        )  # fmt: skip
        w.authorize()
        settings = f"/v2/office365s/{w.o365}/lab/settings"
        w.ok("PUT", settings, json={"propagationDelaySeconds": 120})
        w.bind("user", w.user_id("quinn"))  # pending: pushed after the delay
        for _ in range(10):  # locked out by bad passwords: unlocked by time alone
            with UserAgent(w.ca) as agent:
                page = agent.get(f"{w.url('console')}/userconsole/login")
                page.form("login-form").fill(email=f"pat@{DOMAIN}", password="wrong").submit()
        assert w.engine.links.dirty(w.o365), "a push is pending when the world is dropped"
        reply = admin.delete(f"{lab.ctx.url('console')}/_lab/worlds/{w.id}", timeout=30)
        assert reply.status_code in (200, 204), reply.text
        db = lab.model("jumpcloud").store.db
        pending = [  # cancelled with the world, before any background purge
            t for t in TABLES
            if db.execute(f"SELECT COUNT(*) FROM {t} WHERE org_id = ?",
                          (w.jc["org_id"],)).fetchone()[0]
        ]  # fmt: skip
        assert pending == []
        for host in ("login", "console"):
            moved = admin.put(f"{lab.ctx.url(host)}/_lab/clock",
                              json={"advance_seconds": 3600}, timeout=30)  # fmt: skip
            assert moved.status_code == 200, moved.text
        time.sleep(1.5)  # several worker passes
    finally:
        for host in ("login", "console"):
            admin.put(f"{lab.ctx.url(host)}/_lab/clock", json={"reset": True}, timeout=30)
        threading.excepthook = previous_hook
    assert thread_errors == []
    loud = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("m365lab")
    ]
    assert loud == [], [(r.name, r.getMessage(), r.exc_text) for r in loud]
