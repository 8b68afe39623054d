"""The trainer's dashboard host: the live timeline of every exchange across the lab's processes,
and the trainer studio's pages (``harness.studio.web``)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from harness.dashboard_access import DashboardAccess
from harness.studio import classroom, demo, live, web
from harness.studio.lab_api import LabApi
from harness.studio.live import PEER_TIMEOUT
from simulators.core.context import System
from simulators.core.wire import TransportError

TIMELINE_LIMIT = 300
REMOTE_HOSTS = ("login", "console")
"""A host of each system process: in a split lab these are other processes than this one."""


class DashboardSystem(System):
    """Serves the ``dashboard`` host."""

    name = "dashboard"
    hosts = ("dashboard",)

    @property
    def access(self) -> DashboardAccess:
        found = self.__dict__.get("_access")
        if found is None:
            found = self.__dict__["_access"] = DashboardAccess(self.ctx.admin_token)
        return found

    def signin_link(self) -> str:
        """A sign-in link with a one-time token, as ``m365lab up`` prints it."""
        return f"{self.ctx.url('dashboard')}/?token={self.access.new_link_token()}"

    def register(self, host: str, app: Flask) -> None:
        self.access.install(app)
        app.add_url_rule("/api/timeline", "timeline_json", self.timeline_json)
        studio = web.Studio(
            ctx=self.ctx,
            api=LabApi(self.ctx.state_dir / "lab.json"),
            feed=live.Feed(self.ctx, self.remote_processes),
            collect=self.collect,
        )
        web.install(app, studio)
        # studio features with pages of their own: each mounts itself and adds its nav link
        demo.register(app, self)
        web.add_nav(app, "/demo", "Demo")
        classroom.register(app, self)
        web.add_nav(app, "/handouts", "Handouts")

    def remote_processes(self) -> dict[str, str]:
        """Process id -> one of its hosts, for every lab process other than this one."""
        known = self.__dict__.get("_remote")
        if known is not None:
            return known
        found: dict[str, str] = {}
        silent: list[str] = []
        for host in REMOTE_HOSTS:
            try:
                health = self.ctx.url(host) + "/_lab/health"
                reply = self.ctx.http(PEER_TIMEOUT).request("GET", health)
                process = reply.json()["process"]
            except (TransportError, ValueError, KeyError) as exc:
                silent.append(f"{host}: {type(exc).__name__}")
                continue
            if process != self.ctx.instance_id:
                found.setdefault(process, host)
        self.__dict__["_silent"] = silent
        if not silent:  # processes do not move: ask once
            self.__dict__["_remote"] = found
        return found

    def collect(
        self, trace: str | None, limit: int = TIMELINE_LIMIT
    ) -> tuple[list[dict], list[str]]:
        """Entries from this process and every other process of the lab, merged by time: one
        trace's, or the last ``limit``."""
        ctx = self.ctx
        entries = ctx.journal.query(trace=trace, limit=None if trace else limit)
        remote = self.remote_processes()
        problems = list(self.__dict__.get("_silent", []))
        if remote:
            auth = {"Authorization": f"Bearer {ctx.admin_token}"}
            params = {"trace": trace} if trace else {"limit": limit}
            for host in remote.values():
                try:
                    reply = ctx.http(PEER_TIMEOUT).request(
                        "GET", ctx.url(host) + "/_lab/journal", params=params, headers=auth
                    )
                    if reply.status != 200:
                        raise ValueError(f"HTTP {reply.status}")
                    entries += reply.json()["entries"]
                except (TransportError, ValueError, KeyError) as exc:
                    problems.append(f"{host}: {type(exc).__name__}")
        entries = [e for e in entries if e.get("host") != "dashboard"]
        entries.sort(key=lambda e: (e.get("wall_time", 0), e["seq"]))
        return entries[-limit:] if not trace else entries, problems

    def timeline_json(self) -> Response:
        entries, problems = self.collect(request.args.get("trace") or None)
        return jsonify(entries=entries, unreachable=problems)
