"""Step-through demos: ``m365lab demo`` runs one scenario and the dashboard shows each step.

A :class:`DemoController` holds where the demo is (which step, its narration, waiting or
running, finished). With ``--pause`` the runner waits before each step until the trainer presses
Enter in the terminal or Next on the dashboard's ``/demo`` page, whichever comes first.
"""

from __future__ import annotations

import enum
import html
import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from harness.studio.frame import JournalSource, journey_href, journey_label, lab_journeys, page
from harness.studio.journeys import Journey

EXTENSION = "m365lab.studio.demo"


class Phase(enum.Enum):
    """Where a demo is."""

    IDLE = "idle"
    """No demo has started on this dashboard."""
    WAITING = "waiting"
    """Paused before a step, until Enter or Next."""
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True)
class DemoState:
    """A snapshot of the demo (what ``GET /api/demo`` answers)."""

    phase: Phase
    scenario: str = ""
    index: int = 0
    """The current step's number (1-based); 0 before the first."""
    total: int = 0
    step: str = ""
    say: str = ""
    pause: bool = False
    status: str = ""
    """The scenario's outcome once finished (``passed``, ``failed``, ``error``)."""
    advanced_by: str = ""
    """Who let the last step go: ``terminal`` or ``dashboard``."""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "phase": self.phase.value}


class Advance(enum.Enum):
    """What a press of Next (or Enter) did."""

    RELEASED = "released"
    NOT_WAITING = "not_waiting"
    """Nothing was waiting (running, finished, or a stale page's Next)."""


