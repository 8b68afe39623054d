"""The trainer's dashboard host: a live timeline of every exchange across the lab's processes."""

from __future__ import annotations

import html

import requests
from flask import Flask, Response, jsonify, request

from harness.dashboard_access import DashboardAccess
from harness.studio import classroom, demo
from simulators.core.context import System
from simulators.core.httpclient import lab_session

TIMELINE_LIMIT = 300
STATUS_CLASS = {2: "ok", 3: "redirect", 4: "client-error", 5: "server-error"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>m365lab dashboard</title>
<meta http-equiv="refresh" content="{refresh}">
<style>
body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:.85rem}}
td,th{{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}}
.ok{{color:#1a7f37}}.redirect{{color:#0550ae}}.client-error{{color:#9a6700}}
.server-error{{color:#cf222e}} .host{{font-weight:600}} code{{word-break:break-all}}
</style></head>
<body data-page="dashboard.timeline">
<h1 id="dashboard-title">m365lab timeline</h1>
<form id="timeline-filter" method="get"><label>Trace <input name="trace" value="{trace}"></label>
<button type="submit">Filter</button></form>
<p id="timeline-summary">{summary}</p>
<table id="timeline"><thead><tr><th>time</th><th>host</th><th>request</th><th>status</th>
<th>ms</th><th>trace</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>"""


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
        app.add_url_rule("/", "timeline", self.timeline_page)
        app.add_url_rule("/api/timeline", "timeline_json", self.timeline_json)
        demo.register(app, self)
        classroom.register(app, self)

    def collect(self, trace: str | None) -> tuple[list[dict], list[str]]:
        """Entries from this process and every other process of the lab, merged by time."""
        ctx = self.ctx
        entries = ctx.journal.query(trace=trace, limit=None if trace else TIMELINE_LIMIT)
        seen, problems = {ctx.instance_id}, []
        with lab_session(ctx.ca_file) as session:
            session.headers["Authorization"] = f"Bearer {ctx.admin_token}"
            for host in ("login", "console"):
                url = ctx.url(host) + "/_lab/journal"
                params = {"trace": trace} if trace else {"limit": TIMELINE_LIMIT}
                try:
                    reply = session.get(url, params=params, timeout=3)
                    reply.raise_for_status()
                    data = reply.json()
                except (requests.RequestException, ValueError) as exc:
                    problems.append(f"{host}: {type(exc).__name__}")
                    continue
                if data["process"] in seen:
                    continue
                seen.add(data["process"])
                entries += data["entries"]
        entries = [e for e in entries if e.get("host") != "dashboard"]
        entries.sort(key=lambda e: (e.get("wall_time", 0), e["seq"]))
        return entries[-TIMELINE_LIMIT:] if not trace else entries, problems

    def timeline_json(self) -> Response:
        entries, problems = self.collect(request.args.get("trace") or None)
        return jsonify(entries=entries, unreachable=problems)

    def timeline_page(self) -> Response:
        trace = request.args.get("trace") or None
        entries, problems = self.collect(trace)
        rows = "".join(
            "<tr class='{cls}'><td>{time}</td><td class='host'>{host}</td>"
            "<td><code>{method} {url}</code></td><td>{status}</td><td>{ms}</td>"
            "<td><a href='/?trace={trace}'>{short}</a></td></tr>".format(
                cls=STATUS_CLASS.get(e["status"] // 100, ""),
                time=html.escape(e["time"][11:23]),
                host=html.escape(e["host"]),
                method=html.escape(e["method"]),
                url=html.escape(e["url"]),
                status=e["status"],
                ms=e["duration_ms"],
                trace=html.escape(e.get("trace") or ""),
                short=html.escape((e.get("trace") or "")[:8]),
            )
            for e in reversed(entries)
        )
        summary = f"{len(entries)} exchanges" + (f" in trace {trace}" if trace else "")
        if problems:
            summary += " (unreachable: " + ", ".join(problems) + ")"
        body = PAGE.format(
            refresh=5 if not trace else 3600,
            trace=html.escape(trace or ""),
            summary=html.escape(summary),
            rows=rows or "<tr><td colspan='6'>No exchanges yet.</td></tr>",
        )
        return Response(body, mimetype="text/html")
