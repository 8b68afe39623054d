"""The trainer studio's pages on the dashboard host: timeline, people, journeys, switches, live.

Every page is plain HTML with forms (no JavaScript needed); ``studio.js`` only adds the live
feed (``/events``, server-sent events) and opens the exchange an arrow points at.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
)
from flask.typing import ResponseReturnValue

from harness.lab.federation import MFA_BEHAVIORS
from harness.studio import classroom, live
from harness.studio.journey_view import JourneyIndex, journey_detail, journey_rows
from harness.studio.lab_api import LabApi
from harness.studio.people import world_state
from harness.studio.switches import BY_NAME, SWITCHES, flip
from simulators.core.context import LabContext

EXTENSION = "m365lab.studio"
CSRF_KEY = "studio_csrf"
FLASH_KEY = "studio_flash"
JOURNEY_ENTRIES = 3000
"""How far back the journeys list looks (a sign-in is 10-30 exchanges)."""
STATUS_CLASS = {2: "ok", 3: "redirect", 4: "client-error", 5: "server-error"}

bp = Blueprint(
    "studio",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/studio/static",
)


@dataclass
class Studio:
    """What the studio's handlers need, kept on the dashboard app."""

    ctx: LabContext
    api: LabApi
    feed: live.Feed
    collect: Callable[..., tuple[list[dict], list[str]]]
    """``collect(trace, limit=...)``: (entries, unreachable hosts) of the lab's timeline"""
    nav: list[tuple[str, str]] = field(
        default_factory=lambda: [
            ("/", "Timeline"),
            ("/people", "People"),
            ("/journeys", "Journeys"),
            ("/switches", "Failure switches"),
        ]
    )
    """(path, label) of the navigation bar; features of their own add theirs (``add_nav``)."""

    @property
    def journeys(self) -> JourneyIndex:
        return JourneyIndex(lambda: self.collect(None, limit=JOURNEY_ENTRIES)[0])


def install(app: Flask, studio: Studio) -> None:
    """Keep ``studio`` on ``app`` and mount the studio's pages."""
    app.extensions[EXTENSION] = studio
    app.register_blueprint(bp)


def add_nav(app: Flask, path: str, label: str) -> None:
    """A link in the navigation bar of every page (for a studio feature of its own)."""
    app.extensions[EXTENSION].nav.append((path, label))


def studio() -> Studio:
    """The studio of the app serving this request."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, Studio)
    return found


# -- helpers of every page ---------------------------------------------------------------


def csrf_token() -> str:
    """This session's token, put in every form the studio renders."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(24)
    return token


def _csrf_ok() -> bool:
    expected = session.get(CSRF_KEY, "")
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def _page(template: str, page_id: str, **values) -> str:
    return render_template(
        f"studio/{template}",
        page_id=page_id,
        nav=studio().nav,
        current=request.path,
        csrf_token=csrf_token(),
        flash=session.pop(FLASH_KEY, None),
        **values,
    )


def _local(target: str | None, default: str) -> str:
    """A path on this host to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    return target if not urlsplit(target).netloc else default


# -- pages -------------------------------------------------------------------------------


@bp.get("/")
def timeline_page() -> str:
    trace = request.args.get("trace") or None
    entries, problems = studio().collect(trace)
    summary = f"{len(entries)} exchanges" + (f" in trace {trace}" if trace else "")
    if problems:
        summary += " (unreachable: " + ", ".join(problems) + ")"
    return _page(
        "timeline.html",
        "dashboard.timeline",
        entries=list(reversed(entries)),
        status_class=STATUS_CLASS,
        trace=trace or "",
        summary=summary,
    )


@bp.get("/people")
def people_page() -> str:
    state = world_state(studio().api)
    return _page(
        "people.html", "studio.people", world=state, switches=BY_NAME, behaviors=MFA_BEHAVIORS
    )


@bp.get("/switches")
def switches_page() -> str:
    state = world_state(studio().api)
    return _page(
        "switches.html",
        "studio.switches",
        world=state,
        switches=[s for s in SWITCHES if s.needs != "person"],
        behaviors=MFA_BEHAVIORS,
    )


@bp.post("/switches/<name>")
def flip_switch(name: str) -> ResponseReturnValue:
    if not _csrf_ok():
        return Response("The form is stale (CSRF check failed): reload the page.", 403)
    if name not in BY_NAME:
        abort(404)
    form = request.form
    argument = form.get("person") or form.get("count") or form.get("behavior") or ""
    result = flip(studio().api, name, argument)
    session[FLASH_KEY] = {"ok": result.ok, "message": result.message}
    return redirect(_local(form.get("next"), "/switches"), 303)


def _seat_filter() -> Callable[[list], list]:
    """``?seat=N`` (a classroom seat): keep only that seat's journeys; else keep all."""
    seat = request.args.get("seat", type=int)
    if seat is None:
        return lambda journeys: journeys
    room = classroom.classroom_of(current_app)
    return lambda journeys: [j for j in journeys if room.seat_of(j.world) == seat]


@bp.get("/journeys")
def journeys_page() -> str:
    rows = journey_rows(_seat_filter()(studio().journeys.all()))
    seats = [s.number for s in classroom.classroom_of(current_app).seats]
    seat = request.args.get("seat", type=int)
    return _page("journeys.html", "studio.journeys", journeys=rows, seats=seats, seat=seat)


@bp.get("/journeys/<journey_id>")
def journey_page(journey_id: str) -> str:
    journey = studio().journeys.find(journey_id)
    if journey is None:
        abort(404)
    return _page("journey.html", "studio.journey", **journey_detail(journey, studio().api))


@bp.get("/api/journeys")
def journeys_json() -> Response:
    return jsonify(journeys=journey_rows(_seat_filter()(studio().journeys.all())))


def _rows(index: JourneyIndex, keep: Callable[[list], list]) -> list[dict]:
    return journey_rows(keep(index.all()))


@bp.get("/events")
def events() -> Response:
    current = studio()
    wanted = request.args.get("journeys")
    listing = partial(_rows, current.journeys, _seat_filter()) if wanted else None
    body = live.stream(current.feed, listing, current.ctx.stopping.is_set)
    response = Response(stream_with_context(body), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response