class DemoController:
    """The demo's state, shared by the runner's thread, the terminal and the dashboard."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._state = DemoState(Phase.IDLE)
        self._released = False
        self._closed = False

    @property
    def state(self) -> DemoState:
        with self._cond:
            return self._state

    def start(self, scenario: str, total: int, *, pause: bool) -> None:
        """A scenario of ``total`` steps begins (steps wait for Next when ``pause``)."""
        with self._cond:
            self._state = DemoState(Phase.RUNNING, scenario, 0, total, pause=pause)
            self._closed = False
            self._cond.notify_all()

    def before_step(self, index: int, name: str, say: str) -> None:
        """Show step ``index``; when pausing, block until :meth:`advance` (or :meth:`close`)."""
        with self._cond:
            pause = self._state.pause and not self._closed
            self._set(index=index, step=name, say=say, advanced_by="")
            if not pause:
                self._set(phase=Phase.RUNNING)
                return
            self._released = False
            self._set(phase=Phase.WAITING)
            self._cond.wait_for(lambda: self._released or self._closed)
            self._set(phase=Phase.RUNNING)

    def advance(self, source: str, index: int | None = None) -> Advance:
        """Let the waiting step run. ``index``: only if that step is the one waiting (a Next
        pressed twice, or on a page that is behind, must not skip a step)."""
        with self._cond:
            state = self._state
            if state.phase is not Phase.WAITING or (index is not None and index != state.index):
                return Advance.NOT_WAITING
            self._released = True  # running from now: a second Next finds nothing waiting
            self._set(phase=Phase.RUNNING, advanced_by=source)
            return Advance.RELEASED

    def finish(self, status: str) -> None:
        with self._cond:
            self._set(phase=Phase.FINISHED, status=status)

    def close(self) -> None:
        """Stop pausing (Ctrl-C, or the demo ends): a waiting step runs at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_for(self, phase: Phase, index: int | None = None, timeout: float = 30.0) -> bool:
        """Block until the demo is in ``phase`` (at step ``index``); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (
                    self._state.phase is phase and (index is None or self._state.index == index)
                ),
                timeout,
            )

    def _set(self, **changes: Any) -> None:
        fields = {**asdict(self._state), "phase": self._state.phase, **changes}
        self._state = DemoState(**fields)
        self._cond.notify_all()


@dataclass
class DemoHost:
    """What the demo's handlers need: the controller and the dashboard's journal."""

    controller: DemoController
    journal: JournalSource


def controller_for(system: Any) -> DemoController:
    """The demo controller of a dashboard system (one per dashboard)."""
    return system.__dict__.setdefault(EXTENSION, DemoController())


def register(app: Flask, system: JournalSource) -> None:
    """Mount the demo pages on the dashboard host (behind its admin check)."""
    app.extensions[EXTENSION] = DemoHost(controller_for(system), system)
    app.register_blueprint(blueprint)


blueprint = Blueprint("studio_demo", __name__)


def _host() -> DemoHost:
    return current_app.extensions[EXTENSION]


REFRESH_SCRIPT = """
const shown = __STAMP__;
setInterval(async () => {
  try {
    const r = await fetch('/api/demo', {headers: {Accept: 'application/json'}});
    if (!r.ok) return;
    const s = await r.json();
    if (`${s.phase}:${s.index}:${s.status}` !== shown) location.reload();
  } catch (e) {}
}, 700);
"""


@blueprint.get("/demo")
def demo_page() -> Response:
    host = _host()
    state = host.controller.state
    return page(
        f"Demo: {state.scenario or 'none running'}",
        "studio.demo",
        _demo_body(state, _newest_journey(host)),
        script=REFRESH_SCRIPT.replace(
            "__STAMP__", json.dumps(f"{state.phase.value}:{state.index}:{state.status}")
        ),
    )


@blueprint.post("/demo/next")
def demo_next() -> ResponseReturnValue:
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        # another page (another lab host shares the cookie: cookies ignore ports) may not
        # drive the demo; scripts send no Origin and sign in with the bearer token
        refusal = "<p id='demo-refused'>Next is taken from the demo page only.</p>"
        return page("Refused", "studio.demo.refused", refusal, status=403)
    raw = request.form.get("step", "")
    index = int(raw) if raw.isdigit() else None
    outcome = _host().controller.advance("dashboard", index)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(outcome=outcome.value, demo=_host().controller.state.to_json())
    return redirect("/demo", 303)


@blueprint.get("/api/demo")
def demo_json() -> Response:
    host = _host()
    journey = _newest_journey(host)
    body = host.controller.state.to_json()
    body["journey"] = journey_href(journey) if journey is not None else None
    return jsonify(body)


def _newest_journey(host: DemoHost) -> Journey | None:
    if host.controller.state.phase is Phase.IDLE:
        return None
    journeys = lab_journeys(host.journal)
    return journeys[-1] if journeys else None


PHASE_TEXT = {
    Phase.IDLE: "No demo is running. Start one with m365lab demo SCENARIO.",
    Phase.WAITING: "Waiting: press Next (or Enter in the terminal) to run this step.",
    Phase.RUNNING: "Running this step…",
    Phase.FINISHED: "The demo has finished.",
}


def _demo_body(state: DemoState, journey: Journey | None) -> str:
    esc = html.escape
    parts = [f"<h1 id='demo-scenario'>{esc(state.scenario or 'No demo running')}</h1>"]
    parts.append(
        f"<p id='demo-phase' data-phase='{state.phase.value}'>{esc(PHASE_TEXT[state.phase])}"
        + (f" <span id='demo-status' class='{esc(state.status)}'>{esc(state.status)}</span>")
        + "</p>"
    )
    if state.index:
        parts.append(
            f"<h2 id='demo-step'>Step {state.index} of {state.total}: "
            f"<code>{esc(state.step)}</code></h2>"
        )
        if state.say:
            parts.append(f"<p id='demo-say' class='say'>{esc(state.say)}</p>")
    if state.phase is Phase.WAITING:
        parts.append(
            "<form id='demo-next' method='post' action='/demo/next'>"
            f"<input type='hidden' name='step' value='{state.index}'>"
            "<button id='demo-next-button' type='submit'>Next</button></form>"
        )
    if journey is not None:
        parts.append(
            f"<p>Current journey: <a id='demo-journey' href='{journey_href(journey)}'>"
            f"{esc(journey_label(journey))}</a></p>"
        )
    parts.append("<p class='meta noprint'><a href='/'>Timeline</a></p>")
    return "".join(parts)
